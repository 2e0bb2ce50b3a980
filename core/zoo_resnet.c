/* zoo_resnet.c: ResNet-18/50/101/152, torchvision's layout (v1.5: the
 * bottleneck strides on its 3x3 conv).
 *
 * Ops: the stem (conv1 7x7/2 + bn + relu, maxpool 3x3/2), one op per
 * residual block, and the head (global average pool + fc). Each conv
 * carries its batch norm (folded at load) and, except the last of a block,
 * its relu; the residual sum applies the block's final relu.
 */
#include <stdio.h>

#include "zoo_build.h"

typedef struct resnet_cfg {
	int depth;
	int bottleneck;
	int blocks[4];
} resnet_cfg;

static const resnet_cfg configs[] = {
    {18, 0, {2, 2, 2, 2}},
    {50, 1, {3, 4, 6, 3}},
    {101, 1, {3, 4, 23, 3}},
    {152, 1, {3, 8, 36, 3}},
};

/* One residual block from x; returns the block's output layer. */
static int block(zoo_build *b, int x, int cin, int width, int stride, int bottleneck)
{
	int cout = bottleneck ? 4 * width : width;
	int y;
	if (bottleneck) {
		y = zoo_b_convk(b, x, "conv1", width, 1, 1, 0, 1, ZOO_ACT_RELU);
		y = zoo_b_convk(b, y, "conv2", width, 3, stride, 1, 1, ZOO_ACT_RELU);
		y = zoo_b_convk(b, y, "conv3", cout, 1, 1, 0, 1, ZOO_ACT_NONE);
	} else {
		y = zoo_b_convk(b, x, "conv1", width, 3, stride, 1, 1, ZOO_ACT_RELU);
		y = zoo_b_convk(b, y, "conv2", cout, 3, 1, 1, 1, ZOO_ACT_NONE);
	}
	int skip = x;
	if (stride != 1 || cin != cout)
		skip = zoo_b_convk(b, x, "downsample", cout, 1, stride, 0, 1, ZOO_ACT_NONE);
	return zoo_b_add(b, y, skip, "add", ZOO_ACT_RELU);
}

void zoo_build_resnet(zoo_build *b, int variant)
{
	const resnet_cfg *cfg = NULL;
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if (configs[i].depth == variant)
			cfg = &configs[i];
	if (!cfg) {
		zoo_b_fail(b, "resnet: no configuration for depth %d", variant);
		return;
	}
	zoo_b_op(b, "stem");
	zoo_b_prefix(b, "");
	int x = zoo_b_convk(b, ZOO_OP_INPUT, "conv1", 64, 7, 2, 3, 1, ZOO_ACT_RELU);
	x = zoo_b_pool(b, x, "maxpool", ZOO_POOL_MAX, 3, 2, 1);
	int cin = 64;
	for (int stage = 0; stage < 4; stage++) {
		int width = 64 << stage;
		for (int i = 0; i < cfg->blocks[stage]; i++) {
			char name[ZOO_NAME_MAX];
			snprintf(name, sizeof(name), "layer%d.%d", stage + 1, i);
			zoo_b_op(b, name);
			int stride = (stage > 0 && i == 0) ? 2 : 1;
			x = block(b, x, cin, width, stride, cfg->bottleneck);
			cin = cfg->bottleneck ? 4 * width : width;
		}
	}
	zoo_b_op(b, "head");
	zoo_b_prefix(b, "");
	x = zoo_b_gap(b, x, "avgpool");
	zoo_b_fc(b, x, "fc", 1000, ZOO_ACT_NONE);
}
