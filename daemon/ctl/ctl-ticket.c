#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

static const char *const statuses[] = { "open", "pending", "snoozed", "solved", "closed" };

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
#define MESSAGE_KINDS "isssssjjjttssssss"
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

/* "ticket list [--tenant T] [--team T] [--status S]". */
int ctl_ticket_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team"), *status = ctl_opt_get(a, "status");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (status != NULL && !status_valid(status))
		return ctl_usage_error(a, "unknown status \"%s\" (open, pending, snoozed, solved, closed)",
				       status);
	if (ctl_opt_get(a, "tenant") != NULL || team != NULL)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	const char *params[3] = { tenant_id, team_id, status };
	if (ret == 0 && db_exec(ctl->db,
				"SELECT " TICKET_COLS TICKET_FROM
				" WHERE ($1::bigint IS NULL OR t.tenant_id = $1)"
				" AND ($2::bigint IS NULL OR t.team_id = $2)"
				" AND ($3::text IS NULL OR t.status = $3)"
				" ORDER BY t.priority DESC, t.created_at, t.number",
				3, params, &t, &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0) {
		ctl_output_rows(ctl, t, TICKET_KINDS);
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	free(team_id);
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

/* The ticket header block of "ticket show". */
static void ticket_print(const struct db_table *t)
{
	char tb[32], *subject = ctl_output_sanitize(db_table_get(t, 0, 11), false);

	printf("Ticket %s: %s\n", db_table_get(t, 0, 0), subject);
	free(subject);
	field_print("Tenant:", db_table_get(t, 0, 1), "-");
	field_print("Team:", db_table_get(t, 0, 2), "-");
	field_print("Status:", db_table_get(t, 0, 3), "-");
	field_print("Priority:", db_table_get(t, 0, 4), "-");
	person_print("Requester:", db_table_get(t, 0, 6), db_table_get(t, 0, 5));
	field_print("Assignee:", db_table_get(t, 0, 7), "-");
	field_print("Messages:", db_table_get(t, 0, 8), "0");
	field_print("Created:", ctl_output_time(db_table_get(t, 0, 9), tb, sizeof(tb)), "-");
	field_print("Activity:", ctl_output_time(db_table_get(t, 0, 10), tb, sizeof(tb)), "-");
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

/* One message of "ticket show": headers, attachments, text body. */
static void message_print(const struct db_table *msg, size_t r, const struct db_table *att)
{
	char tb[32], *to = addresses_text(db_table_get(msg, r, 6));
	char *cc = addresses_text(db_table_get(msg, r, 7)), *body;
	const char *date = db_table_get(msg, r, 9);

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
	field_print("Match:", db_table_get(msg, r, 14), "-");
	field_print("Defects:", db_table_get(msg, r, 15), "none");
	attachments_print(att, db_table_get(msg, r, 0));
	body = ctl_output_sanitize(db_table_get(msg, r, 16) != NULL ? db_table_get(msg, r, 16) : "", true);
	printf("\n%s%s", body, body[0] != '\0' && body[strlen(body) - 1] != '\n' ? "\n" : "");
	free(body);
	free(to);
	free(cc);
}

/* "ticket show N --json": the ticket object with its messages, each with
 * its attachments; the list replaces the "messages" count of ticket list. */
static void show_json(const struct db_table *t, const struct db_table *msg, const struct db_table *att)
{
	json_t *ticket = ctl_output_row_json(t, 0, TICKET_KINDS), *messages = json_array();

	for (size_t r = 0; r < msg->n_rows; r++) {
		json_t *m = ctl_output_row_json(msg, r, MESSAGE_KINDS), *list = json_array();

		for (size_t i = 0; i < att->n_rows; i++) {
			if (strcmp(db_table_get(att, i, 0), db_table_get(msg, r, 0)) == 0)
				json_array_append_new(list, ctl_output_row_json(att, i, ATTACHMENT_KINDS));
		}
		json_object_set_new(m, "attachments", list);
		json_array_append_new(messages, m);
	}
	json_object_set_new(ticket, "messages", messages);
	ctl_output_json_print(ticket);
}

/* Runs the three queries of "ticket show"; frees nothing on failure. */
static int show_query(struct ctl *ctl, const char *number, struct db_table **t_r,
		      struct db_table **msg_r, struct db_table **att_r)
{
	const char *params[1] = { number };
	char *error = NULL;

	*t_r = *msg_r = *att_r = NULL;
	if (db_exec(ctl->db, "SELECT " TICKET_COLS TICKET_FROM " WHERE t.number = $1", 1, params, t_r,
		    &error) < 0 ||
	    db_exec(ctl->db,
		    "SELECT m.id, m.direction, m.from_name, m.from_addr, m.envelope_from, m.rcpt,"
		    " m.to_json AS to, m.cc_json AS cc, m.reply_to_json AS reply_to,"
		    " " CTL_TS("m.sent_at") " AS date, " CTL_TS("m.received_at") " AS received,"
		    " m.subject, m.message_id, m.in_reply_to, m.match_reason, m.defects, m.text_body"
		    " FROM messages m JOIN tickets t ON t.tenant_id = m.tenant_id AND t.id = m.ticket_id"
		    " WHERE t.number = $1 ORDER BY m.received_at, m.id",
		    1, params, msg_r, &error) < 0 ||
	    db_exec(ctl->db,
		    "SELECT a.message_id, a.filename, a.content_type, a.content_id, a.is_inline,"
		    " a.size, a.sha256 FROM attachments a"
		    " JOIN messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id"
		    " JOIN tickets t ON t.tenant_id = m.tenant_id AND t.id = m.ticket_id"
		    " WHERE t.number = $1 ORDER BY a.message_id, a.id",
		    1, params, att_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* "ticket show NUMBER". */
int ctl_ticket_show(struct ctl *ctl, const struct ctl_args *a)
{
	const char *number = a->pos[0];
	struct db_table *t, *msg, *att;
	int ret;

	if (number[0] == '\0' || strspn(number, "0123456789") != strlen(number) || strlen(number) > 18)
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", number);
	ret = show_query(ctl, number, &t, &msg, &att);
	if (ret == 0 && t->n_rows == 0)
		ret = ctl_fail("ticket %s not found", number);
	if (ret == 0 && ctl->json) {
		show_json(t, msg, att);
	} else if (ret == 0) {
		ticket_print(t);
		for (size_t r = 0; r < msg->n_rows; r++)
			message_print(msg, r, att);
	}
	db_table_free(&t);
	db_table_free(&msg);
	db_table_free(&att);
	return ret;
}
