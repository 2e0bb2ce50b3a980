/* policy.c: the table of policies `policy = "..."` may name. */
#include <stdio.h>
#include <string.h>

#include "kind.h"
#include "sched.h"

extern const sched_policy sched_policy_fcfs, sched_policy_sjf, sched_policy_edf,
    sched_policy_abacus, sched_policy_clockwork, sched_policy_triton;

static const sched_policy *const policies[] = {
    &sched_policy_fcfs,      &sched_policy_sjf,    &sched_policy_edf, &sched_policy_abacus,
    &sched_policy_clockwork, &sched_policy_triton, NULL};

const sched_policy *const *sched_policies(void)
{
	return policies;
}

const sched_policy *sched_policy_find(const char *name)
{
	for (int i = 0; policies[i]; i++)
		if (strcmp(policies[i]->name, name) == 0)
			return policies[i];
	return NULL;
}

void sched_policy_names(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	for (int i = 0; policies[i]; i++)
		kind_names_add(buf, len, policies[i]->name);
}
