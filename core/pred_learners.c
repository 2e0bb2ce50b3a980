/* pred_learners.c: the table of learners (pred_trained.h). */
#include <string.h>

#include "feat.h"
#include "kind.h"
#include "pred_trained.h"

extern const pred_learner pred_mlp_learner, pred_lin_learner, pred_svm_learner,
    pred_lsvr_learner, pred_solo_learner;

const pred_learner *const pred_learners[] = {&pred_mlp_learner, &pred_lin_learner,
                                             &pred_svm_learner, &pred_lsvr_learner,
                                             &pred_solo_learner, NULL};

const pred_learner *pred_learner_find(const char *kind)
{
	/* "lr@paper": learner lr on another feature set (feat.h); only a
	 * learner that fits has features */
	const char *at = kind ? strchr(kind, '@') : NULL;
	size_t n = at ? (size_t)(at - kind) : kind ? strlen(kind) : 0;
	if (at && !feat_set_find(at + 1))
		return NULL;
	for (int i = 0; kind && pred_learners[i]; i++)
		if (strlen(pred_learners[i]->kind) == n && strncmp(pred_learners[i]->kind, kind, n) == 0)
			return at && !pred_learners[i]->fit ? NULL : pred_learners[i];
	return NULL;
}

void pred_learner_names(int trained_only, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	for (int i = 0; pred_learners[i]; i++)
		if (!trained_only || pred_learners[i]->fit)
			kind_names_add(buf, len, pred_learners[i]->kind);
}
