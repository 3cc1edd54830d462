#include "config.h"
#include "ctl.h"
#include "ctl-work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

static const char *const statuses[] = { "open", "pending", "snoozed", "solved", "closed", "merged" };

/* The columns of each query, and their kinds for ctl_output. */
#define TICKET_COLS                                                                        \
	"t.number, n.name AS tenant, m.name AS team, t.status, t.priority,"                \
	" c.email AS requester, c.name AS requester_name, ag.email AS assignee,"           \
	" (SELECT count(*) FROM messages WHERE tenant_id = t.tenant_id AND ticket_id = t.id)" \
	" AS messages, " CTL_TS("t.created_at") " AS created, " CTL_TS("t.last_activity_at") \
	" AS last_activity, t.subject"
#define TICKET_KINDS "isssisssitts"
#define TICKET_FROM                                                                        \
	" FROM tickets t JOIN tenants n ON n.id = t.tenant_id"                             \
	" JOIN teams m ON m.tenant_id = t.tenant_id AND m.id = t.team_id"                  \
	" JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"          \
	" LEFT JOIN agents ag ON ag.tenant_id = t.tenant_id AND ag.id = t.assignee_id"
/* "ticket list" adds, for open and pending tickets, whose turn it is
 * ("customer": our side wrote last; "us": the customer did; notes and
 * bounces do not count), and a snoozed ticket's wake time. */
#define LIST_COLS                                                                          \
	TICKET_COLS ", CASE WHEN t.status IN ('open', 'pending') THEN CASE WHEN lm.direction = 'out'" \
		    " OR lm.kind IN ('agent', 'reply') THEN 'customer' ELSE 'us' END END AS awaiting," \
		    " CASE WHEN t.status = 'snoozed' THEN " CTL_TS("t.snooze_until") " END AS wakes"
#define LIST_KINDS TICKET_KINDS "st"
#define LIST_FROM                                                                          \
	TICKET_FROM                                                                        \
	" LEFT JOIN LATERAL (SELECT direction, kind FROM messages WHERE tenant_id = t.tenant_id" \
	" AND ticket_id = t.id AND kind NOT IN ('note', 'untrusted', 'rejected', 'bounce')" \
	" ORDER BY received_at DESC, id DESC LIMIT 1) lm ON true"
/* The statuses of each --folder ("mine" also needs --agent). */
#define FOLDER_WHERE                                                                       \
	" AND ($4::text IS NULL OR $4 = 'open' AND t.status IN ('open', 'pending')"        \
	" OR $4 = 'snoozed' AND t.status = 'snoozed' OR $4 = 'closed' AND t.status IN ('solved', 'closed')" \
	" OR $4 = 'unassigned' AND t.status IN ('open', 'pending') AND t.assignee_id IS NULL" \
	" OR $4 = 'mine' AND t.status IN ('open', 'pending', 'snoozed'))"                 \
	" AND ($5::text IS NULL OR ag.email = lower($5))"
static const char *const folders[] = { "open", "snoozed", "closed", "unassigned", "mine" };

/* "ticket show" adds when it was closed and the tickets it points at. */
#define SHOW_COLS                                                                          \
	TICKET_COLS ", " CTL_TS("t.closed_at") " AS closed, lt.number AS linked_ticket,"   \
		    " mt.number AS merged_into"
#define SHOW_KINDS TICKET_KINDS "tii"
#define SHOW_FROM                                                                          \
	TICKET_FROM                                                                        \
	" LEFT JOIN tickets lt ON lt.tenant_id = t.tenant_id AND lt.id = t.linked_ticket_id" \
	" LEFT JOIN tickets mt ON mt.tenant_id = t.tenant_id AND mt.id = t.merged_into_id"
/* Column numbers of the show query past TICKET_COLS. */
enum { SHOW_CLOSED = 12, SHOW_LINKED, SHOW_MERGED_INTO };
#define MESSAGE_KINDS "isssssjjjttsssssss"
/* Column numbers of the message query that the text output uses. */
enum { MSG_MATCH = 14, MSG_MATCH_DETAIL, MSG_DEFECTS, MSG_BODY };
#define EVENT_KINDS "tsss"
#define ATTACHMENT_KINDS "isssbis"

/* Checks --status against the schema's list. */
static bool status_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if (strcmp(s, statuses[i]) == 0)
			return true;
	}
	return false;
}

