/* ref.c: the CPU reference for every zoo layer kind.
 *
 * Every sum is accumulated in double and rounded to float once, when the
 * layer's output is stored, so the reference sits closer to the exact
 * answer than any float32 GPU kernel and the difference measures the GPU's
 * error. Batch norm, bias and activation are applied after the
 * convolution, in that order, exactly as zoo.h defines them.
 *
 * Speed still matters because tests run whole models (resnet50 is about 4
 * GMACs): the convolution accumulates one output plane at a time with the
 * kernel loops outside and the output-width loop innermost, so the inner
 * loop walks contiguous (or evenly strided) memory with independent
 * accumulators the compiler can vectorise; the fully connected layer keeps
 * four output columns in flight so the additions do not wait on each other.
 * Both spread their outputs over the machine's cores (ref_par): each output
 * plane or block of columns is one task, computed by one thread with the
 * same loops in the same order as alone, so the result is the same bits
 * whatever the thread count (ABACUS_REF_THREADS, default the online
 * cores; 1 runs everything on the caller's thread).
 */
#include "ref.h"
#include "text.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double ref_act(zoo_act a, double x)
{
	switch (a) {
	case ZOO_ACT_RELU:
		return x > 0 ? x : 0;
	case ZOO_ACT_RELU6:
		return x < 0 ? 0 : (x > 6 ? 6 : x);
	case ZOO_ACT_GELU:
		return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440));
	case ZOO_ACT_TANH:
		return tanh(x);
	case ZOO_ACT_NONE:
	default:
		return x;
	}
}

/* --- tasks over the cores ---------------------------------------------------
 *
 * ref_par(n, fn, ctx, scratch): fn(ctx, i, buf) for every i in [0, n), on
 * up to ref_threads() threads that take the next task from one shared
 * counter; the caller's thread is one of them. buf is `scratch` doubles
 * of the thread's own (NULL when 0). Returns -1, running nothing, when the
 * caller's buffer cannot be allocated; a helper thread that cannot start
 * or allocate leaves its share to the caller. */
typedef void (*ref_task)(void *ctx, size_t i, double *buf);

typedef struct ref_par_job {
	ref_task fn;
	void *ctx;
	size_t n, scratch;
	atomic_size_t next;
} ref_par_job;

enum { REF_MAX_THREADS = 64 };

static int ref_threads(void)
{
	const char *e = getenv("ABACUS_REF_THREADS");
	long t = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	return t < 1 ? 1 : t > REF_MAX_THREADS ? REF_MAX_THREADS : (int)t;
}

static void *ref_par_worker(void *arg)
{
	ref_par_job *j = arg;
	double *buf = j->scratch ? malloc(j->scratch * sizeof(double)) : NULL;
	if (j->scratch && !buf)
		return NULL;
	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;)
		j->fn(j->ctx, i, buf);
	free(buf);
	return NULL;
}

