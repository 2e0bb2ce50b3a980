/* zoo_mobilenet.c: MobileNetV2 (width 1.0, 224x224), torchvision's layout.
 *
 * Ops: the stem (conv3x3/2 32 + bn + relu6), the 17 inverted residual
 * blocks, and the head (conv1x1 320 -> 1280 + relu6, global average pool,
 * fc 1280 -> 1000; dropout is the identity at inference). A block expands
 * with a 1x1 conv (skipped when the ratio is 1), filters with a depthwise
 * 3x3 (groups == channels) and projects back with a linear 1x1; it adds its
 * input when the stride is 1 and the channel count is unchanged.
 */
#include <stdio.h>

#include "zoo_build.h"

/* expand ratio t, output channels c, repeats n, first stride s */
static const int settings[][4] = {
    {1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
    {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
};

static int dwconv(zoo_build *b, int x, const char *name, int c, int stride)
{
	return zoo_b_conv(b, x, name, c, 3, 3, stride, stride, 1, 1, c, 0, 1, 1e-5f, ZOO_ACT_RELU6);
}

void zoo_build_mobilenet_v2(zoo_build *b, int variant)
{
	(void)variant;
	char name[ZOO_NAME_MAX];
	zoo_b_op(b, "features.0");
	int x = zoo_b_convk(b, ZOO_OP_INPUT, "conv", 32, 3, 2, 1, 1, ZOO_ACT_RELU6);
	int cin = 32, idx = 1;
	for (size_t s = 0; s < sizeof(settings) / sizeof(settings[0]); s++) {
		int t = settings[s][0], c = settings[s][1], n = settings[s][2];
		for (int i = 0; i < n; i++, idx++) {
			int stride = i == 0 ? settings[s][3] : 1;
			int hidden = cin * t;
			snprintf(name, sizeof(name), "features.%d", idx);
			zoo_b_op(b, name);
			int y = x;
			if (t != 1)
				y = zoo_b_convk(b, y, "expand", hidden, 1, 1, 0, 1, ZOO_ACT_RELU6);
			y = dwconv(b, y, "dw", hidden, stride);
			y = zoo_b_convk(b, y, "project", c, 1, 1, 0, 1, ZOO_ACT_NONE);
			if (stride == 1 && cin == c)
				y = zoo_b_add(b, y, x, "add", ZOO_ACT_NONE);
			x = y;
			cin = c;
		}
	}
	snprintf(name, sizeof(name), "features.%d", idx);
	zoo_b_op(b, name);
	x = zoo_b_convk(b, x, "conv", 1280, 1, 1, 0, 1, ZOO_ACT_RELU6);
	zoo_b_prefix(b, "");
	x = zoo_b_gap(b, x, "avgpool");
	zoo_b_fc(b, x, "classifier", 1000, ZOO_ACT_NONE);
}