/* Checks --folder and its companions before anything is read. */
static int folder_check(const struct ctl_args *a)
{
	const char *folder = ctl_opt_get(a, "folder");
	bool known = folder == NULL;

	for (size_t i = 0; !known && i < sizeof(folders) / sizeof(folders[0]); i++)
		known = strcmp(folder, folders[i]) == 0;
	if (!known)
		return ctl_usage_error(a, "unknown folder \"%s\" (open, snoozed, closed, unassigned, mine)", folder);
	if (folder != NULL && ctl_opt_get(a, "status") != NULL)
		return ctl_usage_error(a, "--folder and --status exclude each other");
	if (folder != NULL && strcmp(folder, "mine") == 0 && ctl_opt_get(a, "agent") == NULL)
		return ctl_usage_error(a, "--folder mine needs --agent EMAIL");
	return 0;
}

/* "ticket list [--tenant T] [--team T] [--status S | --folder F] [--agent EMAIL]". */
int ctl_ticket_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team"), *status = ctl_opt_get(a, "status");
	const char *agent = ctl_opt_get(a, "agent");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *agent_id = NULL, *error = NULL;
	struct db_table *t;
	int ret = folder_check(a);

	if (ret != 0)
		return ret;
	if (status != NULL && !status_valid(status))
		return ctl_usage_error(
			a, "unknown status \"%s\" (open, pending, snoozed, solved, closed, merged)", status);
	if (ctl_opt_get(a, "tenant") != NULL || team != NULL || agent != NULL)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0 && agent != NULL && ctl_work_agent_find(ctl, tenant_id, agent, &agent_id, NULL) != 1)
		ret = CTL_EXIT_FAIL;
	const char *params[5] = { tenant_id, team_id, status, ctl_opt_get(a, "folder"), agent };
	if (ret == 0 && db_exec(ctl->db,
				"SELECT " LIST_COLS LIST_FROM
				" WHERE ($1::bigint IS NULL OR t.tenant_id = $1)"
				" AND ($2::bigint IS NULL OR t.team_id = $2)"
				" AND ($3::text IS NULL AND t.status <> 'merged' OR t.status = $3)" FOLDER_WHERE
				" ORDER BY t.priority DESC, t.created_at, t.number",
				5, params, &t, &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0) {
		ctl_output_rows(ctl, t, LIST_KINDS);
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	free(agent_id);
	return ret;
}

/* "Name <addr>, ..." from a jsonb address list. */
static char *addresses_text(const char *json)
{
	json_t *arr = json != NULL ? json_loads(json, 0, NULL) : NULL;
	struct buf b;
	size_t i;
	json_t *o;

	buf_init(&b, 0);
	json_array_foreach (arr, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *addr = json_string_value(json_object_get(o, "addr"));

		buf_printf(&b, "%s", i > 0 ? ", " : "");
		if (name != NULL && name[0] != '\0')
			buf_printf(&b, "\"%s\" <%s>", name, addr != NULL ? addr : "");
		else
			buf_printf(&b, "%s", addr != NULL ? addr : "");
	}
	json_decref(arr);
	return buf_steal(&b, NULL);
}

/* Prints "Label: value" with value made terminal-safe; NULL/"" as dflt. */
static void field_print(const char *label, const char *value, const char *dflt)
{
	char *s;

	if (value == NULL || value[0] == '\0') {
		if (dflt != NULL)
			printf("%-12s %s\n", label, dflt);
		return;
	}
	s = ctl_output_sanitize(value, false);
	printf("%-12s %s\n", label, s);
	free(s);
}

/* "Name <addr>" of a person, or just the address. */
static void person_print(const char *label, const char *name, const char *addr)
{
	char *s = name != NULL && name[0] != '\0' ? xasprintf("\"%s\" <%s>", name, addr != NULL ? addr : "")
						  : xstrdup(addr != NULL ? addr : "");

	field_print(label, s, "-");
	free(s);
}

/* What "ticket show" reads: the ticket, its messages, their attachments,
 * the participants and the events. */
struct show {
	struct db_table *t, *msg, *att, *part, *ev;
};

/* Closed / linked / merged lines appear only when they say something. */
static void ticket_links_print(const struct db_table *t)
{
	char tb[32];
	const char *closed = db_table_get(t, 0, SHOW_CLOSED);

	if (closed != NULL)
		field_print("Closed:", ctl_output_time(closed, tb, sizeof(tb)), NULL);
	field_print("Linked:", db_table_get(t, 0, SHOW_LINKED), NULL);
	field_print("Merged into:", db_table_get(t, 0, SHOW_MERGED_INTO), NULL);
}

/* The participants as one comma-separated line. */
static void participants_print(const struct db_table *part)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (size_t r = 0; r < part->n_rows; r++)
		buf_printf(&b, "%s%s", r > 0 ? ", " : "", db_table_get(part, r, 0));
	s = buf_steal(&b, NULL);
	field_print("Participants:", s, "-");
	free(s);
}

