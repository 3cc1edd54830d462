/* The one way a ticket changes (contracts in desk.h): each change is one
 * typed operation of lib/db (db-ticket.h) and its event, whoever asks for
 * it: mail commands, rules, timers, agent status, maildeskctl. No other
 * file calls the db_ticket_* operations that write a ticket. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"
#include "desk/desk-webhook.h"

#include <ctype.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-ticket.h"

/* Kept for the files that record what is no ticket change (mail capped,
 * suppressed, untrusted): the same insert as every change's event (the
 * delivery's prepared one), actor NULL as "mail", detail NULL as "". */
int desk_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
	       const char *detail, char **error_r)
{
	const char *hook = desk_webhook_event_of(kind);
	json_t *change;
	int ret;

	actor = actor != NULL ? actor : "mail";
	detail = detail != NULL ? detail : "";
	if (db_ticket_event(db, tenant_id, ticket_id, kind, actor, detail, error_r) < 0)
		return -1;
	if (hook == NULL)
		return 0;
	/* The change a webhook hears of is the one just recorded. */
	change = json_pack("{s:{s:s, s:s, s:s}}", "change", "kind", kind, "actor", actor, "detail", detail);
	if (change == NULL) /* text that is no UTF-8 */
		change = json_pack("{s:{s:s}}", "change", "kind", kind);
	ret = desk_webhook_emit(db, tenant_id, hook, ticket_id, change, error_r);
	json_decref(change);
	return ret;
}

/* A change's outcome (1 changed, 0 not, -1) with its event when it
 * changed. */
static int with_event(struct db *db, int changed, int64_t tenant_id, int64_t ticket_id, const char *kind,
		      const char *actor, const char *detail, char **error_r)
{
	if (changed <= 0)
		return changed;
	return desk_event(db, tenant_id, ticket_id, kind, actor, detail, error_r) < 0 ? -1 : 1;
}

/* Contract in desk.h. */
int desk_ticket_close(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, const char *detail,
		      char **error_r)
{
	return with_event(db, db_ticket_set_status(db, tenant_id, ticket_id, DB_TICKET_CLOSED, error_r), tenant_id,
			  ticket_id, "closed", actor, detail, error_r);
}

/* Contract in desk.h. */
int desk_ticket_reopen(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, const char *detail,
		       char **error_r)
{
	char *why = NULL;

	if (desk_request_change_why(db, tenant_id, ticket_id, true, NULL, &why, error_r) < 0)
		return -1;
	if (why != NULL) {
		*error_r = xasprintf("ticket not reopened: %s", why);
		free(why);
		return -1;
	}
	return with_event(db, db_ticket_set_status(db, tenant_id, ticket_id, DB_TICKET_OPEN, error_r), tenant_id,
			  ticket_id, "reopened", actor, detail, error_r);
}

