/* zoo.c: the zoo's registry, invariant checks and dimension helpers.
 *
 * Models are not stored as tables but built by code (zoo_<family>.c) when
 * asked for: a ResNet-152 has 500+ layers, and generating them from the
 * family's rules is both shorter and harder to get wrong than listing them.
 * The registry below is the one place that knows which names exist.
 */
#include "zoo.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "zoo_build.h"

typedef struct zoo_entry {
	const char *name;
	zoo_dims input;
	void (*build)(zoo_build *b, int variant);
	int variant;
} zoo_entry;

static const zoo_entry registry[] = {
    {"resnet18", {{3, 224, 224}}, zoo_build_resnet, 18},
    {"resnet50", {{3, 224, 224}}, zoo_build_resnet, 50},
    {"resnet101", {{3, 224, 224}}, zoo_build_resnet, 101},
    {"resnet152", {{3, 224, 224}}, zoo_build_resnet, 152},
    {"vgg16", {{3, 224, 224}}, zoo_build_vgg, 16},
    {"vgg19", {{3, 224, 224}}, zoo_build_vgg, 19},
    {"inception_v3", {{3, 299, 299}}, zoo_build_inception_v3, 0},
    {"mobilenet_v2", {{3, 224, 224}}, zoo_build_mobilenet_v2, 0},
    {"bert", {{ZOO_SEQ, 1, 1}}, zoo_build_bert, 0},
};
#define N_MODELS ((int)(sizeof(registry) / sizeof(registry[0])))

static const char *const names[] = {
    "resnet18", "resnet50",     "resnet101",    "resnet152", "vgg16",
    "vgg19",    "inception_v3", "mobilenet_v2", "bert",      NULL,
};
_Static_assert(sizeof(names) / sizeof(names[0]) == N_MODELS + 1,
               "zoo: names[] and registry[] must list the same models");

const char *const *zoo_names(void)
{
	return names;
}

void zoo_names_join(char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; names[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

zoo_model *zoo_model_new(const char *name, char *err, size_t errlen)
{
	for (int i = 0; i < N_MODELS; i++) {
		if (!name || strcmp(name, registry[i].name) != 0)
			continue;
		if (strcmp(names[i], registry[i].name) != 0) {
			text_fail(err, errlen, "zoo: registry out of order at %s", names[i]);
			return NULL;
		}
		zoo_build b;
		if (zoo_b_begin(&b, registry[i].name, registry[i].input, err, errlen))
			return NULL;
		registry[i].build(&b, registry[i].variant);
		zoo_model *m = zoo_b_finish(&b);
		if (m && zoo_model_check(m, err, errlen)) {
			zoo_model_free(m);
			return NULL;
		}
		return m;
	}
	char list[256];
	zoo_names_join(list, sizeof(list));
	text_fail(err, errlen, "unknown model '%s' (valid: %s)", name ? name : "(null)", list);
	return NULL;
}

void zoo_model_free(zoo_model *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m->ops);
	free(m);
}

const zoo_model *zoo_set_get(zoo_set *s, const char *name, char *err, size_t errlen)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->m[i]->name, name) == 0)
			return s->m[i];
	if (s->n == (int)(sizeof s->m / sizeof s->m[0])) {
		snprintf(err, errlen, "more than %d models", s->n);
		return NULL;
	}
	zoo_model *m = zoo_model_new(name, err, errlen);
	if (m)
		s->m[s->n++] = m;
	return m;
}

void zoo_set_free(zoo_set *s)
{
	for (int i = 0; i < s->n; i++)
		zoo_model_free(s->m[i]);
	s->n = 0;
}

