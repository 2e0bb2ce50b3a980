/* zoo_build.c: the builder the model files share, and the shape arithmetic.
 *
 * Every output shape in the zoo comes from zoo_infer_out(): the builder
 * calls it as layers are appended and zoo_model_check() calls it again on
 * the finished model, so a shape can never be typed in by hand and drift.
 */
#include "zoo_build.h"
#include "buf.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zoo_b_fail(zoo_build *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	b->failed = 1;
	if (b->err && b->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
}

/* Convolution / pooling output size along one axis (floor mode, as
 * PyTorch's default). */
static int window_out(int n, int k, int s, int p)
{
	return (n + 2 * p - k) / s + 1;
}

static int same_dims(const zoo_dims *a, const zoo_dims *b)
{
	return a->d[0] == b->d[0] && a->d[1] == b->d[1] && a->d[2] == b->d[2];
}

static int window_dims(const zoo_layer *L, const zoo_dims *x, int cout, zoo_dims *out, char *err,
                       size_t errlen)
{
	if (x->d[1] == ZOO_SEQ || x->d[2] == ZOO_SEQ)
		return text_fail(err, errlen, "%s: spatial dims cannot be the sequence length",
		               L->name);
	if (L->kh < 1 || L->kw < 1 || L->sh < 1 || L->sw < 1 || L->ph < 0 || L->pw < 0)
		return text_fail(err, errlen, "%s: bad window %dx%d stride %dx%d pad %dx%d", L->name,
		               L->kh, L->kw, L->sh, L->sw, L->ph, L->pw);
	if (x->d[1] + 2 * L->ph < L->kh || x->d[2] + 2 * L->pw < L->kw)
		return text_fail(err, errlen, "%s: window %dx%d larger than input %dx%d + pad",
		               L->name, L->kh, L->kw, x->d[1], x->d[2]);
	out->d[0] = cout;
	out->d[1] = window_out(x->d[1], L->kh, L->sh, L->ph);
	out->d[2] = window_out(x->d[2], L->kw, L->sw, L->pw);
	return 0;
}

