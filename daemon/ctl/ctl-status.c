/* "maildeskctl status" (issue 16): the live daemons of this database (those
 * that heartbeat within 30 s), the cluster-wide gauges and the daemons'
 * counters summed, the same numbers /metrics serves. */
#include "config.h"
#include "ctl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-metrics.h"
#include "db/db-report-status.h"
#include "db/db.h"

struct sum {
	char *key; /* metric{labels} */
	double v;
};
struct sums {
	struct sum *s;
	size_t n;
};

static const char *const queue_states[5] = { "queued", "sending", "sent", "deferred", "failed" };

/* Adds every sample line of one daemon's Prometheus text, buckets excepted. */
static void sums_add_text(struct sums *ss, const char *text)
{
	char *copy = xstrdup(text), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');
		size_t i;

		if (line[0] == '#' || sp == NULL || strstr(line, "_bucket{") != NULL)
			continue;
		*sp = '\0';
		for (i = 0; i < ss->n && strcmp(ss->s[i].key, line) != 0; i++)
			;
		if (i == ss->n) {
			ss->s = xrealloc(ss->s, (ss->n + 1) * sizeof(*ss->s));
			ss->s[ss->n++] = (struct sum){ xstrdup(line), 0 };
		}
		ss->s[i].v += strtod(sp + 1, NULL);
	}
	free(copy);
}

/* The JSON form: daemons, gauges and counters in one object. */
static void print_json(const struct ctl *ctl, const struct db_table *t, const int64_t q[5], double oldest,
		       int64_t snoozed, const struct sums *ss)
{
	json_t *o = json_object(), *d = json_array(), *jq = json_object(), *c = json_object();

	(void)ctl;
	for (size_t r = 0; r < t->n_rows; r++)
		json_array_append_new(d, ctl_output_row_json(t, r, "sissst"));
	for (int i = 0; i < 5; i++)
		json_object_set_new(jq, queue_states[i], json_integer(q[i]));
	for (size_t i = 0; i < ss->n; i++)
		json_object_set_new(c, ss->s[i].key, json_real(ss->s[i].v));
	json_object_set_new(o, "daemons", d);
	json_object_set_new(o, "outbound_queue", jq);
	json_object_set_new(o, "oldest_deferred_seconds", json_real(oldest));
	json_object_set_new(o, "tickets_snoozed", json_integer(snoozed));
	json_object_set_new(o, "counters", c);
	ctl_output_json_print(o);
}

/* The text form, at a glance. */
static void print_text(const struct db_table *t, const int64_t q[5], double oldest, int64_t snoozed,
		       const struct sums *ss)
{
	char b1[64], b2[64];

	printf("%zu daemon%s alive (heartbeat within 30 s)\n", t->n_rows, t->n_rows == 1 ? "" : "s");
	for (size_t r = 0; r < t->n_rows; r++)
		printf("  %s pid %s maildeskd %s started %s heartbeat %s\n", db_table_get(t, r, 0),
		       db_table_get(t, r, 1), db_table_get(t, r, 2),
		       ctl_output_time(db_table_get(t, r, 3), b1, sizeof(b1)),
		       ctl_output_time(db_table_get(t, r, 5), b2, sizeof(b2)));
	printf("outbound queue:");
	for (int i = 0; i < 5; i++)
		printf(" %s=%lld", queue_states[i], (long long)q[i]);
	printf("\noldest deferred: %.0f s\nsnoozed tickets: %lld\ncounters (live daemons summed):\n", oldest,
	       (long long)snoozed);
	for (size_t i = 0; i < ss->n; i++)
		printf("  %s %.15g\n", ss->s[i].key, ss->s[i].v);
}

int ctl_status(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t = NULL;
	struct sums ss = { NULL, 0 };
	int64_t q[5], snoozed;
	double oldest;
	char *error = NULL;

	(void)a;
	if (db_report_daemons_live(ctl->db, 30, &t, &error) < 0 ||
	    db_metrics_gauges(ctl->db, q, &oldest, &snoozed, &error) < 0) {
		db_table_free(&t);
		return ctl_db_fail(error);
	}
	for (size_t r = 0; r < t->n_rows; r++)
		sums_add_text(&ss, db_table_get(t, r, 4));
	if (ctl->json)
		print_json(ctl, t, q, oldest, snoozed, &ss);
	else
		print_text(t, q, oldest, snoozed, &ss);
	for (size_t i = 0; i < ss.n; i++)
		free(ss.s[i].key);
	free(ss.s);
	db_table_free(&t);
	return 0;
}