/* The ticket header block of "ticket show". */
static void ticket_print(const struct show *s)
{
	const struct db_table *t = s->t;
	char tb[32], *subject = ctl_output_sanitize(db_table_get(t, 0, 11), false);

	printf("Ticket %s: %s\n", db_table_get(t, 0, 0), subject);
	free(subject);
	field_print("Tenant:", db_table_get(t, 0, 1), "-");
	field_print("Team:", db_table_get(t, 0, 2), "-");
	field_print("Status:", db_table_get(t, 0, 3), "-");
	field_print("Priority:", db_table_get(t, 0, 4), "-");
	person_print("Requester:", db_table_get(t, 0, 6), db_table_get(t, 0, 5));
	participants_print(s->part);
	field_print("Assignee:", db_table_get(t, 0, 7), "-");
	field_print("Messages:", db_table_get(t, 0, 8), "0");
	field_print("Created:", ctl_output_time(db_table_get(t, 0, 9), tb, sizeof(tb)), "-");
	field_print("Activity:", ctl_output_time(db_table_get(t, 0, 10), tb, sizeof(tb)), "-");
	ticket_links_print(t);
}

/* The "Events" section: one line per event, oldest first. */
static void events_print(const struct db_table *ev)
{
	printf("\nEvents:\n");
	if (ev->n_rows == 0)
		printf("  none\n");
	for (size_t r = 0; r < ev->n_rows; r++) {
		char tb[32], *actor = ctl_output_sanitize(db_table_get(ev, r, 2), false);
		char *detail = ctl_output_sanitize(db_table_get(ev, r, 3), false);

		printf("  %s  %-9s %s%s%s\n", ctl_output_time(db_table_get(ev, r, 0), tb, sizeof(tb)),
		       db_table_get(ev, r, 1), actor, detail[0] != '\0' ? "  " : "", detail);
		free(actor);
		free(detail);
	}
}

/* The attachment lines of one message. */
static void attachments_print(const struct db_table *att, const char *message_id)
{
	bool any = false;

	for (size_t r = 0; r < att->n_rows; r++) {
		char *name;

		if (strcmp(db_table_get(att, r, 0), message_id) != 0)
			continue;
		if (!any)
			printf("Attachments:\n");
		any = true;
		name = ctl_output_sanitize(db_table_get(att, r, 1), false);
		printf("  %s  %s%s  %s bytes  sha256 %s\n", name[0] != '\0' ? name : "(unnamed)",
		       db_table_get(att, r, 2), db_table_get(att, r, 4)[0] == 't' ? " inline" : "",
		       db_table_get(att, r, 5), db_table_get(att, r, 6));
		free(name);
	}
}

/* "references (In-Reply-To matches ...)": the reason and its evidence. */
static void match_print(const struct db_table *msg, size_t r)
{
	const char *reason = db_table_get(msg, r, MSG_MATCH), *detail = db_table_get(msg, r, MSG_MATCH_DETAIL);
	char *s;

	if (detail == NULL || detail[0] == '\0') {
		field_print("Match:", reason, "-");
		return;
	}
	s = xasprintf("%s (%s)", reason, detail);
	field_print("Match:", s, "-");
	free(s);
}

/* One message of "ticket show": headers, attachments, text body. */
static void message_print(const struct db_table *msg, size_t r, const struct db_table *att)
{
	char tb[32], *to = addresses_text(db_table_get(msg, r, 6));
	char *cc = addresses_text(db_table_get(msg, r, 7)), *body;
	const char *date = db_table_get(msg, r, 9), *text = db_table_get(msg, r, MSG_BODY);

	printf("\n=== Message %zu of %zu (%s) ===\n", r + 1, msg->n_rows,
	       strcmp(db_table_get(msg, r, 1), "in") == 0 ? "in" : "out");
	person_print("From:", db_table_get(msg, r, 2), db_table_get(msg, r, 3));
	field_print("Envelope:", db_table_get(msg, r, 4), "<>");
	field_print("Rcpt:", db_table_get(msg, r, 5), NULL);
	field_print("To:", to, "-");
	field_print("Cc:", cc, NULL);
	field_print("Date:", date != NULL ? ctl_output_time(date, tb, sizeof(tb)) : NULL, "-");
	field_print("Received:", ctl_output_time(db_table_get(msg, r, 10), tb, sizeof(tb)), "-");
	field_print("Subject:", db_table_get(msg, r, 11), "");
	field_print("Message-ID:", db_table_get(msg, r, 12), NULL);
	match_print(msg, r);
	field_print("Defects:", db_table_get(msg, r, MSG_DEFECTS), "none");
	attachments_print(att, db_table_get(msg, r, 0));
	body = ctl_output_sanitize(text != NULL ? text : "", true);
	printf("\n%s%s", body, body[0] != '\0' && body[strlen(body) - 1] != '\n' ? "\n" : "");
	free(body);
	free(to);
	free(cc);
}