static int ref_par(size_t n, ref_task fn, void *ctx, size_t scratch)
{
	ref_par_job j = {fn, ctx, n, scratch, 0};
	double *buf = scratch ? malloc(scratch * sizeof(double)) : NULL;
	if (scratch && !buf)
		return -1;
	size_t t = (size_t)ref_threads();
	if (t > n)
		t = n;
	pthread_t th[REF_MAX_THREADS];
	size_t started = 0;
	for (size_t k = 1; k < t; k++)
		if (pthread_create(&th[started], NULL, ref_par_worker, &j) == 0)
			started++;
	/* the caller works through whatever the helpers do not take, so
	 * every task is done even if none started */
	for (size_t i; (i = atomic_fetch_add(&j.next, 1)) < n;)
		fn(ctx, i, buf);
	for (size_t k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	free(buf);
	return 0;
}

/* One output plane: channel oc of one sample. acc holds the plane (OH *
 * OW) as it is summed. */
static void ref_conv_plane(const zoo_layer *L, const wts_layer *p, const float *x, int H, int W,
                           float *y, int OH, int OW, int oc, double *acc)
{
	const int cin_g = L->cin / L->groups, cout_g = L->cout / L->groups;
	const int kh = L->kh, kw = L->kw, sh = L->sh, sw = L->sw, ph = L->ph, pw = L->pw;
	const int g = oc / cout_g;
	memset(acc, 0, (size_t)OH * (size_t)OW * sizeof(double));
	for (int ic = 0; ic < cin_g; ic++) {
		const float *xc = x + (size_t)(g * cin_g + ic) * (size_t)H * (size_t)W;
		const float *wk =
		    p->w + (((size_t)oc * (size_t)cin_g + (size_t)ic) * (size_t)kh) * (size_t)kw;
		for (int ky = 0; ky < kh; ky++) {
			for (int kx = 0; kx < kw; kx++) {
				const double wv = wk[ky * kw + kx];
				/* Output columns whose input column ow*sw - pw + kx lies in [0, W).
				 */
				int ow_lo = 0;
				while (ow_lo < OW && ow_lo * sw - pw + kx < 0)
					ow_lo++;
				int ow_hi = OW;
				while (ow_hi > ow_lo && (ow_hi - 1) * sw - pw + kx >= W)
					ow_hi--;
				if (ow_lo >= ow_hi)
					continue;
				for (int oh = 0; oh < OH; oh++) {
					const int ih = oh * sh - ph + ky;
					if (ih < 0 || ih >= H)
						continue;
					const float *xr = xc + (size_t)ih * (size_t)W + (kx - pw);
					double *ar = acc + (size_t)oh * (size_t)OW;
					if (sw == 1) {
						for (int ow = ow_lo; ow < ow_hi; ow++)
							ar[ow] += wv * (double)xr[ow];
					} else {
						for (int ow = ow_lo; ow < ow_hi; ow++)
							ar[ow] += wv * (double)xr[ow * sw];
					}
				}
			}
		}
	}
	double scale = 1.0, shift = 0.0;
	if (L->bias)
		shift = p->b[oc];
	if (L->bn) {
		scale = (double)p->bn_gamma[oc] / sqrt((double)p->bn_var[oc] + (double)L->eps);
		/* gamma * (z + bias - mean) / sqrt(var + eps) + beta */
		shift = (shift - (double)p->bn_mean[oc]) * scale + (double)p->bn_beta[oc];
	}
	float *yc = y + (size_t)oc * (size_t)OH * (size_t)OW;
	for (int i = 0; i < OH * OW; i++)
		yc[i] = (float)ref_act(L->act, acc[i] * scale + shift);
}

typedef struct conv_job {
	const zoo_layer *L;
	const wts_layer *p;
	const float *x;
	float *y;
	zoo_dims xd, yd;
	size_t xs, ys;
} conv_job;

/* Task i: plane i % cout of sample i / cout. */
static void conv_task(void *ctx, size_t i, double *acc)
{
	const conv_job *j = ctx;
	size_t n = i / (size_t)j->L->cout;
	ref_conv_plane(j->L, j->p, j->x + n * j->xs, j->xd.d[1], j->xd.d[2], j->y + n * j->ys,
	               j->yd.d[1], j->yd.d[2], (int)(i % (size_t)j->L->cout), acc);
}

static int ref_conv(const zoo_layer *L, const wts_layer *p, int batch, zoo_dims xd, zoo_dims yd,
                    const float *x, float *y, char *err, size_t errlen)
{
	if (L->groups < 1 || L->cin % L->groups || L->cout % L->groups || xd.d[0] != L->cin ||
	    yd.d[0] != L->cout)
		return text_fail(err, errlen, "%s: conv %d -> %d groups %d does not fit input %d",
		                L->name, L->cin, L->cout, L->groups, xd.d[0]);
	if (!p->w || (L->bias && !p->b) || (L->bn && !p->bn_gamma))
		return text_fail(err, errlen, "%s: conv parameters missing", L->name);
	conv_job j = {
	    L, p, x, y, xd, yd, (size_t)zoo_dims_count(&xd, 0), (size_t)zoo_dims_count(&yd, 0)};
	if (ref_par((size_t)batch * (size_t)L->cout, conv_task, &j,
	            (size_t)yd.d[1] * (size_t)yd.d[2]))
		return text_fail(err, errlen, "%s: out of memory", L->name);
	return 0;
}

static void ref_pool(const zoo_layer *L, int batch, zoo_dims xd, zoo_dims yd, const float *x,
                     float *y)
{
	const int C = xd.d[0], H = xd.d[1], W = xd.d[2], OH = yd.d[1], OW = yd.d[2];
	const int is_max = L->kind == ZOO_POOL_MAX;
	/* count_include_pad: in floor mode every window lies within the padded
	 * input, so the divisor is always the full window. */
	const double div = (double)L->kh * (double)L->kw;
	for (int n = 0; n < batch; n++) {
		for (int c = 0; c < C; c++) {
			const float *xc = x + ((size_t)n * C + c) * (size_t)H * (size_t)W;
			float *yc = y + ((size_t)n * C + c) * (size_t)OH * (size_t)OW;
			for (int oh = 0; oh < OH; oh++) {
				for (int ow = 0; ow < OW; ow++) {
					double best = -INFINITY, sum = 0;
					for (int ky = 0; ky < L->kh; ky++) {
						int ih = oh * L->sh - L->ph + ky;
						if (ih < 0 || ih >= H)
							continue;
						for (int kx = 0; kx < L->kw; kx++) {
							int iw = ow * L->sw - L->pw + kx;
							if (iw < 0 || iw >= W)
								continue;
							double v = xc[(size_t)ih * W + iw];
							sum += v;
							if (v > best)
								best = v;
						}
					}
					yc[(size_t)oh * OW + ow] = (float)(is_max ? best : sum / div);
				}
			}
		}
	}
}

/* y[r][o] = act(b[o] + sum_i x[r][i] w[o][i]), one task a row and block
 * of FC_BLOCK output columns. */
enum { FC_BLOCK = 64 };

typedef struct fc_job {
	const zoo_layer *L;
	const wts_layer *p;
	const float *x;
	float *y;
	size_t blocks; /* per row */
} fc_job;

static void fc_task(void *ctx, size_t t, double *unused)
{
	(void)unused;
	const fc_job *j = ctx;
	const zoo_layer *L = j->L;
	const wts_layer *p = j->p;
	const int cin = L->cin;
	const size_t r = t / j->blocks;
	const int o0 = (int)(t % j->blocks) * FC_BLOCK;
	const int o1 = o0 + FC_BLOCK < L->cout ? o0 + FC_BLOCK : L->cout;
	const float *xr = j->x + r * (size_t)cin;
	float *yr = j->y + r * (size_t)L->cout;
	int o = o0;
	for (; o + 4 <= o1; o += 4) {
		const float *w0 = p->w + (size_t)o * cin, *w1 = w0 + cin, *w2 = w1 + cin,
		            *w3 = w2 + cin;
		double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		for (int i = 0; i < cin; i++) {
			double xv = xr[i];
			s0 += xv * w0[i];
			s1 += xv * w1[i];
			s2 += xv * w2[i];
			s3 += xv * w3[i];
		}
		yr[o] = (float)ref_act(L->act, s0 + p->b[o]);
		yr[o + 1] = (float)ref_act(L->act, s1 + p->b[o + 1]);
		yr[o + 2] = (float)ref_act(L->act, s2 + p->b[o + 2]);
		yr[o + 3] = (float)ref_act(L->act, s3 + p->b[o + 3]);
	}
	for (; o < o1; o++) {
		const float *wo = p->w + (size_t)o * cin;
		double s = 0;
		for (int i = 0; i < cin; i++)
			s += (double)xr[i] * wo[i];
		yr[o] = (float)ref_act(L->act, s + p->b[o]);
	}
}

static void ref_fc_rows(const zoo_layer *L, const wts_layer *p, size_t rows, const float *x,
                        float *y)
{
	fc_job j = {L, p, x, y, ((size_t)L->cout + FC_BLOCK - 1) / FC_BLOCK};
	ref_par(rows * j.blocks, fc_task, &j, 0); /* no scratch: cannot fail */
}

static int ref_embed(const zoo_layer *L, const wts_layer *p, int batch, int S, const int32_t *ids,
                     float *y, char *err, size_t errlen)
{
	const int F = L->cout;
	if (S > L->max_pos)
		return text_fail(err, errlen, "%s: sequence %d longer than max_pos %d", L->name, S,
		                L->max_pos);
	for (int n = 0; n < batch; n++) {
		for (int s = 0; s < S; s++) {
			int32_t id = ids[(size_t)n * S + s];
			if (id < 0 || id >= L->vocab)
				return text_fail(err, errlen, "%s: token id %d outside [0, %d) at sample %d, position %d",
				                L->name, (int)id, L->vocab, n, s);
			const float *we = p->w + (size_t)id * F, *pe = p->w2 + (size_t)s * F, *te = p->w3;
			float *yr = y + ((size_t)n * S + s) * (size_t)F;
			for (int f = 0; f < F; f++)
				yr[f] = (float)((double)we[f] + (double)pe[f] + (double)te[f]);
		}
	}
	return 0;
}

static int ref_layernorm(const zoo_layer *L, const wts_layer *p, size_t count, const float *a,
                         const float *b, float *y, char *err, size_t errlen)
{
	const int F = L->cout;
	if (F < 1 || count % (size_t)F)
		return text_fail(err, errlen, "%s: %zu elements are not rows of %d features", L->name,
		                count, F);
	double *v = malloc((size_t)F * sizeof(double));
	if (!v)
		return text_fail(err, errlen, "%s: out of memory", L->name);
	for (size_t r = 0; r < count / (size_t)F; r++) {
		const size_t o = r * (size_t)F;
		double mean = 0, var = 0;
		for (int f = 0; f < F; f++) {
			v[f] = (double)a[o + f] + (b ? (double)b[o + f] : 0.0);
			mean += v[f];
		}
		mean /= F;
		for (int f = 0; f < F; f++)
			var += (v[f] - mean) * (v[f] - mean);
		var /= F;
		const double inv = 1.0 / sqrt(var + (double)L->eps);
		for (int f = 0; f < F; f++)
			y[o + f] = (float)((v[f] - mean) * inv * (double)p->w[f] + (double)p->b[f]);
	}
	free(v);
	return 0;
}

static int ref_attn_check(const zoo_layer *L, int S, zoo_dims qkv, char *err, size_t errlen)
{
	if (L->heads < 1 || L->cout % L->heads)
		return text_fail(err, errlen, "%s: hidden %d not divisible by %d heads", L->name,
		                L->cout, L->heads);
	if (qkv.d[0] != S || qkv.d[1] != 3 * L->cout || qkv.d[2] != 1)
		return text_fail(err, errlen, "%s: fused QKV is %dx%dx%d, expected %dx%dx1", L->name,
		                qkv.d[0], qkv.d[1], qkv.d[2], S, 3 * L->cout);
	return 0;
}

/* out[h][s][t] = sum_j Q[s][h*dh + j] K[t][h*dh + j] / sqrt(dh) */
static void ref_attn_scores(const zoo_layer *L, int batch, int S, const float *qkv, float *y)
{
	const int F = L->cout, H = L->heads, dh = F / H;
	const double scale = 1.0 / sqrt((double)dh);
	for (int n = 0; n < batch; n++) {
		const float *xb = qkv + (size_t)n * S * 3 * F;
		float *yb = y + (size_t)n * H * S * S;
		for (int h = 0; h < H; h++) {
			for (int s = 0; s < S; s++) {
				const float *q = xb + (size_t)s * 3 * F + (size_t)h * dh;
				for (int t = 0; t < S; t++) {
					const float *k = xb + (size_t)t * 3 * F + F + (size_t)h * dh;
					double sum = 0;
					for (int j = 0; j < dh; j++)
						sum += (double)q[j] * k[j];
					yb[((size_t)h * S + s) * S + t] = (float)(sum * scale);
				}
			}
		}
	}
}

/* out[s][h*dh + j] = sum_t P[h][s][t] V[t][h*dh + j] */
static int ref_attn_context(const zoo_layer *L, int batch, int S, const float *P, const float *qkv,
                            float *y, char *err, size_t errlen)
{
	const int F = L->cout, H = L->heads, dh = F / H;
	double *acc = malloc((size_t)dh * sizeof(double));
	if (!acc)
		return text_fail(err, errlen, "%s: out of memory", L->name);
	for (int n = 0; n < batch; n++) {
		const float *xb = qkv + (size_t)n * S * 3 * F;
		const float *pb = P + (size_t)n * H * S * S;
		float *yb = y + (size_t)n * S * F;
		for (int h = 0; h < H; h++) {
			for (int s = 0; s < S; s++) {
				const float *pr = pb + ((size_t)h * S + s) * S;
				memset(acc, 0, (size_t)dh * sizeof(double));
				for (int t = 0; t < S; t++) {
					const double pv = pr[t];
					const float *v = xb + (size_t)t * 3 * F + 2 * F + (size_t)h * dh;
					for (int j = 0; j < dh; j++)
						acc[j] += pv * v[j];
				}
				for (int j = 0; j < dh; j++)
					yb[(size_t)s * F + (size_t)h * dh + j] = (float)acc[j];
			}
		}
	}
	free(acc);
	return 0;
}

static void ref_softmax(size_t rows, int len, const float *x, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * (size_t)len;
		float *yr = y + r * (size_t)len;
		double mx = -INFINITY, sum = 0;
		for (int i = 0; i < len; i++)
			if (xr[i] > mx)
				mx = xr[i];
		for (int i = 0; i < len; i++)
			sum += exp((double)xr[i] - mx);
		for (int i = 0; i < len; i++)
			yr[i] = (float)(exp((double)xr[i] - mx) / sum);
	}
}

