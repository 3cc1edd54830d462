#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-desk-facts.h"
#include "db/db-ticket.h"
#include "desk/desk.h"
#include "desk/desk-connection.h"

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

/* Locking the row first makes concurrent changes of one ticket queue up
 * instead of overwriting each other. */
int ctl_ticket_lock(struct ctl *ctl, const char *number, struct ctl_ticket *t)
{
	struct db_ticket_row r;
	char *error = NULL;
	int found = db_ticket_lock_number(ctl->db, strtoll(number, NULL, 10), &r, &error);

	memset(t, 0, sizeof(*t));
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("ticket %s not found", number);
	t->number = xasprintf("%" PRId64, r.number);
	t->id = xasprintf("%" PRId64, r.id);
	t->tenant_id = xasprintf("%" PRId64, r.tenant_id);
	t->team_id = xasprintf("%" PRId64, r.team_id);
	t->status = xstrdup(r.status);
	t->requester_id = xasprintf("%" PRId64, r.requester_id);
	t->priority = xasprintf("%d", r.priority);
	t->merged_into = r.merged_into_number != 0 ? xasprintf("%" PRId64, r.merged_into_number) : NULL;
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
	char *error = NULL;

	if (db_ticket_event(ctl->db, strtoll(t->tenant_id, NULL, 10), strtoll(t->id, NULL, 10), kind, actor, detail,
			    &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* An agent who names themselves with --by goes through the one check of
 * who may act on a ticket (lib/desk desk-connection.h). */
static int actor_may_act(struct ctl *ctl, const struct ctl_ticket *t, const char *email)
{
	char *error = NULL, *why = NULL;
	int64_t agent_id = 0;
	int found = db_desk_agent_find(ctl->db, ctl_id(t->tenant_id), email, &agent_id, &error);

	if (found > 0)
		found = desk_agent_may_act(ctl->db, ctl_id(t->tenant_id), ctl_id(t->id), agent_id, &why, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0) {
		found = ctl_fail("%s may not act on ticket %s: %s", email, t->number, why != NULL ? why : "no agent");
		free(why);
		return found;
	}
	return 0;
}

/* --by must name a real agent of the ticket's tenant, so that the history
 * never names someone who cannot have done it, and one who may act on it. */
int ctl_actor_resolve(struct ctl *ctl, const struct ctl_args *a, const struct ctl_ticket *t, char **actor_r)
{
	const char *tenant_id = t->tenant_id;
	/* "ticket cc" also takes --from, as the brief of an agent's mail. */
	const char *by = ctl_opt_get(a, "by") != NULL ? ctl_opt_get(a, "by") : ctl_opt_get(a, "from");
	char *tenant = NULL, *email = NULL, *error = NULL;
	int found, ret = 0;

	if (by == NULL) {
		*actor_r = xstrdup(CTL_ACTOR);
		return 0;
	}
	found = db_ticket_actor(ctl->db, strtoll(tenant_id, NULL, 10), by, &tenant, &email, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (email == NULL)
		ret = ctl_fail("agent \"%s\" not found in tenant \"%s\"", by, tenant != NULL ? tenant : tenant_id);
	else if ((ret = actor_may_act(ctl, t, email)) != 0)
		free(email);
	else
		*actor_r = email;
	free(tenant);
	return ret;
}

/* What close and reopen differ in. */
struct status_change {
	const char *status; /* the new status */
	const char *event; /* ticket_events.kind, also the verb printed */
	int (*apply)(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, const char *detail,
		     char **error_r); /* the desk_ticket_* that does it */
};

static const struct status_change change_close = { "closed", "closed", desk_ticket_close };
static const struct status_change change_reopen = { "open", "reopened", desk_ticket_reopen };

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
		ret = ctl_actor_resolve(ctl, a, &t, &actor);
	if (ret == 0)
		ret = status_change_check(&t, c);
	if (ret == 0) {
		detail = xasprintf("status was %s", t.status);
		if (c->apply(ctl->db, strtoll(t.tenant_id, NULL, 10), strtoll(t.id, NULL, 10), actor, detail, &error) < 0)
			ret = ctl_db_fail(error);
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
