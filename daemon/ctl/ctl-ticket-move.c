/* maildeskctl "ticket split" and "ticket merge": the checks and the
 * output here, the change itself desk_ticket_split / desk_ticket_merge. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-ticket.h"
#include "desk/desk.h"

/* An id of maildeskctl's text ticket. */
static int64_t id_of(const char *text)
{
	return strtoll(text, NULL, 10);
}

/* Locks the message and checks that it belongs to t and is not its only
 * one (a ticket without messages would be left behind). */
static int split_message_find(struct ctl *ctl, const struct ctl_ticket *t, const char *message_id,
			      struct db_split_message *m)
{
	char *error = NULL;
	int found = db_split_message_find(ctl->db, id_of(t->tenant_id), id_of(message_id), m, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("message %s not found in the tenant of ticket %s", message_id, t->number);
	if (m->ticket_id != id_of(t->id))
		return ctl_fail("message %s is not on ticket %s (it is on ticket %" PRId64 ")", message_id, t->number,
				m->ticket_number);
	if (m->n_on_ticket == 1)
		return ctl_fail("message %s is the only message of ticket %s: nothing to split", message_id,
				t->number);
	return 0;
}

/* The new ticket: same tenant, team and priority, linked to the old one;
 * its requester is whoever sent the message (a contact is made for them
 * if needed), else the old ticket's requester. */
static int split_apply(struct ctl *ctl, const struct ctl_ticket *t, const struct db_split_message *m,
		       const char *actor, int64_t *number_r)
{
	struct db_ticket_new n = { .tenant_id = id_of(t->tenant_id), .team_id = id_of(t->team_id),
				   .requester_id = id_of(t->requester_id), .linked_ticket_id = id_of(t->id),
				   .priority = atoi(t->priority), .subject = m->subject };
	char *error = NULL;

	if (m->from_addr[0] != '\0' &&
	    db_contact_upsert(ctl->db, n.tenant_id, m->from_addr, m->from_name, &n.requester_id, &error) < 0)
		return ctl_db_fail(error);
	if (desk_ticket_split(ctl->db, &n, id_of(t->number), m->id, actor, number_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* ctl_change_run() callback of "ticket split". */
static int split_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_ticket t;
	struct db_split_message m = { 0 };
	char *actor = NULL;
	int64_t number = 0;
	int ret = ctl_ticket_lock(ctl, a->pos[0], &t);

	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, &t, &actor);
	if (ret == 0)
		ret = split_message_find(ctl, &t, a->pos[1], &m);
	if (ret == 0)
		ret = split_apply(ctl, &t, &m, actor, &number);
	if (ret == 0)
		*done_r = xasprintf("%" PRId64, number);
	free(actor);
	db_split_message_free(&m);
	ctl_ticket_free(&t);
	return ret;
}

/* "ticket split NUMBER MESSAGE_ID [--by AGENT]": prints only the new
 * ticket's number, for scripts. */
int ctl_ticket_split(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (!ctl_number_valid(a->pos[1]))
		return ctl_usage_error(a, "message id \"%s\" is not a number", a->pos[1]);
	return ctl_change_run(ctl, a, split_change);
}

/* Locks both tickets, always the lower number first, so two merges of the
 * same pair cannot deadlock. */
static int merge_lock(struct ctl *ctl, const struct ctl_args *a, struct ctl_ticket *into,
		      struct ctl_ticket *from)
{
	bool into_first = strtoll(a->pos[0], NULL, 10) < strtoll(a->pos[1], NULL, 10);
	struct ctl_ticket *first = into_first ? into : from, *second = into_first ? from : into;
	int ret;

	memset(second, 0, sizeof(*second));
	ret = ctl_ticket_lock(ctl, a->pos[into_first ? 0 : 1], first);
	if (ret == 0)
		ret = ctl_ticket_lock(ctl, a->pos[into_first ? 1 : 0], second);
	return ret;
}

/* The rules of a merge that the schema does not enforce. */
static int merge_check(const struct ctl_ticket *into, const struct ctl_ticket *from)
{
	if (strcmp(into->tenant_id, from->tenant_id) != 0)
		return ctl_fail("tickets %s and %s belong to different tenants", into->number, from->number);
	if (into->merged_into != NULL)
		return ctl_fail("ticket %s is merged into ticket %s: merge into that one", into->number,
				into->merged_into);
	if (from->merged_into != NULL)
		return ctl_fail("ticket %s is already merged into ticket %s", from->number, from->merged_into);
	return 0;
}

/* The merge itself and its events (desk_ticket_merge). */
static int merge_apply(struct ctl *ctl, const struct ctl_ticket *into, const struct ctl_ticket *from,
		       const char *actor, int64_t *moved_r)
{
	struct desk_ticket_pair p = { .tenant_id = id_of(into->tenant_id), .into_id = id_of(into->id),
				      .into_number = id_of(into->number), .from_id = id_of(from->id),
				      .from_number = id_of(from->number) };
	char *error = NULL;

	if (desk_ticket_merge(ctl->db, &p, actor, moved_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* ctl_change_run() callback of "ticket merge". */
static int merge_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_ticket into, from;
	char *actor = NULL;
	int64_t moved = 0;
	int ret = merge_lock(ctl, a, &into, &from);

	if (ret == 0)
		ret = merge_check(&into, &from);
	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, &into, &actor);
	if (ret == 0 && actor != NULL) {
		/* The merged ticket changes too: the agent must be one who may
		 * act on it (a provider's or a brand's, issue 14). */
		char *again = NULL;

		ret = ctl_actor_resolve(ctl, a, &from, &again);
		free(again);
	}
	if (ret == 0)
		ret = merge_apply(ctl, &into, &from, actor, &moved);
	if (ret == 0)
		*done_r = xasprintf("ticket %s merged into ticket %s (%" PRId64 " message%s moved)", from.number,
				    into.number, moved, moved == 1 ? "" : "s");
	free(actor);
	ctl_ticket_free(&into);
	ctl_ticket_free(&from);
	return ret;
}

/* "ticket merge NUMBER OTHER [--by AGENT]": OTHER goes into NUMBER. */
int ctl_ticket_merge(struct ctl *ctl, const struct ctl_args *a)
{
	for (size_t i = 0; i < 2; i++) {
		if (!ctl_number_valid(a->pos[i]))
			return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[i]);
	}
	if (strtoll(a->pos[0], NULL, 10) == strtoll(a->pos[1], NULL, 10))
		return ctl_fail("cannot merge ticket %s into itself", a->pos[1]);
	return ctl_change_run(ctl, a, merge_change);
}
