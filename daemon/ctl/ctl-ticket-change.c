#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Every change goes through here, so a failure anywhere leaves nothing
 * half-done and nothing is printed before the commit. */
int ctl_change_run(struct ctl *ctl, const struct ctl_args *a,
		   int (*change)(struct ctl *ctl, const struct ctl_args *a, char **done_r))
{
	char *error = NULL, *done = NULL;
	int ret;

	if (db_begin(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	ret = change(ctl, a, &done);
	if (ret != 0) {
		db_rollback(ctl->db);
		free(done);
		return ret;
	}
	if (db_commit(ctl->db, &error) < 0) {
		free(done);
		return ctl_db_fail(error);
	}
	if (done != NULL)
		puts(done);
	free(done);
	return CTL_EXIT_OK;
}

/* Copies column c of row 0, keeping SQL NULL as NULL. */
static char *cell_dup(const struct db_table *t, size_t c)
{
	const char *v = db_table_get(t, 0, c);

	return v != NULL ? xstrdup(v) : NULL;
}

/* Locking the row first makes concurrent changes of one ticket queue up
 * instead of overwriting each other. */
int ctl_ticket_lock(struct ctl *ctl, const char *number, struct ctl_ticket *t)
{
	const char *params[1] = { number };
	struct db_table *r;
	char *error = NULL;

	memset(t, 0, sizeof(*t));
	if (db_exec(ctl->db,
		    "SELECT t.number, t.id, t.tenant_id, t.team_id, t.status, t.requester_id, t.priority,"
		    " mt.number FROM tickets t"
		    " LEFT JOIN tickets mt ON mt.tenant_id = t.tenant_id AND mt.id = t.merged_into_id"
		    " WHERE t.number = $1 FOR UPDATE OF t",
		    1, params, &r, &error) < 0)
		return ctl_db_fail(error);
	if (r->n_rows == 0) {
		db_table_free(&r);
		return ctl_fail("ticket %s not found", number);
	}
	t->number = cell_dup(r, 0);
	t->id = cell_dup(r, 1);
	t->tenant_id = cell_dup(r, 2);
	t->team_id = cell_dup(r, 3);
	t->status = cell_dup(r, 4);
	t->requester_id = cell_dup(r, 5);
	t->priority = cell_dup(r, 6);
	t->merged_into = cell_dup(r, 7);
	db_table_free(&r);
	return 0;
}

/* Pairs with ctl_ticket_lock(). */
void ctl_ticket_free(struct ctl_ticket *t)
{
	free(t->number);
	free(t->id);
	free(t->tenant_id);
	free(t->team_id);
	free(t->status);
	free(t->requester_id);
	free(t->priority);
	free(t->merged_into);
	memset(t, 0, sizeof(*t));
}

/* The ticket's history is what "ticket show" prints under Events. */
int ctl_ticket_event_add(struct ctl *ctl, const struct ctl_ticket *t, const char *kind,
			 const char *actor, const char *detail)
{
	const char *params[5] = { t->tenant_id, t->id, kind, actor, detail };
	char *error = NULL;

	if (db_exec(ctl->db,
		    "INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
		    " VALUES ($1, $2, $3, $4, $5)",
		    5, params, NULL, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* --by must name a real agent of the ticket's tenant, so that the history
 * never names someone who cannot have done it. */
int ctl_actor_resolve(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id,
		      char **actor_r)
{
	/* "ticket cc" also takes --from, as the brief of an agent's mail. */
	const char *by = ctl_opt_get(a, "by") != NULL ? ctl_opt_get(a, "by") : ctl_opt_get(a, "from");
	const char *params[2] = { tenant_id, by };
	struct db_table *t;
	char *error = NULL;
	int ret = 0;

	if (by == NULL) {
		*actor_r = xstrdup(CTL_ACTOR);
		return 0;
	}
	if (db_exec(ctl->db,
		    "SELECT n.name, g.email FROM tenants n"
		    " LEFT JOIN agents g ON g.tenant_id = n.id AND g.email = lower($2) WHERE n.id = $1",
		    2, params, &t, &error) < 0)
		return ctl_db_fail(error);
	if (t->n_rows == 0 || db_table_get(t, 0, 1) == NULL)
		ret = ctl_fail("agent \"%s\" not found in tenant \"%s\"", by,
			       t->n_rows > 0 ? db_table_get(t, 0, 0) : tenant_id);
	else
		*actor_r = xstrdup(db_table_get(t, 0, 1));
	db_table_free(&t);
	return ret;
}

/* What close and reopen differ in. */
struct status_change {
	const char *status; /* the new status */
	const char *event; /* ticket_events.kind, also the verb printed */
	const char *sql; /* $1 tenant, $2 ticket id */
};

static const struct status_change change_close = {
	"closed", "closed",
	"UPDATE tickets SET status = 'closed', closed_at = now(), updated_at = now()"
	" WHERE tenant_id = $1 AND id = $2",
};
static const struct status_change change_reopen = {
	"open", "reopened",
	"UPDATE tickets SET status = 'open', closed_at = NULL, updated_at = now()"
	" WHERE tenant_id = $1 AND id = $2",
};

/* A merged ticket is only a pointer to another one; it has no state of
 * its own to change. */
static int status_change_check(const struct ctl_ticket *t, const struct status_change *c)
{
	if (strcmp(t->status, "merged") == 0)
		return ctl_fail("ticket %s is merged into ticket %s: it cannot be %s", t->number,
				t->merged_into != NULL ? t->merged_into : "?", c->event);
	if (strcmp(t->status, c->status) == 0)
		return ctl_fail("ticket %s is already %s", t->number, c->status);
	return 0;
}

/* Sets the status, and records the change with the status it had. */
static int status_change_apply(struct ctl *ctl, const struct ctl_args *a, const struct status_change *c,
			       char **done_r)
{
	struct ctl_ticket t;
	char *actor = NULL, *detail = NULL, *error = NULL;
	int ret = ctl_ticket_lock(ctl, a->pos[0], &t);

	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, t.tenant_id, &actor);
	if (ret == 0)
		ret = status_change_check(&t, c);
	const char *params[2] = { t.tenant_id, t.id };
	if (ret == 0 && db_exec(ctl->db, c->sql, 2, params, NULL, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0) {
		detail = xasprintf("status was %s", t.status);
		ret = ctl_ticket_event_add(ctl, &t, c->event, actor, detail);
	}
	if (ret == 0)
		*done_r = xasprintf("ticket %s %s", t.number, c->event);
	free(detail);
	free(actor);
	ctl_ticket_free(&t);
	return ret;
}

/* ctl_change_run() callback of "ticket close". */
static int close_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	return status_change_apply(ctl, a, &change_close, done_r);
}

/* ctl_change_run() callback of "ticket reopen". */
static int reopen_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	return status_change_apply(ctl, a, &change_reopen, done_r);
}

/* "ticket close NUMBER [--by AGENT]". */
int ctl_ticket_close(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	return ctl_change_run(ctl, a, close_change);
}

/* "ticket reopen NUMBER [--by AGENT]". */
int ctl_ticket_reopen(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	return ctl_change_run(ctl, a, reopen_change);
}
