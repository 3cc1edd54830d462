#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The message that "ticket split" moves, as found in its ticket's tenant. */
struct split_message {
	char *id, *from_addr, *from_name, *subject;
};

/* Pairs with split_message_find(). */
static void split_message_free(struct split_message *m)
{
	free(m->id);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	memset(m, 0, sizeof(*m));
}

/* Explains why message_id cannot be split off ticket t; the row r comes
 * from split_message_find()'s query. */
static int split_message_refuse(const struct ctl_ticket *t, const char *message_id, const struct db_table *r)
{
	if (r->n_rows == 0)
		return ctl_fail("message %s not found in the tenant of ticket %s", message_id, t->number);
	if (strcmp(db_table_get(r, 0, 0), t->id) != 0)
		return ctl_fail("message %s is not on ticket %s (it is on ticket %s)", message_id, t->number,
				db_table_get(r, 0, 1));
	return ctl_fail("message %s is the only message of ticket %s: nothing to split", message_id,
			t->number);
}

/* Locks the message and checks that it belongs to t and is not its only
 * one (a ticket without messages would be left behind). */
static int split_message_find(struct ctl *ctl, const struct ctl_ticket *t, const char *message_id,
			      struct split_message *m)
{
	const char *params[3] = { t->tenant_id, message_id, t->id };
	struct db_table *r;
	char *error = NULL;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (db_exec(ctl->db,
		    "SELECT m.ticket_id, x.number, m.id, m.from_addr, m.from_name, m.subject,"
		    " (SELECT count(*) FROM messages WHERE tenant_id = $1 AND ticket_id = $3)"
		    " FROM messages m JOIN tickets x ON x.tenant_id = m.tenant_id AND x.id = m.ticket_id"
		    " WHERE m.tenant_id = $1 AND m.id = $2 FOR UPDATE OF m",
		    3, params, &r, &error) < 0)
		return ctl_db_fail(error);
	if (r->n_rows == 0 || strcmp(db_table_get(r, 0, 0), t->id) != 0 ||
	    strcmp(db_table_get(r, 0, 6), "1") == 0) {
		ret = split_message_refuse(t, message_id, r);
	} else {
		m->id = xstrdup(db_table_get(r, 0, 2));
		m->from_addr = xstrdup(db_table_get(r, 0, 3) != NULL ? db_table_get(r, 0, 3) : "");
		m->from_name = xstrdup(db_table_get(r, 0, 4) != NULL ? db_table_get(r, 0, 4) : "");
		m->subject = xstrdup(db_table_get(r, 0, 5));
	}
	db_table_free(&r);
	return ret;
}

/* The new ticket's requester: whoever sent the message (a contact is
 * created for them if needed), else the old ticket's requester. */
static int split_requester(struct ctl *ctl, const struct ctl_ticket *t, const struct split_message *m,
			   char **contact_id_r)
{
	const char *params[3] = { t->tenant_id, m->from_addr, m->from_name };
	struct db_table *r;
	char *error = NULL;

	if (m->from_addr[0] == '\0') {
		*contact_id_r = xstrdup(t->requester_id);
		return 0;
	}
	/* DO UPDATE (a no-op) rather than DO NOTHING, so RETURNING always has the row. */
	if (db_exec(ctl->db,
		    "INSERT INTO contacts (tenant_id, email, name) VALUES ($1, lower($2), nullif($3, ''))"
		    " ON CONFLICT (tenant_id, email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
		    3, params, &r, &error) < 0)
		return ctl_db_fail(error);
	*contact_id_r = xstrdup(db_table_get(r, 0, 0));
	db_table_free(&r);
	return 0;
}

/* The new ticket: same tenant, team and priority, linked to the old one. */
static int split_ticket_create(struct ctl *ctl, const struct ctl_ticket *t, const struct split_message *m,
			       const char *requester_id, struct ctl_ticket *n)
{
	const char *params[6] = { t->tenant_id, t->team_id, m->subject, requester_id, t->priority, t->id };
	struct db_table *r;
	char *error = NULL;

	memset(n, 0, sizeof(*n));
	if (db_exec(ctl->db,
		    "INSERT INTO tickets (tenant_id, team_id, subject, requester_id, priority, linked_ticket_id)"
		    " VALUES ($1, $2, coalesce(nullif($3, ''), '(no subject)'), $4, $5, $6)"
		    " RETURNING id, number",
		    6, params, &r, &error) < 0)
		return ctl_db_fail(error);
	n->tenant_id = xstrdup(t->tenant_id);
	n->id = xstrdup(db_table_get(r, 0, 0));
	n->number = xstrdup(db_table_get(r, 0, 1));
	db_table_free(&r);
	return 0;
}

/* Moves the message and says on it why it is where it is. */
static int split_message_move(struct ctl *ctl, const struct ctl_ticket *t, const struct ctl_ticket *n,
			      const struct split_message *m, const char *actor)
{
	char *detail = xasprintf("split from ticket %s by %s", t->number, actor), *error = NULL;
	const char *params[4] = { t->tenant_id, m->id, n->id, detail };
	int ret = 0;

	if (db_exec(ctl->db,
		    "UPDATE messages SET ticket_id = $3, match_reason = 'split', match_detail = $4"
		    " WHERE tenant_id = $1 AND id = $2",
		    4, params, NULL, &error) < 0 ||
	    db_exec(ctl->db, "UPDATE tickets SET updated_at = now() WHERE tenant_id = $1 AND id = $2", 2,
		    (const char *[]){ t->tenant_id, t->id }, NULL, &error) < 0)
		ret = ctl_db_fail(error);
	free(detail);
	return ret;
}

