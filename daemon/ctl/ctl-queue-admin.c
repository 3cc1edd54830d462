/* "maildeskctl queue hold|release|delete": the administrator's control of
 * the outbound queue, as postsuper -h, -H and -d. The changes themselves
 * are lib/db's (db_outbound_admin). */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db-outbound.h"
#include "db/db-report-queue.h"

struct admin_verb {
	enum db_outbound_admin op;
	const char *bulk_flag;  /* the option for every row at once */
	const char *done;       /* "held", ... */
	const char *takes;      /* the states one row may be in */
};

static const struct admin_verb verbs[] = {
	[DB_OUTBOUND_HOLD] = { DB_OUTBOUND_HOLD, "all-deferred", "held", "queued or deferred" },
	[DB_OUTBOUND_RELEASE] = { DB_OUTBOUND_RELEASE, "all", "released, due now", "held" },
	[DB_OUTBOUND_DELETE] = { DB_OUTBOUND_DELETE, "all-deferred", "deleted (never sent)", "queued, deferred or held" },
};

/* Why one row was not changed: missing, or in another state. */
static int explain_unchanged(struct ctl *ctl, const struct admin_verb *v, const char *id)
{
	char *error = NULL, *state = NULL;
	int r;

	if ((r = db_report_queue_state(ctl->db, ctl_id(id), &state, NULL, &error)) < 0)
		return ctl_db_fail(error);
	if (r == 0)
		r = ctl_fail("no outbound mail %s", id);
	else
		r = ctl_fail("outbound mail %s is %s; only %s mail can be %s", id, state, v->takes, v->done);
	free(state);
	return r;
}

/* One row by ID: changed, or why not. Returns 0, or 1 when the row was
 * left as it was (the message says why), or a database failure's code. */
static int queue_admin_one(struct ctl *ctl, const struct admin_verb *v, const char *id)
{
	char *error = NULL;
	size_t n = 0;

	if (db_outbound_admin(ctl->db, v->op, strtoll(id, NULL, 10), &n, &error) < 0)
		return ctl_db_fail(error);
	if (n == 0)
		return explain_unchanged(ctl, v, id);
	printf("outbound mail %s %s\n", id, v->done);
	return 0;
}

/* Rows by ID (several at once, as postsuper takes several -h: each is
 * changed or refused on its own, and the exit status is the worst), or all
 * of them with the verb's bulk option. */
static int queue_admin(struct ctl *ctl, const struct ctl_args *a, enum db_outbound_admin op)
{
	const struct admin_verb *v = &verbs[op];
	bool bulk = ctl_opt_get(a, v->bulk_flag) != NULL;
	char *error = NULL;
	size_t n = 0;
	int worst = 0;

	if (bulk == (a->n_pos > 0))
		return ctl_usage_error(a, "give either IDs or --%s", v->bulk_flag);
	for (size_t i = 0; i < a->n_pos; i++)
		if (!ctl_number_valid(a->pos[i]))
			return ctl_usage_error(a, "ID must be a number, not '%s'", a->pos[i]);
	if (bulk) {
		if (db_outbound_admin(ctl->db, op, 0, &n, &error) < 0)
			return ctl_db_fail(error);
		printf("%zu outbound mail%s %s\n", n, n == 1 ? "" : "s", v->done);
		return 0;
	}
	for (size_t i = 0; i < a->n_pos; i++) {
		int r = queue_admin_one(ctl, v, a->pos[i]);

		if (r > worst)
			worst = r;
	}
	return worst;
}

/* "queue hold ID...|--all-deferred". */
int ctl_queue_hold(struct ctl *ctl, const struct ctl_args *a)
{
	return queue_admin(ctl, a, DB_OUTBOUND_HOLD);
}

/* "queue release ID...|--all". */
int ctl_queue_release(struct ctl *ctl, const struct ctl_args *a)
{
	return queue_admin(ctl, a, DB_OUTBOUND_RELEASE);
}

/* "queue delete ID...|--all-deferred". */
int ctl_queue_delete(struct ctl *ctl, const struct ctl_args *a)
{
	return queue_admin(ctl, a, DB_OUTBOUND_DELETE);
}