int ref_layer(const zoo_model *m, const wts *w, int layer, int batch, int seq,
              const void *const *in, float *out, char *err, size_t errlen)
{
	if (layer < 0 || layer >= m->n_layers)
		return text_fail(err, errlen, "%s: layer %d outside [0, %d)", m->name, layer,
		                m->n_layers);
	if (batch < 1)
		return text_fail(err, errlen, "%s: batch %d < 1", m->name, batch);
	if (m->has_seq && seq < 1)
		return text_fail(err, errlen, "%s: sequence length %d < 1", m->name, seq);
	if (!w || w->model != m || w->n_layers != m->n_layers)
		return text_fail(err, errlen, "%s: weights belong to another model", m->name);

	const zoo_layer *L = &m->layers[layer];
	const wts_layer *p = &w->layer[layer];
	zoo_dims xd = zoo_input_dims(m, layer, 0, seq);
	zoo_dims yd = zoo_layer_dims(m, layer, seq);
	const size_t xs = (size_t)zoo_dims_count(&xd, seq), ys = (size_t)zoo_dims_count(&yd, seq);
	const float *x = in[0];
	int rc = 0;

	switch (L->kind) {
	case ZOO_CONV:
		rc = ref_conv(L, p, batch, xd, yd, x, out, err, errlen);
		break;
	case ZOO_POOL_MAX:
	case ZOO_POOL_AVG:
		if (xd.d[0] != yd.d[0])
			return text_fail(err, errlen, "%s: pool changes channels %d -> %d", L->name,
			                xd.d[0], yd.d[0]);
		ref_pool(L, batch, xd, yd, x, out);
		break;
	case ZOO_ADD: {
		const float *b = in[1];
		zoo_dims bd = zoo_input_dims(m, layer, 1, seq);
		if (xs != ys || (size_t)zoo_dims_count(&bd, seq) != ys)
			return text_fail(err, errlen, "%s: add of different shapes", L->name);
		for (size_t i = 0; i < (size_t)batch * ys; i++)
			out[i] = (float)ref_act(L->act, (double)x[i] + (double)b[i]);
		break;
	}
	case ZOO_CONCAT: {
		size_t off = 0;
		for (int i = 0; i < L->n_in; i++) {
			zoo_dims d = zoo_input_dims(m, layer, i, seq);
			size_t n_i = (size_t)zoo_dims_count(&d, seq);
			if (off + n_i > ys)
				return text_fail(err, errlen, "%s: inputs exceed output", L->name);
			for (int n = 0; n < batch; n++)
				memcpy(out + (size_t)n * ys + off, (const float *)in[i] + (size_t)n * n_i,
				       n_i * sizeof(float));
			off += n_i;
		}
		if (off != ys)
			return text_fail(err, errlen, "%s: inputs give %zu of %zu elements", L->name, off,
			                ys);
		break;
	}
	case ZOO_FC:
		if (L->cin < 1 || xs % (size_t)L->cin || ys != xs / (size_t)L->cin * (size_t)L->cout)
			return text_fail(err, errlen, "%s: fc %d -> %d does not fit %zu -> %zu", L->name,
			                L->cin, L->cout, xs, ys);
		if (!p->w || !p->b)
			return text_fail(err, errlen, "%s: fc parameters missing", L->name);
		ref_fc_rows(L, p, (size_t)batch * (xs / (size_t)L->cin), x, out);
		break;
	case ZOO_EMBED:
		if (yd.d[1] != L->cout || (size_t)yd.d[0] != xs)
			return text_fail(err, errlen, "%s: embed output %dx%d for %zu ids", L->name,
			                yd.d[0], yd.d[1], xs);
		rc = ref_embed(L, p, batch, (int)xs, in[0], out, err, errlen);
		break;
	case ZOO_LAYERNORM:
		if (L->n_in > 2 || xs != ys)
			return text_fail(err, errlen, "%s: layer norm of %d inputs, %zu -> %zu", L->name,
			                L->n_in, xs, ys);
		rc = ref_layernorm(L, p, (size_t)batch * ys, x, L->n_in == 2 ? in[1] : NULL, out, err,
		                   errlen);
		break;
	case ZOO_ATTN_SCORES:
		if (yd.d[0] != L->heads || yd.d[1] != xd.d[0] || yd.d[2] != xd.d[0])
			return text_fail(err, errlen, "%s: scores shape %dx%dx%d", L->name, yd.d[0],
			                yd.d[1], yd.d[2]);
		if ((rc = ref_attn_check(L, xd.d[0], xd, err, errlen)) == 0)
			ref_attn_scores(L, batch, xd.d[0], x, out);
		break;
	case ZOO_SOFTMAX:
		if (xs != ys || yd.d[2] < 1)
			return text_fail(err, errlen, "%s: softmax changes shape", L->name);
		ref_softmax((size_t)batch * ys / (size_t)yd.d[2], yd.d[2], x, out);
		break;
	case ZOO_ATTN_CONTEXT: {
		zoo_dims qd = zoo_input_dims(m, layer, 1, seq);
		const int S = qd.d[0];
		if (xd.d[0] != L->heads || xd.d[1] != S || xd.d[2] != S || yd.d[0] != S ||
		    yd.d[1] != L->cout)
			return text_fail(err, errlen, "%s: context shapes do not fit", L->name);
		if ((rc = ref_attn_check(L, S, qd, err, errlen)) == 0)
			rc = ref_attn_context(L, batch, S, x, in[1], out, err, errlen);
		break;
	}
	case ZOO_TAKE_FIRST: {
		const size_t F = (size_t)xd.d[1] * (size_t)xd.d[2];
		if (ys != F)
			return text_fail(err, errlen, "%s: take_first output %zu, token %zu", L->name, ys, F);
		for (int n = 0; n < batch; n++)
			memcpy(out + (size_t)n * F, x + (size_t)n * xs, F * sizeof(float));
		break;
	}
	default:
		return text_fail(err, errlen, "%s: unknown layer kind %d", L->name, (int)L->kind);
	}
	return rc;
}

