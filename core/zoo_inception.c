/* zoo_inception.c: Inception v3 (299x299), torchvision's Inception3 without
 * the auxiliary classifier (which only trains).
 *
 * Ops: the stem in two (Conv2d_1a..2b + maxpool1, Conv2d_3b + 4a +
 * maxpool2), the eleven Mixed modules, and the head (global average pool +
 * fc 2048 -> 1000). A BasicConv2d is one conv layer: no bias, batch norm
 * with eps 0.001, relu. Branch average pools are 3x3 stride 1 pad 1 with
 * the padding counted, as torch's avg_pool2d default. The concat takes at
 * most ZOO_MAX_IN inputs, so InceptionE first joins the two halves of each
 * split branch (which torchvision also concatenates first), then the four
 * branches; the channel order is torchvision's.
 */
#include <stdio.h>

#include "zoo_build.h"

static int basic(zoo_build *b, int x, const char *name, int cout, int kh, int kw, int s, int ph,
                 int pw)
{
	return zoo_b_conv(b, x, name, cout, kh, kw, s, s, ph, pw, 1, 0, 1, 1e-3f, ZOO_ACT_RELU);
}

static int pool_branch(zoo_build *b, int x, int cout)
{
	int p = zoo_b_pool(b, x, "branch_pool_avg", ZOO_POOL_AVG, 3, 1, 1);
	return basic(b, p, "branch_pool", cout, 1, 1, 1, 0, 0);
}