/* Index of the op that holds `layer` (ops are sorted and contiguous). */
static int op_of_layer(const zoo_model *m, int layer)
{
	int lo = 0, hi = m->n_ops - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (m->ops[mid].first <= layer)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int zoo_model_check(const zoo_model *m, char *err, size_t errlen)
{
	if (!m)
		return text_fail(err, errlen, "zoo: no model");
	if (m->n_ops < 1 || m->n_layers < 1 || !m->ops || !m->layers)
		return text_fail(err, errlen, "%s: empty model", m->name);
	if (m->has_seq && (m->seq_min < 1 || m->seq_max < m->seq_min))
		return text_fail(err, errlen, "%s: bad sequence range [%d, %d]", m->name, m->seq_min,
		               m->seq_max);
	for (int k = 0; k < 3; k++)
		if (m->input.d[k] < 1 && !(m->has_seq && m->input.d[k] == ZOO_SEQ))
			return text_fail(err, errlen, "%s: bad input dim %d", m->name, m->input.d[k]);
	int next = 0;
	for (int o = 0; o < m->n_ops; o++) {
		const zoo_op *op = &m->ops[o];
		if (op->first != next || op->count < 1)
			return text_fail(err, errlen,
			               "%s: op %d (%s) covers [%d, %d), expected start %d", m->name,
			               o, op->name, op->first, op->first + op->count, next);
		next = op->first + op->count;
	}
	if (next != m->n_layers)
		return text_fail(err, errlen, "%s: ops end at layer %d of %d", m->name, next,
		               m->n_layers);
	for (int o = 0; o < m->n_ops; o++) {
		const zoo_op *op = &m->ops[o];
		zoo_dims op_in = o == 0 ? m->input : m->layers[op->first - 1].out;
		for (int l = op->first; l < op->first + op->count; l++) {
			const zoo_layer *L = &m->layers[l];
			zoo_dims in[ZOO_MAX_IN], out;
			char why[160];
			if (L->n_in < 1 || L->n_in > ZOO_MAX_IN)
				return text_fail(err, errlen, "%s: layer %d (%s) has %d inputs",
				               m->name, l, L->name, L->n_in);
			for (int i = 0; i < L->n_in; i++) {
				int x = L->in[i];
				if (x == ZOO_OP_INPUT) {
					in[i] = op_in;
				} else if (x >= op->first && x < l) {
					in[i] = m->layers[x].out;
				} else {
					return text_fail(
					    err, errlen,
					    "%s: layer %d (%s) input %d is layer %d, outside op "
					    "%d [%d, %d) or not before it",
					    m->name, l, L->name, i, x, o, op->first, l);
				}
			}
			if ((L->kind == ZOO_EMBED) != (l == 0 && m->has_seq))
				return text_fail(err, errlen,
				               "%s: layer %d (%s): an embedding must be "
				               "exactly the first layer of a sequence model",
				               m->name, l, L->name);
			if (zoo_infer_out(L, in, &out, why, sizeof(why)))
				return text_fail(err, errlen, "%s: layer %d: %s", m->name, l, why);
			if (memcmp(&out, &L->out, sizeof(out)) != 0)
				return text_fail(err, errlen,
				               "%s: layer %d (%s) claims %dx%dx%d, its inputs give "
				               "%dx%dx%d",
				               m->name, l, L->name, L->out.d[0], L->out.d[1],
				               L->out.d[2], out.d[0], out.d[1], out.d[2]);
		}
	}
	return 0;
}

int zoo_dim(int d, int seq)
{
	return d == ZOO_SEQ ? seq : d;
}

int64_t zoo_dims_count(const zoo_dims *dims, int seq)
{
	return (int64_t)zoo_dim(dims->d[0], seq) * zoo_dim(dims->d[1], seq) *
	       zoo_dim(dims->d[2], seq);
}

static zoo_dims resolve(zoo_dims d, int seq)
{
	for (int k = 0; k < 3; k++)
		d.d[k] = zoo_dim(d.d[k], seq);
	return d;
}

zoo_dims zoo_layer_dims(const zoo_model *m, int layer, int seq)
{
	return resolve(m->layers[layer].out, seq);
}

zoo_dims zoo_op_in_dims(const zoo_model *m, int op, int seq)
{
	if (op == 0)
		return resolve(m->input, seq);
	return zoo_layer_dims(m, m->ops[op].first - 1, seq);
}

zoo_dims zoo_input_dims(const zoo_model *m, int layer, int input, int seq)
{
	int x = m->layers[layer].in[input];
	if (x == ZOO_OP_INPUT)
		return zoo_op_in_dims(m, op_of_layer(m, layer), seq);
	return zoo_layer_dims(m, x, seq);
}

int64_t zoo_max_activation(const zoo_model *m, int seq)
{
	int64_t best = zoo_dims_count(&m->input, seq);
	for (int l = 0; l < m->n_layers; l++) {
		int64_t n = zoo_dims_count(&m->layers[l].out, seq);
		if (n > best)
			best = n;
	}
	return best;
}

const char *zoo_kind_name(zoo_kind k)
{
	static const char *const kinds[ZOO_KIND_COUNT] = {
	    [ZOO_CONV] = "conv",
	    [ZOO_POOL_MAX] = "maxpool",
	    [ZOO_POOL_AVG] = "avgpool",
	    [ZOO_ADD] = "add",
	    [ZOO_CONCAT] = "concat",
	    [ZOO_FC] = "fc",
	    [ZOO_EMBED] = "embed",
	    [ZOO_LAYERNORM] = "layernorm",
	    [ZOO_ATTN_SCORES] = "attn_scores",
	    [ZOO_SOFTMAX] = "softmax",
	    [ZOO_ATTN_CONTEXT] = "attn_context",
	    [ZOO_TAKE_FIRST] = "take_first",
	};
	if ((int)k < 0 || k >= ZOO_KIND_COUNT)
		return "?";
	return kinds[k];
}

const char *zoo_act_name(zoo_act a)
{
	switch (a) {
	case ZOO_ACT_NONE:
		return "none";
	case ZOO_ACT_RELU:
		return "relu";
	case ZOO_ACT_RELU6:
		return "relu6";
	case ZOO_ACT_GELU:
		return "gelu";
	case ZOO_ACT_TANH:
		return "tanh";
	}
	return "?";
}