/* The "split" event on both tickets. */
static int split_events_add(struct ctl *ctl, const struct ctl_ticket *t, const struct ctl_ticket *n,
			    const struct split_message *m, const char *actor)
{
	char *d1 = xasprintf("message %s moved to new ticket %s", m->id, n->number);
	char *d2 = xasprintf("split from ticket %s (message %s)", t->number, m->id);
	int ret = ctl_ticket_event_add(ctl, t, "split", actor, d1);

	if (ret == 0)
		ret = ctl_ticket_event_add(ctl, n, "split", actor, d2);
	free(d1);
	free(d2);
	return ret;
}

/* ctl_change_run() callback of "ticket split". */
static int split_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_ticket t, n = { 0 };
	struct split_message m = { 0 };
	char *actor = NULL, *requester = NULL;
	int ret = ctl_ticket_lock(ctl, a->pos[0], &t);

	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, t.tenant_id, &actor);
	if (ret == 0)
		ret = split_message_find(ctl, &t, a->pos[1], &m);
	if (ret == 0)
		ret = split_requester(ctl, &t, &m, &requester);
	if (ret == 0)
		ret = split_ticket_create(ctl, &t, &m, requester, &n);
	if (ret == 0)
		ret = split_message_move(ctl, &t, &n, &m, actor);
	if (ret == 0)
		ret = split_events_add(ctl, &t, &n, &m, actor);
	if (ret == 0)
		*done_r = xstrdup(n.number);
	free(actor);
	free(requester);
	split_message_free(&m);
	ctl_ticket_free(&n);
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

/* Moves the messages; *count_r gets how many. */
static int merge_messages_move(struct ctl *ctl, const struct ctl_ticket *into, const struct ctl_ticket *from,
			       char **count_r)
{
	const char *params[3] = { into->tenant_id, into->id, from->id };
	struct db_table *r;
	char *error = NULL;

	if (db_exec(ctl->db,
		    "WITH moved AS (UPDATE messages SET ticket_id = $2"
		    "   WHERE tenant_id = $1 AND ticket_id = $3 RETURNING 1)"
		    " SELECT count(*) FROM moved",
		    3, params, &r, &error) < 0)
		return ctl_db_fail(error);
	*count_r = xstrdup(db_table_get(r, 0, 0));
	db_table_free(&r);
	return 0;
}

/* Everyone who took part in from (its requester too) takes part in into;
 * then from becomes a pointer to into, and so do tickets merged into it
 * before, so that a merged ticket never points at another merged one. */
static int merge_tickets_update(struct ctl *ctl, const struct ctl_ticket *into, const struct ctl_ticket *from)
{
	const char *params[5] = { into->tenant_id, into->id, from->id, from->requester_id, into->requester_id };
	char *error = NULL;

	if (db_exec(ctl->db,
		    "INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id)"
		    " SELECT $1, $2, c FROM (SELECT contact_id AS c FROM ticket_participants"
		    "   WHERE tenant_id = $1 AND ticket_id = $3 UNION SELECT $4::bigint) s"
		    " WHERE c <> $5::bigint ON CONFLICT DO NOTHING",
		    5, params, NULL, &error) < 0 ||
	    db_exec(ctl->db,
		    "UPDATE tickets SET status = 'merged', merged_into_id = $2, updated_at = now()"
		    " WHERE tenant_id = $1 AND id = $3",
		    3, params, NULL, &error) < 0 ||
	    db_exec(ctl->db, "UPDATE tickets SET merged_into_id = $2 WHERE tenant_id = $1 AND merged_into_id = $3",
		    3, params, NULL, &error) < 0 ||
	    db_exec(ctl->db,
		    "UPDATE tickets SET updated_at = now(), last_activity_at = greatest(last_activity_at,"
		    "   (SELECT last_activity_at FROM tickets WHERE tenant_id = $1 AND id = $3))"
		    " WHERE tenant_id = $1 AND id = $2",
		    3, params, NULL, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* The "merged" event on both tickets. */
static int merge_events_add(struct ctl *ctl, const struct ctl_ticket *into, const struct ctl_ticket *from,
			    const char *count, const char *actor)
{
	char *d1 = xasprintf("ticket %s merged into this one (%s message%s)", from->number, count,
			     strcmp(count, "1") == 0 ? "" : "s");
	char *d2 = xasprintf("merged into ticket %s", into->number);
	int ret = ctl_ticket_event_add(ctl, into, "merged", actor, d1);

	if (ret == 0)
		ret = ctl_ticket_event_add(ctl, from, "merged", actor, d2);
	free(d1);
	free(d2);
	return ret;
}

/* ctl_change_run() callback of "ticket merge". */
static int merge_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_ticket into, from;
	char *actor = NULL, *count = NULL;
	int ret = merge_lock(ctl, a, &into, &from);

	if (ret == 0)
		ret = merge_check(&into, &from);
	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, into.tenant_id, &actor);
	if (ret == 0)
		ret = merge_messages_move(ctl, &into, &from, &count);
	if (ret == 0)
		ret = merge_tickets_update(ctl, &into, &from);
	if (ret == 0)
		ret = merge_events_add(ctl, &into, &from, count, actor);
	if (ret == 0)
		*done_r = xasprintf("ticket %s merged into ticket %s (%s message%s moved)", from.number,
				    into.number, count, strcmp(count, "1") == 0 ? "" : "s");
	free(actor);
	free(count);
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
