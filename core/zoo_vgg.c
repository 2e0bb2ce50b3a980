/* zoo_vgg.c: VGG-16 and VGG-19 (configurations D and E), torchvision's
 * layout without batch norm.
 *
 * Every conv3x3 + relu is an op and so is every maxpool 2x2/2, as in the
 * reference's cut points; the classifier (flatten 512x7x7, fc 4096 + relu,
 * fc 4096 + relu, fc 1000) is the last op. torchvision's adaptive average
 * pool to 7x7 is the identity at 224x224 and dropout is the identity at
 * inference, so neither appears. Layer names follow torchvision's
 * nn.Sequential indices (a relu takes an index of its own there).
 */
#include <stdio.h>

#include "zoo_build.h"

#define POOL 0 /* a maxpool in the channel list */

static const int vgg16_cfg[] = {64,  64,  POOL, 128,  128, POOL, 256, 256,  256, POOL,
                                512, 512, 512,  POOL, 512, 512,  512, POOL, -1};
static const int vgg19_cfg[] = {64,  64,  POOL, 128, 128,  POOL, 256, 256, 256, 256,  POOL,
                                512, 512, 512,  512, POOL, 512,  512, 512, 512, POOL, -1};

void zoo_build_vgg(zoo_build *b, int variant)
{
	const int *cfg = variant == 16 ? vgg16_cfg : variant == 19 ? vgg19_cfg : NULL;
	if (!cfg) {
		zoo_b_fail(b, "vgg: no configuration for depth %d", variant);
		return;
	}
	int x = ZOO_OP_INPUT;
	int idx = 0; /* torchvision's index into model.features */
	char name[ZOO_NAME_MAX];
	for (int i = 0; cfg[i] >= 0; i++) {
		snprintf(name, sizeof(name), "features.%d", idx);
		zoo_b_op(b, name);
		zoo_b_prefix(b, "");
		if (cfg[i] == POOL) {
			x = zoo_b_pool(b, x, name, ZOO_POOL_MAX, 2, 2, 0);
			idx += 1;
		} else {
			x = zoo_b_convk(b, x, name, cfg[i], 3, 1, 1, 0, ZOO_ACT_RELU);
			idx += 2;
		}
	}
	zoo_b_op(b, "classifier");
	x = zoo_b_fc(b, x, "0", 4096, ZOO_ACT_RELU);
	x = zoo_b_fc(b, x, "3", 4096, ZOO_ACT_RELU);
	zoo_b_fc(b, x, "6", 1000, ZOO_ACT_NONE);
}