int zoo_infer_out(const zoo_layer *L, const zoo_dims *in, zoo_dims *out, char *err, size_t errlen)
{
	const zoo_dims *x = &in[0];
	static const int want_in[ZOO_KIND_COUNT] = {
	    [ZOO_CONV] = 1,        [ZOO_POOL_MAX] = 1, [ZOO_POOL_AVG] = 1,     [ZOO_ADD] = 2,
	    [ZOO_CONCAT] = 0,      [ZOO_FC] = 1,       [ZOO_EMBED] = 1,        [ZOO_LAYERNORM] = 0,
	    [ZOO_ATTN_SCORES] = 1, [ZOO_SOFTMAX] = 1,  [ZOO_ATTN_CONTEXT] = 2, [ZOO_TAKE_FIRST] = 1,
	};
	if ((int)L->kind < 0 || L->kind >= ZOO_KIND_COUNT)
		return text_fail(err, errlen, "%s: unknown kind %d", L->name, (int)L->kind);
	if (L->n_in < 1 || L->n_in > ZOO_MAX_IN ||
	    (want_in[L->kind] && L->n_in != want_in[L->kind]))
		return text_fail(err, errlen, "%s: %s cannot take %d inputs", L->name,
		               zoo_kind_name(L->kind), L->n_in);
	switch (L->kind) {
	case ZOO_CONV:
		if (L->groups < 1 || L->cin % L->groups || L->cout % L->groups)
			return text_fail(err, errlen, "%s: groups %d do not divide %d -> %d", L->name,
			               L->groups, L->cin, L->cout);
		if (x->d[0] != L->cin)
			return text_fail(err, errlen, "%s: input has %d channels, conv expects %d",
			               L->name, x->d[0], L->cin);
		return window_dims(L, x, L->cout, out, err, errlen);
	case ZOO_POOL_MAX:
	case ZOO_POOL_AVG:
		return window_dims(L, x, x->d[0], out, err, errlen);
	case ZOO_ADD:
		if (!same_dims(&in[0], &in[1]))
			return text_fail(err, errlen, "%s: adds %dx%dx%d to %dx%dx%d", L->name,
			               in[0].d[0], in[0].d[1], in[0].d[2], in[1].d[0], in[1].d[1],
			               in[1].d[2]);
		*out = *x;
		return 0;
	case ZOO_CONCAT: {
		int c = 0;
		for (int i = 0; i < L->n_in; i++) {
			if (in[i].d[0] == ZOO_SEQ || in[i].d[1] != x->d[1] || in[i].d[2] != x->d[2])
				return text_fail(err, errlen,
				               "%s: input %d is %dx%dx%d, input 0 %dx%dx%d",
				               L->name, i, in[i].d[0], in[i].d[1], in[i].d[2],
				               x->d[0], x->d[1], x->d[2]);
			c += in[i].d[0];
		}
		out->d[0] = c;
		out->d[1] = x->d[1];
		out->d[2] = x->d[2];
		return 0;
	}
	case ZOO_FC:
		if (L->cin < 1 || L->cout < 1)
			return text_fail(err, errlen, "%s: bad fc %d -> %d", L->name, L->cin,
			               L->cout);
		/* Token rows {S, F, 1} keep their row count; anything else is one
		 * flattened row per sample (a CNN head: {C, H, W} -> {cout, 1, 1}). */
		if (x->d[1] == L->cin && x->d[2] == 1) {
			out->d[0] = x->d[0];
			out->d[1] = L->cout;
			out->d[2] = 1;
			return 0;
		}
		if (x->d[0] != ZOO_SEQ && x->d[1] != ZOO_SEQ && x->d[2] != ZOO_SEQ &&
		    (long long)x->d[0] * x->d[1] * x->d[2] == L->cin) {
			out->d[0] = L->cout;
			out->d[1] = 1;
			out->d[2] = 1;
			return 0;
		}
		return text_fail(err, errlen, "%s: fc expects %d features, input is %dx%dx%d",
		               L->name, L->cin, x->d[0], x->d[1], x->d[2]);
	case ZOO_EMBED:
		if (x->d[1] != 1 || x->d[2] != 1 || L->cout < 1 || L->vocab < 1 || L->max_pos < 1)
			return text_fail(err, errlen, "%s: embed needs ids {S,1,1}", L->name);
		out->d[0] = x->d[0];
		out->d[1] = L->cout;
		out->d[2] = 1;
		return 0;
	case ZOO_LAYERNORM:
		if (L->n_in > 2 || x->d[1] != L->cout || x->d[2] != 1)
			return text_fail(err, errlen, "%s: layer norm over %d features of %dx%dx%d",
			               L->name, L->cout, x->d[0], x->d[1], x->d[2]);
		if (L->n_in == 2 && !same_dims(&in[0], &in[1]))
			return text_fail(err, errlen, "%s: residual inputs differ", L->name);
		*out = *x;
		return 0;
	case ZOO_ATTN_SCORES:
		if (L->heads < 1 || L->cout % L->heads || x->d[1] != 3 * L->cout || x->d[2] != 1)
			return text_fail(err, errlen, "%s: scores need fused QKV {S,%d,1}", L->name,
			               3 * L->cout);
		out->d[0] = L->heads;
		out->d[1] = x->d[0];
		out->d[2] = x->d[0];
		return 0;
	case ZOO_SOFTMAX:
		*out = *x;
		return 0;
	case ZOO_ATTN_CONTEXT:
		if (L->heads < 1 || L->cout % L->heads || in[0].d[0] != L->heads ||
		    in[0].d[1] != in[1].d[0] || in[0].d[2] != in[1].d[0] ||
		    in[1].d[1] != 3 * L->cout || in[1].d[2] != 1)
			return text_fail(err, errlen, "%s: context needs {%d,S,S} and {S,%d,1}",
			               L->name, L->heads, 3 * L->cout);
		out->d[0] = in[1].d[0];
		out->d[1] = L->cout;
		out->d[2] = 1;
		return 0;
	case ZOO_TAKE_FIRST:
		if (x->d[2] != 1)
			return text_fail(err, errlen, "%s: take-first needs {S,F,1}", L->name);
		out->d[0] = 1;
		out->d[1] = x->d[1];
		out->d[2] = 1;
		return 0;
	case ZOO_KIND_COUNT:
		break;
	}
	return text_fail(err, errlen, "%s: unknown kind", L->name);
}

int zoo_b_begin(zoo_build *b, const char *name, zoo_dims input, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->err = err;
	b->errlen = errlen;
	b->m = calloc(1, sizeof(*b->m));
	if (!b->m) {
		zoo_b_fail(b, "%s: out of memory", name);
		return -1;
	}
	snprintf(b->m->name, sizeof(b->m->name), "%s", name);
	b->m->input = input;
	return 0;
}

static void close_op(zoo_build *b)
{
	zoo_model *m = b->m;
	if (m->n_ops > 0) {
		zoo_op *o = &m->ops[m->n_ops - 1];
		o->count = m->n_layers - o->first;
		if (o->count == 0)
			zoo_b_fail(b, "%s: op %s has no layers", m->name, o->name);
	}
}

zoo_model *zoo_b_finish(zoo_build *b)
{
	if (!b->m)
		return NULL;
	if (!b->failed) {
		close_op(b);
		if (b->m->n_ops == 0)
			zoo_b_fail(b, "%s: no ops", b->m->name);
	}
	if (b->failed) {
		zoo_model_free(b->m);
		b->m = NULL;
	}
	return b->m;
}

