/* pred_learners.c: the table of learners (pred_trained.h). */
#include <string.h>

#include "kind.h"
#include "pred_trained.h"

extern const pred_learner pred_mlp_learner, pred_lin_learner, pred_svm_learner, pred_solo_learner;

const pred_learner *const pred_learners[] = {&pred_mlp_learner, &pred_lin_learner,
                                             &pred_svm_learner, &pred_solo_learner, NULL};

const pred_learner *pred_learner_find(const char *kind)
{
	for (int i = 0; kind && pred_learners[i]; i++)
		if (strcmp(pred_learners[i]->kind, kind) == 0)
			return pred_learners[i];
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
