/* zoo_bert.c: BERT-base (uncased), as an inference service sees it.
 *
 * Ops are the 12 encoder layers: op 0 also embeds the token ids (word +
 * position + token type 0, then layer norm) and op 11 also runs the pooler
 * (first token, dense 768 -> 768, tanh), so every op boundary carries one
 * {S, 768, 1} tensor. Q, K and V come from one fused 768 -> 2304 fc, which
 * is how the GPU executor runs them; the parameter count is the same as
 * three separate 768 -> 768 projections.
 */
#include <stdio.h>

#include "zoo_build.h"

enum {
	BERT_LAYERS = 12,
	BERT_HIDDEN = 768,
	BERT_HEADS = 12,
	BERT_FFN = 3072,
	BERT_VOCAB = 30522,
	BERT_MAX_POS = 512,
	BERT_SEQ_MIN = 8,
};
static const float bert_eps = 1e-12f;

/* One encoder layer on x ({S, 768, 1}); returns its output layer. */
static int encoder(zoo_build *b, int x)
{
	int qkv = zoo_b_fc(b, x, "attn.qkv", 3 * BERT_HIDDEN, ZOO_ACT_NONE);
	int s = zoo_b_attn_scores(b, qkv, "attn.scores", BERT_HEADS);
	s = zoo_b_softmax(b, s, "attn.softmax");
	int ctx = zoo_b_attn_context(b, s, qkv, "attn.context", BERT_HEADS);
	int y = zoo_b_fc(b, ctx, "attn.out", BERT_HIDDEN, ZOO_ACT_NONE);
	int h = zoo_b_layernorm(b, y, x, "attn.norm", bert_eps);
	y = zoo_b_fc(b, h, "ffn.up", BERT_FFN, ZOO_ACT_GELU);
	y = zoo_b_fc(b, y, "ffn.down", BERT_HIDDEN, ZOO_ACT_NONE);
	return zoo_b_layernorm(b, y, h, "ffn.norm", bert_eps);
}

void zoo_build_bert(zoo_build *b, int variant)
{
	(void)variant;
	if (b->failed)
		return;
	b->m->has_seq = 1;
	b->m->seq_min = BERT_SEQ_MIN;
	b->m->seq_max = BERT_MAX_POS;
	int x = ZOO_OP_INPUT;
	for (int i = 0; i < BERT_LAYERS; i++) {
		char name[ZOO_NAME_MAX];
		snprintf(name, sizeof(name), "encoder.%d", i);
		zoo_b_op(b, name);
		if (i == 0) {
			zoo_b_prefix(b, "");
			x = zoo_b_embed(b, x, "embeddings", BERT_HIDDEN, BERT_VOCAB, BERT_MAX_POS);
			x = zoo_b_layernorm(b, x, ZOO_B_NONE, "embeddings.norm", bert_eps);
			zoo_b_prefix(b, name);
		}
		x = encoder(b, x);
	}
	zoo_b_prefix(b, "");
	x = zoo_b_take_first(b, x, "pooler.first");
	zoo_b_fc(b, x, "pooler.dense", BERT_HIDDEN, ZOO_ACT_TANH);
}