int ref_run(const zoo_model *m, const wts *w, int start, int end, int batch, int seq,
            const void *input, float *output, char *err, size_t errlen)
{
	if (start < 0 || end > m->n_ops || start >= end)
		return text_fail(err, errlen, "%s: ops [%d, %d) outside [0, %d)", m->name, start, end,
		                m->n_ops);
	if (batch < 1)
		return text_fail(err, errlen, "%s: batch %d < 1", m->name, batch);

	const void *op_in = input; /* borrowed: the caller's input or prev_out */
	float *prev_out = NULL;    /* owned: the previous op's output */
	float **buf = NULL;        /* the current op's layer outputs */
	int rc = 0;

	for (int op = start; op < end && rc == 0; op++) {
		const zoo_op *O = &m->ops[op];
		if (O->count < 1) {
			rc = text_fail(err, errlen, "%s op %d has no layers", m->name, op);
			break;
		}
		buf = calloc((size_t)O->count, sizeof *buf);
		if (!buf) {
			rc = text_fail(err, errlen, "%s op %d: out of memory", m->name, op);
			break;
		}
		for (int i = 0; i < O->count && rc == 0; i++) {
			const int l = O->first + i;
			const zoo_layer *L = &m->layers[l];
			zoo_dims yd = zoo_layer_dims(m, l, seq);
			buf[i] = malloc((size_t)batch * (size_t)zoo_dims_count(&yd, seq) * sizeof(float));
			if (!buf[i]) {
				rc = text_fail(err, errlen, "%s op %d layer %s: out of memory", m->name, op,
				              L->name);
				break;
			}
			const void *ins[ZOO_MAX_IN] = {0};
			for (int k = 0; k < L->n_in; k++) {
				int src = L->in[k];
				if (src == ZOO_OP_INPUT) {
					ins[k] = op_in;
				} else if (src >= O->first && src < l) {
					ins[k] = buf[src - O->first];
				} else {
					rc = text_fail(err, errlen,
					               "%s op %d layer %s: input %d is layer %d, "
					               "outside the op",
					               m->name, op, L->name, k, src);
					break;
				}
			}
			if (rc == 0 && ref_layer(m, w, l, batch, seq, ins, buf[i], err, errlen))
				rc = -1;
		}
		if (rc == 0) {
			free(prev_out);
			prev_out = buf[O->count - 1];
			buf[O->count - 1] = NULL;
			op_in = prev_out;
		}
		for (int i = 0; i < O->count; i++)
			free(buf[i]);
		free(buf);
		buf = NULL;
	}
	if (rc == 0) {
		zoo_dims od = zoo_layer_dims(m, m->ops[end - 1].first + m->ops[end - 1].count - 1, seq);
		memcpy(output, prev_out, (size_t)batch * (size_t)zoo_dims_count(&od, seq) * sizeof(float));
	}
	free(prev_out);
	return rc;
}

double ref_rel_err(const float *a, const float *b, size_t n)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i]))
			return NAN;
		double d = (double)a[i] - (double)b[i];
		num += d * d;
		den += (double)b[i] * (double)b[i];
	}
	if (den == 0)
		return num == 0 ? 0 : INFINITY;
	return sqrt(num / den);
}
