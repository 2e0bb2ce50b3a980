/* fuzz_pred.c: the trained predictor files (core/train.h). The first
 * byte picks what the rest is:
 *   even: a whole .pred file (header and blob), read by train_file_read;
 *   odd:  a blob alone, behind a header written here with its length and
 *         checksum (which random bytes never match), so that the learners'
 *         decoders (mlp, lr, lsvr, svm through libsvm's model text) see it.
 * A predictor that loads is opened over resnet50 and bert on the
 * roofline profile and asked for a few groups: a duration it gives must
 * be a duration. */
#include "fuzz.h"

#include "hash.h"
#include "prof.h"
#include "train.h"
#include "zoo.h"

static prof *roof;
static zoo_model *models[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	roof = prof_new_file("h200", NULL, err, sizeof err);
	models[0] = zoo_model_new("resnet50", err, sizeof err);
	models[1] = zoo_model_new("bert", err, sizeof err);
	if (!roof || !models[0] || !models[1]) {
		fprintf(stderr, "fuzz_pred: %s\n", err);
		abort();
	}
	return 0;
}

static void use(train_model *m)
{
	char err[512];
	predictor p;
	if (train_predictor_open(&p, m, roof, (const zoo_model *const *)models, 2, err,
	                         sizeof err)) {
		fuzz_check_message(err);
		return;
	}
	dev_segment seg[][2] = {
	    {{.service = 0, .batch = 1, .start = 0, .end = 18}, {0}},
	    {{.service = 0, .batch = 32, .start = 3, .end = 9},
	     {.service = 1, .batch = 8, .seq = 128, .start = 0, .end = 12}},
	    {{.service = 1, .batch = 1, .seq = 64, .start = 11, .end = 12}, {0}},
	};
	dev_group g[3] = {{1, seg[0]}, {2, seg[1]}, {1, seg[2]}};
	int64_t ns[3];
	if (pred_predict(&p, g, 3, ns) == 0)
		for (int i = 0; i < 3; i++)
			if (ns[i] < 0)
				fuzz_wrong("group %d predicted at %lld ns", i, (long long)ns[i]);
	pred_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[1024] = "";
	if (size == 0)
		return 0;
	int blob = data[0] & 1;
	data++;
	size--;
	snprintf(path, sizeof path, "%s/x.pred", fuzz_dir());
	if (!blob) {
		fuzz_write(path, data, size);
	} else {
		/* the kind the blob names, where it names one that fits */
		char kind[32] = "lr", sum[17];
		uint32_t kl = size >= 20 ? (uint32_t)data[16] | (uint32_t)data[17] << 8 : 0;
		if (kl > 0 && kl < sizeof kind && 20 + kl <= size && !memchr(data + 20, '\n', kl) &&
		    !memchr(data + 20, ' ', kl) && !memchr(data + 20, 0, kl)) {
			memcpy(kind, data + 20, kl);
			kind[kl] = '\0';
		}
		hash_hex(train_checksum(data, size), sum);
		FILE *f = fopen(path, "wb");
		if (!f) {
			perror(path);
			abort();
		}
		fprintf(f,
		        "abacus predictor\nformat 1\ngpu h200\nkind %s\nmode all\ncombo *\n"
		        "features_version 1\ndata_digest 0123456789abcdef\nn_train 10\nmae_ms 0.1\n"
		        "mape 1.0\nseed 1\nblob %zu %s\n",
		        kind, size, sum);
		if (fwrite(data, 1, size, f) != size || fclose(f) != 0) {
			perror(path);
			abort();
		}
	}
	train_meta meta;
	train_model *m = NULL;
	if (train_file_read(path, &meta, &m, err, sizeof err)) {
		fuzz_check_message(err);
		if (m)
			fuzz_wrong("a model came back with an error");
		return 0;
	}
	use(m);
	return 0;
}
