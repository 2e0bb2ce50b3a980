/* zoo_cost.c: FLOPs, bytes and parameters of layers, ops and models, and
 * the tables `abacus zoo` prints.
 *
 * Counting rules (the roofline and the predictor's features read these):
 *  - a multiply-add is 2 FLOPs. conv: 2*B*Ho*Wo*cout*(cin/groups)*kh*kw;
 *    fc: 2*rows*cin*cout; attention scores and context: 2*B*heads*S*S*(F/heads)
 *    each. Bias, folded batch norm and the relu / relu6 epilogue ride on the
 *    output store and count nothing, as published GMAC figures assume.
 *  - elementwise work, per output element: pooling k*k (a compare or an add
 *    per window tap; the average's divide is folded into the last add), add 1
 *    per extra input, softmax 5 (max, subtract, exp, sum, divide), layer norm
 *    8 (mean, variance, normalise, scale, shift, with the reductions counted
 *    twice) plus 1 for the residual sum, embedding 2 (three tables summed),
 *    gelu and tanh epilogues 8 (erf / tanh by a short polynomial), concat
 *    and take-first 0 (pure data movement).
 *  - bytes: each input read once, weights read once, output written once, as
 *    float32 (bert's ids are int32: also 4 bytes). Reads that touch only part
 *    of an input count that part: attention scores read Q and K (2/3 of the
 *    fused QKV), the context reads V (1/3), take-first one token, and an
 *    embedding only the table rows it looks up.
 *  - an op's or a model's cost is the sum of its layers' (each layer is its
 *    own kernel, so its traffic is its own).
 */
#include "zoo.h"

#include <string.h>

#define F32 4.0

static double act_flops(zoo_act a)
{
	return (a == ZOO_ACT_GELU || a == ZOO_ACT_TANH) ? 8.0 : 0.0;
}

void zoo_layer_cost(const zoo_model *m, int layer, int batch, int seq, zoo_cost *out)
{
	const zoo_layer *L = &m->layers[layer];
	double B = batch;
	double n_out = (double)zoo_dims_count(&L->out, seq);
	double n_in[ZOO_MAX_IN] = {0};
	double in_elems = 0;
	double w = 0;      /* weight elements as stored (bn folded into a bias) */
	double params = 0; /* as published */
	double flops = 0;
	for (int i = 0; i < L->n_in; i++) {
		zoo_dims d = zoo_input_dims(m, layer, i, seq);
		n_in[i] = (double)zoo_dims_count(&d, seq);
		in_elems += n_in[i];
	}
	switch (L->kind) {
	case ZOO_CONV: {
		double k = (double)(L->cin / L->groups) * L->kh * L->kw;
		flops = 2.0 * B * n_out * k;
		w = L->cout * k + ((L->bias || L->bn) ? L->cout : 0);
		params = L->cout * k + (L->bias ? L->cout : 0) + (L->bn ? 2.0 * L->cout : 0);
		break;
	}
	case ZOO_POOL_MAX:
	case ZOO_POOL_AVG:
		flops = B * n_out * L->kh * L->kw;
		break;
	case ZOO_ADD:
		flops = B * n_out * (L->n_in - 1);
		break;
	case ZOO_CONCAT:
	case ZOO_TAKE_FIRST:
		break;
	case ZOO_FC: {
		double rows = B * n_out / L->cout;
		flops = 2.0 * rows * L->cin * L->cout;
		w = params = (double)L->cin * L->cout + L->cout;
		break;
	}
	case ZOO_EMBED:
		flops = 2.0 * B * n_out;
		w = params = ((double)L->vocab + L->max_pos + 2) * L->cout;
		break;
	case ZOO_LAYERNORM:
		flops = B * n_out * (8.0 + (L->n_in - 1));
		w = params = 2.0 * L->cout;
		break;
	case ZOO_ATTN_SCORES:
	case ZOO_ATTN_CONTEXT: {
		double s = zoo_dim(ZOO_SEQ, seq);
		flops = 2.0 * B * s * s * L->cout; /* heads * (F / heads) == F */
		break;
	}
	case ZOO_SOFTMAX:
		flops = 5.0 * B * n_out;
		break;
	case ZOO_KIND_COUNT:
		break;
	}
	flops += act_flops(L->act) * B * n_out;

	double read = B * in_elems * F32 + w * F32;
	if (L->kind == ZOO_ATTN_SCORES) {
		read = B * n_in[0] * (2.0 / 3.0) * F32;
	} else if (L->kind == ZOO_ATTN_CONTEXT) {
		read = B * (n_in[0] + n_in[1] / 3.0) * F32;
	} else if (L->kind == ZOO_TAKE_FIRST) {
		read = B * n_out * F32;
	} else if (L->kind == ZOO_EMBED) {
		/* ids, one word row per token, the position rows of one sequence
		 * (shared by the batch), the one token-type row */
		double s = n_out / L->cout;
		read = B * n_in[0] * F32 + (B * s + s + 1) * L->cout * F32;
	}
	out->flops = flops;
	out->out_bytes = B * n_out * F32;
	out->bytes = read + out->out_bytes;
	out->params = params;
	out->weight_bytes = w * F32;
}