static int inception_a(zoo_build *b, int x, int pool_features)
{
	int br[4];
	br[0] = basic(b, x, "branch1x1", 64, 1, 1, 1, 0, 0);
	int y = basic(b, x, "branch5x5_1", 48, 1, 1, 1, 0, 0);
	br[1] = basic(b, y, "branch5x5_2", 64, 5, 5, 1, 2, 2);
	y = basic(b, x, "branch3x3dbl_1", 64, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch3x3dbl_2", 96, 3, 3, 1, 1, 1);
	br[2] = basic(b, y, "branch3x3dbl_3", 96, 3, 3, 1, 1, 1);
	br[3] = pool_branch(b, x, pool_features);
	return zoo_b_concat(b, br, 4, "concat");
}

static int inception_b(zoo_build *b, int x)
{
	int br[3];
	br[0] = basic(b, x, "branch3x3", 384, 3, 3, 2, 0, 0);
	int y = basic(b, x, "branch3x3dbl_1", 64, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch3x3dbl_2", 96, 3, 3, 1, 1, 1);
	br[1] = basic(b, y, "branch3x3dbl_3", 96, 3, 3, 2, 0, 0);
	br[2] = zoo_b_pool(b, x, "branch_pool", ZOO_POOL_MAX, 3, 2, 0);
	return zoo_b_concat(b, br, 3, "concat");
}

static int inception_c(zoo_build *b, int x, int c7)
{
	int br[4];
	br[0] = basic(b, x, "branch1x1", 192, 1, 1, 1, 0, 0);
	int y = basic(b, x, "branch7x7_1", c7, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch7x7_2", c7, 1, 7, 1, 0, 3);
	br[1] = basic(b, y, "branch7x7_3", 192, 7, 1, 1, 3, 0);
	y = basic(b, x, "branch7x7dbl_1", c7, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch7x7dbl_2", c7, 7, 1, 1, 3, 0);
	y = basic(b, y, "branch7x7dbl_3", c7, 1, 7, 1, 0, 3);
	y = basic(b, y, "branch7x7dbl_4", c7, 7, 1, 1, 3, 0);
	br[2] = basic(b, y, "branch7x7dbl_5", 192, 1, 7, 1, 0, 3);
	br[3] = pool_branch(b, x, 192);
	return zoo_b_concat(b, br, 4, "concat");
}

static int inception_d(zoo_build *b, int x)
{
	int br[3];
	int y = basic(b, x, "branch3x3_1", 192, 1, 1, 1, 0, 0);
	br[0] = basic(b, y, "branch3x3_2", 320, 3, 3, 2, 0, 0);
	y = basic(b, x, "branch7x7x3_1", 192, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch7x7x3_2", 192, 1, 7, 1, 0, 3);
	y = basic(b, y, "branch7x7x3_3", 192, 7, 1, 1, 3, 0);
	br[1] = basic(b, y, "branch7x7x3_4", 192, 3, 3, 2, 0, 0);
	br[2] = zoo_b_pool(b, x, "branch_pool", ZOO_POOL_MAX, 3, 2, 0);
	return zoo_b_concat(b, br, 3, "concat");
}

static int inception_e(zoo_build *b, int x)
{
	int br[4], half[2];
	br[0] = basic(b, x, "branch1x1", 320, 1, 1, 1, 0, 0);
	int y = basic(b, x, "branch3x3_1", 384, 1, 1, 1, 0, 0);
	half[0] = basic(b, y, "branch3x3_2a", 384, 1, 3, 1, 0, 1);
	half[1] = basic(b, y, "branch3x3_2b", 384, 3, 1, 1, 1, 0);
	br[1] = zoo_b_concat(b, half, 2, "branch3x3");
	y = basic(b, x, "branch3x3dbl_1", 448, 1, 1, 1, 0, 0);
	y = basic(b, y, "branch3x3dbl_2", 384, 3, 3, 1, 1, 1);
	half[0] = basic(b, y, "branch3x3dbl_3a", 384, 1, 3, 1, 0, 1);
	half[1] = basic(b, y, "branch3x3dbl_3b", 384, 3, 1, 1, 1, 0);
	br[2] = zoo_b_concat(b, half, 2, "branch3x3dbl");
	br[3] = pool_branch(b, x, 192);
	return zoo_b_concat(b, br, 4, "concat");
}

void zoo_build_inception_v3(zoo_build *b, int variant)
{
	(void)variant;
	zoo_b_op(b, "stem1");
	zoo_b_prefix(b, "");
	int x = basic(b, ZOO_OP_INPUT, "Conv2d_1a_3x3", 32, 3, 3, 2, 0, 0);
	x = basic(b, x, "Conv2d_2a_3x3", 32, 3, 3, 1, 0, 0);
	x = basic(b, x, "Conv2d_2b_3x3", 64, 3, 3, 1, 1, 1);
	x = zoo_b_pool(b, x, "maxpool1", ZOO_POOL_MAX, 3, 2, 0);
	zoo_b_op(b, "stem2");
	zoo_b_prefix(b, "");
	x = basic(b, x, "Conv2d_3b_1x1", 80, 1, 1, 1, 0, 0);
	x = basic(b, x, "Conv2d_4a_3x3", 192, 3, 3, 1, 0, 0);
	x = zoo_b_pool(b, x, "maxpool2", ZOO_POOL_MAX, 3, 2, 0);
	zoo_b_op(b, "Mixed_5b");
	x = inception_a(b, x, 32);
	zoo_b_op(b, "Mixed_5c");
	x = inception_a(b, x, 64);
	zoo_b_op(b, "Mixed_5d");
	x = inception_a(b, x, 64);
	zoo_b_op(b, "Mixed_6a");
	x = inception_b(b, x);
	static const int c7[4] = {128, 160, 160, 192};
	static const char *const c_names[4] = {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"};
	for (int i = 0; i < 4; i++) {
		zoo_b_op(b, c_names[i]);
		x = inception_c(b, x, c7[i]);
	}
	zoo_b_op(b, "Mixed_7a");
	x = inception_d(b, x);
	zoo_b_op(b, "Mixed_7b");
	x = inception_e(b, x);
	zoo_b_op(b, "Mixed_7c");
	x = inception_e(b, x);
	zoo_b_op(b, "head");
	zoo_b_prefix(b, "");
	x = zoo_b_gap(b, x, "avgpool");
	zoo_b_fc(b, x, "fc", 1000, ZOO_ACT_NONE);
}