/* The messages as JSON, each with its attachments. */
static json_t *messages_json(const struct db_table *msg, const struct db_table *att)
{
	json_t *messages = json_array();

	for (size_t r = 0; r < msg->n_rows; r++) {
		json_t *m = ctl_output_row_json(msg, r, MESSAGE_KINDS), *list = json_array();

		for (size_t i = 0; i < att->n_rows; i++) {
			if (strcmp(db_table_get(att, i, 0), db_table_get(msg, r, 0)) == 0)
				json_array_append_new(list, ctl_output_row_json(att, i, ATTACHMENT_KINDS));
		}
		json_object_set_new(m, "attachments", list);
		json_array_append_new(messages, m);
	}
	return messages;
}

/* "ticket show N --json": the ticket object with its participants (a list
 * of addresses), events and messages; the list replaces the "messages"
 * count of ticket list. */
static void show_json(const struct show *s)
{
	json_t *ticket = ctl_output_row_json(s->t, 0, SHOW_KINDS), *part = json_array();
	json_t *events = json_array();

	for (size_t r = 0; r < s->part->n_rows; r++)
		json_array_append_new(part, json_string(db_table_get(s->part, r, 0)));
	for (size_t r = 0; r < s->ev->n_rows; r++)
		json_array_append_new(events, ctl_output_row_json(s->ev, r, EVENT_KINDS));
	json_object_set_new(ticket, "participants", part);
	json_object_set_new(ticket, "events", events);
	json_object_set_new(ticket, "messages", messages_json(s->msg, s->att));
	ctl_output_json_print(ticket);
}

/* The queries of "ticket show", all by ticket number ($1). */
#define BY_NUMBER(alias) " JOIN tickets t ON t.tenant_id = " alias ".tenant_id AND t.id = " alias ".ticket_id"
static const char *const show_sql[] = {
	"SELECT " SHOW_COLS SHOW_FROM " WHERE t.number = $1",
	"SELECT m.id, m.direction, m.from_name, m.from_addr, m.envelope_from, m.rcpt,"
	" m.to_json AS to, m.cc_json AS cc, m.reply_to_json AS reply_to,"
	" " CTL_TS("m.sent_at") " AS date, " CTL_TS("m.received_at") " AS received,"
	" m.subject, m.message_id, m.in_reply_to, m.match_reason, m.match_detail, m.defects,"
	" m.text_body FROM messages m" BY_NUMBER("m") " WHERE t.number = $1"
	" ORDER BY m.received_at, m.id",
	"SELECT a.message_id, a.filename, a.content_type, a.content_id, a.is_inline,"
	" a.size, a.sha256 FROM attachments a"
	" JOIN messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id" BY_NUMBER("m")
	" WHERE t.number = $1 ORDER BY a.message_id, a.id",
	"SELECT c.email FROM ticket_participants p" BY_NUMBER("p")
	" JOIN contacts c ON c.tenant_id = p.tenant_id AND c.id = p.contact_id"
	" WHERE t.number = $1 ORDER BY p.added_at, c.email",
	"SELECT " CTL_TS("e.at") " AS at, e.kind, e.actor, e.detail FROM ticket_events e" BY_NUMBER("e")
	" WHERE t.number = $1 ORDER BY e.at, e.id",
};

/* Runs the queries of "ticket show"; the caller frees s either way. */
static int show_query(struct ctl *ctl, const char *number, struct show *s)
{
	struct db_table **tables[] = { &s->t, &s->msg, &s->att, &s->part, &s->ev };
	const char *params[1] = { number };
	char *error = NULL;

	for (size_t i = 0; i < sizeof(show_sql) / sizeof(show_sql[0]); i++) {
		if (db_exec(ctl->db, show_sql[i], 1, params, tables[i], &error) < 0)
			return ctl_db_fail(error);
	}
	return 0;
}

/* "ticket show NUMBER". */
int ctl_ticket_show(struct ctl *ctl, const struct ctl_args *a)
{
	const char *number = a->pos[0];
	struct show s = { 0 };
	int ret;

	if (!ctl_number_valid(number))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", number);
	ret = show_query(ctl, number, &s);
	if (ret == 0 && s.t->n_rows == 0)
		ret = ctl_fail("ticket %s not found", number);
	if (ret == 0 && ctl->json) {
		show_json(&s);
	} else if (ret == 0) {
		ticket_print(&s);
		events_print(s.ev);
		for (size_t r = 0; r < s.msg->n_rows; r++)
			message_print(s.msg, r, s.att);
	}
	db_table_free(&s.t);
	db_table_free(&s.msg);
	db_table_free(&s.att);
	db_table_free(&s.part);
	db_table_free(&s.ev);
	return ret;
}