static void add_cost(zoo_cost *acc, const zoo_cost *c)
{
	acc->flops += c->flops;
	acc->bytes += c->bytes;
	acc->params += c->params;
	acc->weight_bytes += c->weight_bytes;
}

void zoo_op_cost(const zoo_model *m, int op, int batch, int seq, zoo_cost *out)
{
	const zoo_op *o = &m->ops[op];
	zoo_cost c;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	for (int l = o->first; l < o->first + o->count; l++) {
		zoo_layer_cost(m, l, batch, seq, &c);
		add_cost(out, &c);
	}
	/* the op hands on its last layer's output */
	out->out_bytes = c.out_bytes;
}

void zoo_model_cost(const zoo_model *m, int batch, int seq, zoo_cost *out)
{
	zoo_cost c;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	for (int o = 0; o < m->n_ops; o++) {
		zoo_op_cost(m, o, batch, seq, &c);
		add_cost(out, &c);
	}
	out->out_bytes = c.out_bytes;
}

/* A sequence length the model accepts: seq for bert when in range, else
 * the nearest bound; irrelevant to CNNs. */
static int usable_seq(const zoo_model *m, int seq)
{
	if (!m->has_seq)
		return seq;
	if (seq < m->seq_min)
		return m->seq_min;
	if (seq > m->seq_max)
		return m->seq_max;
	return seq;
}

static const char *dims_str(char *buf, size_t len, zoo_dims d)
{
	snprintf(buf, len, "%dx%dx%d", d.d[0], d.d[1], d.d[2]);
	return buf;
}

void zoo_print(FILE *f, const zoo_model *m, int batch, int seq, int verbose)
{
	char in[48], out[48];
	zoo_cost total;
	seq = usable_seq(m, seq);
	zoo_model_cost(m, batch, seq, &total);
	fprintf(f, "%s: %d ops, %d layers, input %s, batch %d", m->name, m->n_ops, m->n_layers,
	        dims_str(in, sizeof(in), zoo_op_in_dims(m, 0, seq)), batch);
	if (m->has_seq)
		fprintf(f, ", seq %d (accepts %d..%d)", seq, m->seq_min, m->seq_max);
	fprintf(f, "\n%4s  %-24s %6s  %-14s %10s %10s %10s\n", "op", "name", "layers", "output",
	        "GFLOPs", "MB moved", "params(M)");
	if (verbose)
		fprintf(f, "      %4s %-30s %-12s %-5s %-14s\n", "layer", "name", "kind", "act",
		        "output");
	for (int o = 0; o < m->n_ops; o++) {
		const zoo_op *op = &m->ops[o];
		zoo_cost c;
		zoo_op_cost(m, o, batch, seq, &c);
		dims_str(out, sizeof(out), zoo_layer_dims(m, op->first + op->count - 1, seq));
		fprintf(f, "%4d  %-24s %6d  %-14s %10.4f %10.3f %10.4f\n", o, op->name, op->count,
		        out, c.flops / 1e9, c.bytes / 1e6, c.params / 1e6);
		if (!verbose)
			continue;
		for (int l = op->first; l < op->first + op->count; l++) {
			const zoo_layer *L = &m->layers[l];
			zoo_layer_cost(m, l, batch, seq, &c);
			dims_str(out, sizeof(out), zoo_layer_dims(m, l, seq));
			fprintf(f, "      %4d %-30s %-12s %-5s %-14s %10.4f %10.3f %10.4f\n", l,
			        L->name, zoo_kind_name(L->kind), L->act ? zoo_act_name(L->act) : "",
			        out, c.flops / 1e9, c.bytes / 1e6, c.params / 1e6);
		}
	}
	fprintf(f, "%4s  %-24s %6d  %-14s %10.4f %10.3f %10.4f\n", "", "total", m->n_layers, "",
	        total.flops / 1e9, total.bytes / 1e6, total.params / 1e6);
}

/* GMACs here is FLOPs / 2 over every layer, so it runs slightly above the
 * published conv + fc figures (pooling, sums, softmax are included). */
void zoo_print_summary(FILE *f, int batch, int seq)
{
	const char *const *names = zoo_names();
	fprintf(f, "%-14s %4s %7s  %-12s %9s %10s\n", "model", "ops", "layers", "input", "GMACs",
	        "params(M)");
	for (int i = 0; names[i]; i++) {
		char err[256], in[48];
		zoo_model *m = zoo_model_new(names[i], err, sizeof(err));
		if (!m) {
			fprintf(f, "%-14s error: %s\n", names[i], err);
			continue;
		}
		int s = usable_seq(m, seq);
		zoo_cost c;
		zoo_model_cost(m, batch, s, &c);
		dims_str(in, sizeof(in), zoo_op_in_dims(m, 0, s));
		fprintf(f, "%-14s %4d %7d  %-12s %9.3f %10.3f", m->name, m->n_ops, m->n_layers, in,
		        c.flops / 2e9, c.params / 1e6);
		if (m->has_seq)
			fprintf(f, "  (seq %d, ids)", s);
		fputc('\n', f);
		zoo_model_free(m);
	}
}
