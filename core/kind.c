/* kind.c: the fields kinds declare, and the checks made from those
 * declarations (kind.h). */
#include "kind.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

typedef struct field {
	unsigned bit;
	const char *name;
	int per_service;  /* a field of each service table: services[i].name */
	const char *what; /* what a kind that needs it wants it for */
} field;

static const field fields[] = {
    {.bit = KIND_QPS, .name = "load.qps", .what = "the total rate, in queries per second"},
    {.bit = KIND_FILE, .name = "load.file", .what = "the CSV file it reads"},
    {.bit = KIND_TIME_SCALE, .name = "load.time_scale", .what = "how fast the file plays"},
    {.bit = KIND_QPS_SCALE, .name = "load.qps_scale", .what = "what every rate is multiplied by"},
    {.bit = KIND_SVC_QPS, .name = "qps", .per_service = 1, .what = "the service's own rate"},
    {.bit = KIND_WAYS, .name = "ways", .what = "the width of its multi-way search"},
    {.bit = KIND_THRESHOLD, .name = "threshold_ms", .what = "when its search stops"},
    {.bit = KIND_PREDICTOR, .name = "predictor", .what = "the predictor of its groups"},
    {.bit = KIND_BATCHING, .name = "batching", .what = "whether it merges queries into batches"},
    {.bit = KIND_PAIR_LATE, .name = "pair_late", .what = "whether a late query is paired"},
    {.bit = KIND_KEEP_PLAN, .name = "keep_plan", .what = "whether a group keeps the shed plan"},
    {.bit = KIND_KEEP_ON_TIME, .name = "keep_on_time",
     .what = "whether a partner may make an on-time query late"},
    {.bit = KIND_BY_DEADLINE, .name = "by_deadline", .what = "whether the urgent head is the earliest due"},
};

static const field *field_of(unsigned bit)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].bit == bit)
			return &fields[i];
	return NULL;
}

void kind_field_label(unsigned bit, int svc, char *buf, size_t len)
{
	const field *f = field_of(bit);
	if (!f)
		snprintf(buf, len, "field 0x%x", bit);
	else if (f->per_service)
		snprintf(buf, len, "services[%d].%s", svc + 1, f->name);
	else
		snprintf(buf, len, "%s", f->name);
}

int kind_fields_check(unsigned family, unsigned reads, unsigned needs, unsigned given,
                      const char *subject, int svc, kind_readers_fn readers, char *err,
                      size_t errlen)
{
	char label[64], who[256];
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const field *f = &fields[i];
		if (!(f->bit & family))
			continue;
		kind_field_label(f->bit, svc, label, sizeof label);
		if ((given & f->bit) && !(reads & f->bit)) {
			who[0] = '\0';
			if (readers)
				readers(f->bit, who, sizeof who);
			const char *verb = strchr(who, ',') ? " read it)" : " reads it)";
			return text_fail(err, errlen, "field '%s' does not apply to %s%s%s%s",
			                 label, subject, who[0] ? " (only " : "", who,
			                 who[0] ? verb : "");
		}
		if ((needs & f->bit) && !(given & f->bit))
			return text_fail(err, errlen, "field '%s' is missing: %s needs %s", label,
			                 subject, f->what);
	}
	return 0;
}

void kind_names_add(char *buf, size_t len, const char *name)
{
	size_t used = strnlen(buf, len);
	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}