/* Contract in desk.h. */
int desk_ticket_solve(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		      const char *actor, const char *detail, char **error_r)
{
	struct desk_rules_event e = { .event = RULES_EV_TICKET_SOLVED, .tenant_id = tenant_id, .ticket_id = ticket_id };
	int ret = with_event(db, db_ticket_set_status(db, tenant_id, ticket_id, DB_TICKET_SOLVED, error_r), tenant_id,
			     ticket_id, "solved", actor, detail, error_r);

	if (ret > 0 && s != NULL && desk_rules_run(db, s, NULL, &e, NULL, error_r) < 0)
		return -1;
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_answered(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, char **error_r)
{
	char *detail = xasprintf("answered by %s; awaiting the customer", actor != NULL ? actor : "mail");
	int changed = db_ticket_set_status_from(db, tenant_id, ticket_id, DB_TICKET_PENDING,
						db_ticket_status_name(DB_TICKET_OPEN), error_r);
	int ret;

	/* A draft (a shop's event) is answered for the first time: from now
	 * on it is a ticket like any other. */
	if (changed == 0)
		changed = db_ticket_set_status_from(db, tenant_id, ticket_id, DB_TICKET_PENDING, "draft", error_r);
	ret = with_event(db, changed, tenant_id, ticket_id, "pending", actor, detail, error_r);

	free(detail);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_close_solved(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return with_event(db,
			  db_ticket_set_status_from(db, tenant_id, ticket_id, DB_TICKET_CLOSED,
						    db_ticket_status_name(DB_TICKET_SOLVED), error_r),
			  tenant_id, ticket_id, "closed", "timer", "solved for the team's close-after time", error_r);
}

/* Contract in desk.h. */
int desk_ticket_wake(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return with_event(db, db_ticket_set_status(db, tenant_id, ticket_id, DB_TICKET_OPEN, error_r), tenant_id,
			  ticket_id, "woke", "timer", "snooze ended", error_r);
}

/* Contract in desk.h. */
int desk_ticket_snooze(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_snooze *w,
		       const char *actor, struct db_snoozed *out, char **error_r)
{
	int ret = db_ticket_snooze(db, tenant_id, ticket_id, w, out, error_r);
	char *detail;

	if (ret <= 0)
		return ret;
	detail = xasprintf("until %s", out->until);
	ret = with_event(db, ret, tenant_id, ticket_id, "snoozed", actor, detail, error_r);
	free(detail);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_set_priority(struct db *db, int64_t tenant_id, int64_t ticket_id, int priority, const char *actor,
			     char **error_r)
{
	int ret = with_event(db, db_ticket_set_priority(db, tenant_id, ticket_id, priority, error_r), tenant_id,
			     ticket_id, "priority", actor, desk_priority_name(priority), error_r);

	/* New priority, new SLA targets. */
	if (ret > 0 && desk_sla_update(db, tenant_id, ticket_id, error_r) < 0)
		return -1;
	return ret;
}

/* A tag as it is stored (lower case, malloc'd). */
static char *tag_lower(const char *tag)
{
	char *t = xstrdup(tag);

	for (char *p = t; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return t;
}

/* Contract in desk.h. */
int desk_ticket_tag(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, bool remove,
		    const char *actor, char **error_r)
{
	char *stored = tag_lower(tag);
	int ret = remove ? db_ticket_tag_remove(db, tenant_id, ticket_id, stored, error_r)
			 : db_ticket_tag_add(db, tenant_id, ticket_id, stored, error_r);

	ret = with_event(db, ret, tenant_id, ticket_id, remove ? "untagged" : "tagged", actor, stored, error_r);
	free(stored);
	return ret;
}

/* How many bytes of a UTF-8 value fit in max without splitting a
 * character (the event detail must stay valid text for PostgreSQL). */
static int utf8_prefix_len(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	return (int)n;
}

/* Contract in desk.h. */
int desk_ticket_set_field(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *name, const char *value,
			  const char *actor, char **error_r)
{
	char *detail = xasprintf("%s = %.*s", name, utf8_prefix_len(value, 200), value);
	int ret = with_event(db, db_ticket_field_set(db, tenant_id, ticket_id, name, value, error_r), tenant_id,
			     ticket_id, "field", actor, detail, error_r);

	free(detail);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_move(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *team_name, const char *actor,
		     int64_t *team_id_r, char **error_r)
{
	char *detail = xasprintf("to team %s", team_name);
	int ret = db_ticket_move_team(db, tenant_id, ticket_id, team_name, team_id_r, error_r);

	ret = with_event(db, ret, tenant_id, ticket_id, "moved", actor, detail, error_r);
	free(detail);
	/* The new team's SLA policy. */
	if (ret > 0 && desk_sla_update(db, tenant_id, ticket_id, error_r) < 0)
		return -1;
	return ret;
}

/* Contract in desk-rules.h. */
int desk_sla_update(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return db_ticket_sla_update(db, tenant_id, ticket_id, error_r);
}

/* Contract in desk-rules.h. */
int desk_sla_first_response(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return db_ticket_first_response(db, tenant_id, ticket_id, error_r);
}

/* Contract in desk.h. */
int desk_ticket_sla_breach(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_sla_target target,
			   char **error_r)
{
	if (db_ticket_sla_breach_mark(db, tenant_id, ticket_id, target, error_r) < 0)
		return -1;
	return desk_event(db, tenant_id, ticket_id, "sla.breached", "timer", db_sla_target_name(target), error_r);
}

/* The short mail that tells an agent a ticket is now theirs. */
static int assign_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			 const struct desk_agent *a, const char *actor, char **error_r)
{
	struct desk_ticket t;
	struct buf b;
	char *body;
	int ret;

	if (desk_ticket_load(db, s, tenant_id, ticket_id, &t, error_r) < 0)
		return -1;
	buf_init(&b, 0);
	buf_printf(&b, "Ticket %" PRId64 ", %s, is now assigned to you (by %s).\n\n", t.number, t.subject, actor);
	buf_printf(&b, "Team: %s | Status: %s | Priority: %s | Tags: %s\n", t.team_name, t.status,
		   desk_priority_name(t.priority), t.tags[0] ? t.tags : "-");
	desk_order_line(&b, &t);
	buf_printf(&b, "From: %s\n", t.requester_email);
	body = buf_steal(&b, NULL);
	ret = desk_agent_notice(db, s, tenant_id, &t, a, "Assigned: ", body, NULL, error_r);
	free(body);
	desk_ticket_free(&t);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_assign_how(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			   int64_t agent_id, const char *actor, const char *how, char **error_r)
{
	struct desk_agent a;
	char *detail;
	int found = 0, ret;

	if (agent_id != 0 && (found = desk_agent_load(db, tenant_id, agent_id, &a, error_r)) <= 0) {
		if (found == 0)
			*error_r = xasprintf("no agent %" PRId64 " in tenant %" PRId64, agent_id, tenant_id);
		return -1;
	}
	if ((ret = db_ticket_set_assignee(db, tenant_id, ticket_id, agent_id, error_r)) > 0) {
		detail = agent_id == 0 ? xstrdup(how != NULL ? how : "")
				       : xasprintf("%s%s%s", a.email, how != NULL ? " " : "", how != NULL ? how : "");
		if (desk_event(db, tenant_id, ticket_id, agent_id != 0 ? "assigned" : "unassigned", actor, detail,
			       error_r) < 0 ||
		    (agent_id != 0 && s != NULL && (strcmp(a.status, "online") == 0 || a.notify_offline) &&
		     assign_notice(db, s, tenant_id, ticket_id, &a, actor, error_r) < 0))
			ret = -1;
		free(detail);
	}
	if (agent_id != 0)
		desk_agent_free(&a);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_assign(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		       int64_t agent_id, const char *actor, char **error_r)
{
	return desk_ticket_assign_how(db, s, tenant_id, ticket_id, agent_id, actor, NULL, error_r) < 0 ? -1 : 0;
}

/* Contract in desk.h. */
int desk_ticket_cc(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address, bool remove,
		   const char *actor, bool *changed_r, char **refused_r, char **error_r)
{
	bool is_requester = false, is_agent = false;
	int ret;

	*changed_r = false;
	*refused_r = NULL;
	if (!remove) {
		if (db_ticket_cc_check(db, tenant_id, ticket_id, address, &is_requester, &is_agent, error_r) < 0)
			return -1;
		/* Agents get notifications, never customers' copies; the
		 * requester is on To of every answer anyway. */
		if (is_agent)
			*refused_r = xasprintf("%s is an agent, not a customer", address);
		if (is_agent || is_requester)
			return 0;
	}
	ret = remove ? db_ticket_participant_remove(db, tenant_id, ticket_id, address, error_r)
		     : db_ticket_participant_add(db, tenant_id, ticket_id, address, error_r);
	if ((ret = with_event(db, ret, tenant_id, ticket_id, remove ? "participant.removed" : "participant.added",
			      actor, address, error_r)) > 0)
		*changed_r = true;
	return ret < 0 ? -1 : 0;
}

/* Contract in desk.h. */
int desk_ticket_merge(struct db *db, const struct desk_ticket_pair *p, const char *actor, int64_t *moved_r,
		      char **error_r)
{
	char *d1, *d2;
	int ret;

	if (db_ticket_merge(db, p->tenant_id, p->into_id, p->from_id, moved_r, error_r) < 0)
		return -1;
	d1 = xasprintf("ticket %" PRId64 " merged into this one (%" PRId64 " message%s)", p->from_number, *moved_r,
		       *moved_r == 1 ? "" : "s");
	d2 = xasprintf("merged into ticket %" PRId64, p->into_number);
	ret = desk_event(db, p->tenant_id, p->into_id, "merged", actor, d1, error_r);
	if (ret == 0)
		ret = desk_event(db, p->tenant_id, p->from_id, "merged", actor, d2, error_r);
	free(d1);
	free(d2);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_split(struct db *db, const struct db_ticket_new *n, int64_t from_number, int64_t message_id,
		      const char *actor, int64_t *number_r, char **error_r)
{
	char *why = xasprintf("split from ticket %" PRId64 " by %s", from_number, actor), *d1 = NULL, *d2 = NULL;
	int64_t id = 0;
	int ret = db_ticket_create(db, n, &id, number_r, error_r);

	if (ret == 0)
		ret = db_ticket_message_move(db, n->tenant_id, message_id, n->linked_ticket_id, id, "split", why,
					     error_r);
	if (ret == 0) {
		d1 = xasprintf("message %" PRId64 " moved to new ticket %" PRId64, message_id, *number_r);
		d2 = xasprintf("split from ticket %" PRId64 " (message %" PRId64 ")", from_number, message_id);
		ret = desk_event(db, n->tenant_id, n->linked_ticket_id, "split", actor, d1, error_r);
	}
	if (ret == 0)
		ret = desk_event(db, n->tenant_id, id, "split", actor, d2, error_r);
	free(why);
	free(d1);
	free(d2);
	return ret;
}