void zoo_b_op(zoo_build *b, const char *name)
{
	if (b->failed)
		return;
	close_op(b);
	zoo_model *m = b->m;
	if (buf_grow(&m->ops, &b->cap_ops, (size_t)m->n_ops + 1, sizeof *m->ops)) {
		zoo_b_fail(b, "%s: out of memory for %d ops", m->name, m->n_ops + 1);
		return;
	}
	zoo_op *o = &m->ops[m->n_ops++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->first = m->n_layers;
	snprintf(b->prefix, sizeof(b->prefix), "%s", name);
}

void zoo_b_prefix(zoo_build *b, const char *prefix)
{
	snprintf(b->prefix, sizeof(b->prefix), "%s", prefix);
}

/* Appends a layer whose kind-specific fields the caller fills in; returns
 * it, or NULL after a failure. */
static zoo_layer *new_layer(zoo_build *b, zoo_kind kind, const char *name)
{
	if (b->failed)
		return NULL;
	zoo_model *m = b->m;
	if (m->n_ops == 0) {
		zoo_b_fail(b, "%s: layer %s added before any op", m->name, name);
		return NULL;
	}
	if (buf_grow(&m->layers, &b->cap_layers, (size_t)m->n_layers + 1, sizeof *m->layers)) {
		zoo_b_fail(b, "%s: out of memory for %d layers", m->name, m->n_layers + 1);
		return NULL;
	}
	zoo_layer *L = &m->layers[m->n_layers];
	memset(L, 0, sizeof(*L));
	L->kind = kind;
	L->groups = 1;
	int n =
	    snprintf(L->name, sizeof(L->name), "%s%s%s", b->prefix, b->prefix[0] ? "." : "", name);
	if (n < 0 || (size_t)n >= sizeof(L->name)) {
		zoo_b_fail(b, "%s: layer name %s.%s too long", m->name, b->prefix, name);
		return NULL;
	}
	return L;
}

/* Records input `x` (model-wide index, or ZOO_OP_INPUT for the model input)
 * as input i of L, and its dims in dims[i]. */
static int bind_input(zoo_build *b, zoo_layer *L, int i, int x, zoo_dims *dims)
{
	zoo_model *m = b->m;
	int first = m->ops[m->n_ops - 1].first;
	if (x == ZOO_OP_INPUT && first == 0) {
		dims[i] = m->input;
	} else if (x >= 0 && x < m->n_layers) {
		dims[i] = m->layers[x].out;
	} else {
		zoo_b_fail(b, "%s: %s refers to missing layer %d", m->name, L->name, x);
		return -1;
	}
	if (x >= first) {
		L->in[i] = x;
	} else if (x == first - 1) {
		L->in[i] = ZOO_OP_INPUT;
	} else {
		zoo_b_fail(b, "%s: %s reads layer %d from an earlier op (ops carry one tensor)",
		           m->name, L->name, x);
		return -1;
	}
	return 0;
}

/* Binds the inputs, derives the output dims and commits the layer. */
static int commit(zoo_build *b, zoo_layer *L, const int *x, int n)
{
	zoo_dims dims[ZOO_MAX_IN];
	char why[160];
	if (!L)
		return ZOO_B_FAIL;
	if (n < 1 || n > ZOO_MAX_IN) {
		zoo_b_fail(b, "%s: %s has %d inputs", b->m->name, L->name, n);
		return ZOO_B_FAIL;
	}
	L->n_in = n;
	for (int i = 0; i < n; i++)
		if (bind_input(b, L, i, x[i], dims))
			return ZOO_B_FAIL;
	if (zoo_infer_out(L, dims, &L->out, why, sizeof(why))) {
		zoo_b_fail(b, "%s: %s", b->m->name, why);
		return ZOO_B_FAIL;
	}
	return b->m->n_layers++;
}

static int in_channels(zoo_build *b, int x)
{
	if (b->failed)
		return 0;
	if (x == ZOO_OP_INPUT)
		return b->m->input.d[0];
	if (x >= 0 && x < b->m->n_layers)
		return b->m->layers[x].out.d[0];
	return 0; /* bind_input reports the bad reference */
}

int zoo_b_conv(zoo_build *b, int x, const char *name, int cout, int kh, int kw, int sh, int sw,
               int ph, int pw, int groups, int bias, int bn, float eps, zoo_act act)
{
	zoo_layer *L = new_layer(b, ZOO_CONV, name);
	if (L) {
		L->cin = in_channels(b, x);
		L->cout = cout;
		L->kh = kh;
		L->kw = kw;
		L->sh = sh;
		L->sw = sw;
		L->ph = ph;
		L->pw = pw;
		L->groups = groups;
		L->bias = bias;
		L->bn = bn;
		L->eps = eps;
		L->act = act;
	}
	return commit(b, L, &x, 1);
}

int zoo_b_convk(zoo_build *b, int x, const char *name, int cout, int k, int s, int p, int bn,
                zoo_act act)
{
	/* A conv followed by batch norm carries no bias of its own, as in
	 * torchvision; without batch norm it has one. */
	return zoo_b_conv(b, x, name, cout, k, k, s, s, p, p, 1, !bn, bn, bn ? 1e-5f : 0.0f, act);
}

int zoo_b_pool(zoo_build *b, int x, const char *name, zoo_kind kind, int k, int s, int p)
{
	zoo_layer *L = new_layer(b, kind, name);
	if (L) {
		L->kh = L->kw = k;
		L->sh = L->sw = s;
		L->ph = L->pw = p;
	}
	return commit(b, L, &x, 1);
}

int zoo_b_gap(zoo_build *b, int x, const char *name)
{
	int k = 0;
	if (!b->failed) {
		if (x == ZOO_OP_INPUT)
			k = b->m->input.d[1];
		else if (x >= 0 && x < b->m->n_layers)
			k = b->m->layers[x].out.d[1];
	}
	return zoo_b_pool(b, x, name, ZOO_POOL_AVG, k, 1, 0);
}

int zoo_b_add(zoo_build *b, int x, int y, const char *name, zoo_act act)
{
	zoo_layer *L = new_layer(b, ZOO_ADD, name);
	int in[2] = {x, y};
	if (L)
		L->act = act;
	return commit(b, L, in, 2);
}

int zoo_b_concat(zoo_build *b, const int *x, int n, const char *name)
{
	return commit(b, new_layer(b, ZOO_CONCAT, name), x, n);
}

int zoo_b_fc(zoo_build *b, int x, const char *name, int cout, zoo_act act)
{
	zoo_layer *L = new_layer(b, ZOO_FC, name);
	if (L) {
		const zoo_dims *d = NULL;
		if (x == ZOO_OP_INPUT)
			d = &b->m->input;
		else if (x >= 0 && x < b->m->n_layers)
			d = &b->m->layers[x].out;
		/* Token rows take their feature dim; a CNN feature map is flattened. */
		if (d && d->d[0] == ZOO_SEQ)
			L->cin = d->d[1];
		else if (d && d->d[2] == 1 && d->d[0] == 1)
			L->cin = d->d[1];
		else if (d)
			L->cin = d->d[0] * d->d[1] * d->d[2];
		L->cout = cout;
		L->bias = 1;
		L->act = act;
	}
	return commit(b, L, &x, 1);
}

int zoo_b_embed(zoo_build *b, int x, const char *name, int hidden, int vocab, int max_pos)
{
	zoo_layer *L = new_layer(b, ZOO_EMBED, name);
	if (L) {
		L->cout = hidden;
		L->vocab = vocab;
		L->max_pos = max_pos;
	}
	return commit(b, L, &x, 1);
}

int zoo_b_layernorm(zoo_build *b, int x, int y, const char *name, float eps)
{
	zoo_layer *L = new_layer(b, ZOO_LAYERNORM, name);
	int in[2] = {x, y};
	if (L) {
		if (x == ZOO_OP_INPUT)
			L->cout = b->m->input.d[1];
		else if (x >= 0 && x < b->m->n_layers)
			L->cout = b->m->layers[x].out.d[1];
		L->eps = eps;
	}
	return commit(b, L, in, y == ZOO_B_NONE ? 1 : 2);
}

int zoo_b_attn_scores(zoo_build *b, int qkv, const char *name, int heads)
{
	zoo_layer *L = new_layer(b, ZOO_ATTN_SCORES, name);
	if (L) {
		L->heads = heads;
		if (qkv >= 0 && qkv < b->m->n_layers)
			L->cout = b->m->layers[qkv].out.d[1] / 3;
	}
	return commit(b, L, &qkv, 1);
}

int zoo_b_softmax(zoo_build *b, int x, const char *name)
{
	return commit(b, new_layer(b, ZOO_SOFTMAX, name), &x, 1);
}

int zoo_b_attn_context(zoo_build *b, int probs, int qkv, const char *name, int heads)
{
	zoo_layer *L = new_layer(b, ZOO_ATTN_CONTEXT, name);
	int in[2] = {probs, qkv};
	if (L) {
		L->heads = heads;
		if (qkv >= 0 && qkv < b->m->n_layers)
			L->cout = b->m->layers[qkv].out.d[1] / 3;
	}
	return commit(b, L, in, 2);
}

int zoo_b_take_first(zoo_build *b, int x, const char *name)
{
	return commit(b, new_layer(b, ZOO_TAKE_FIRST, name), &x, 1);
}
