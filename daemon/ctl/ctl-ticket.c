#include "config.h"
#include "ctl.h"
#include "ctl-find.h"
#include "ctl-work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-report-ticket.h"
#include "db/db-request.h"

static const char *const statuses[] = { "open", "pending", "snoozed", "solved", "closed", "merged", "draft" };

/* The kinds of each report's columns for ctl_output (lib/db/db-report-ticket.h). */
#define TICKET_KINDS "isssisssitts"
#define LIST_KINDS TICKET_KINDS "sts"
static const char *const folders[] = { "open", "snoozed", "closed", "unassigned", "mine", "drafts" };

#define SHOW_KINDS TICKET_KINDS "tiissss"
/* Column numbers of the show report past the list's first 12. */
enum { SHOW_CLOSED = 12, SHOW_LINKED, SHOW_MERGED_INTO, SHOW_ORDER, SHOW_SHIPMENT, SHOW_SKU, SHOW_HANDLED_BY };
#define MESSAGE_KINDS "isssssjjjttsssssss"
/* Column numbers of the message query that the text output uses. */
enum { MSG_MATCH = 14, MSG_MATCH_DETAIL, MSG_DEFECTS, MSG_BODY };
#define EVENT_KINDS "tsss"
#define ATTACHMENT_KINDS "isssbisi"

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
		return ctl_usage_error(a, "unknown folder \"%s\" (open, snoozed, closed, unassigned, mine, drafts)", folder);
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
	const char *agent = ctl_opt_get(a, "agent"), *brand = ctl_opt_get(a, "brand");
	int64_t brand_id = 0;
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *agent_id = NULL, *error = NULL;
	struct db_table *t;
	int ret;

	/* One customer's view lives in ctl-find.c. */
	if (ctl_opt_get(a, "requester") != NULL)
		return ctl_ticket_list_requester(ctl, a);
	if ((ret = folder_check(a)) != 0)
		return ret;
	if (status != NULL && !status_valid(status))
		return ctl_usage_error(
			a, "unknown status \"%s\" (open, pending, snoozed, solved, closed, merged, draft)", status);
	if (ctl_opt_get(a, "tenant") != NULL || team != NULL || agent != NULL || brand != NULL)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0 && agent != NULL && ctl_work_agent_find(ctl, tenant_id, agent, &agent_id, NULL) != 1)
		ret = CTL_EXIT_FAIL;
	if (ret == 0 && brand != NULL)
		ret = ctl_brand_find(ctl, tenant_id, brand, &brand_id);
	struct db_ticket_filter f = { ctl_id(tenant_id), ctl_id(team_id), status, ctl_opt_get(a, "folder"), agent,
				      ctl_opt_get(a, "order"), brand_id };
	if (ret == 0 && db_report_tickets(ctl->db, &f, &t, &error) < 0)
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
static void ticket_print(const struct db_ticket_report *s)
{
	const struct db_table *t = s->ticket;
	char tb[32], *subject = ctl_output_sanitize(db_table_get(t, 0, 11), false);

	printf("Ticket %s: %s\n", db_table_get(t, 0, 0), subject);
	free(subject);
	field_print("Tenant:", db_table_get(t, 0, 1), "-");
	field_print("Team:", db_table_get(t, 0, 2), "-");
	field_print("Status:", db_table_get(t, 0, 3), "-");
	field_print("Priority:", db_table_get(t, 0, 4), "-");
	person_print("Requester:", db_table_get(t, 0, 6), db_table_get(t, 0, 5));
	participants_print(s->participants);
	field_print("Assignee:", db_table_get(t, 0, 7), "-");
	field_print("Order:", db_table_get(t, 0, SHOW_ORDER), "-");
	field_print("Shipment:", db_table_get(t, 0, SHOW_SHIPMENT), NULL);
	field_print("SKU:", db_table_get(t, 0, SHOW_SKU), NULL);
	field_print("Handled by:", db_table_get(t, 0, SHOW_HANDLED_BY), NULL);
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
		printf("  %s  %s%s  %s bytes  sha256 %s  id %s\n", name[0] != '\0' ? name : "(unnamed)",
		       db_table_get(att, r, 2), db_table_get(att, r, 4)[0] == 't' ? " inline" : "",
		       db_table_get(att, r, 5), db_table_get(att, r, 6), db_table_get(att, r, 7));
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

	printf("\n=== Message %zu of %zu (%s, id %s) ===\n", r + 1, msg->n_rows,
	       strcmp(db_table_get(msg, r, 1), "in") == 0 ? "in" : "out", db_table_get(msg, r, 0));
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
static void show_json(const struct db_ticket_report *s, const struct db_table *request)
{
	json_t *ticket = ctl_output_row_json(s->ticket, 0, SHOW_KINDS), *part = json_array();
	json_t *events = json_array();

	for (size_t r = 0; r < s->participants->n_rows; r++)
		json_array_append_new(part, json_string(db_table_get(s->participants, r, 0)));
	for (size_t r = 0; r < s->events->n_rows; r++)
		json_array_append_new(events, ctl_output_row_json(s->events, r, EVENT_KINDS));
	/* Shipment and SKU only when set: most tickets have neither. */
	if (json_is_null(json_object_get(ticket, "shipment")))
		json_object_del(ticket, "shipment");
	if (json_is_null(json_object_get(ticket, "sku")))
		json_object_del(ticket, "sku");
	/* A brand's ticket its provider handles (issue 14) names it. */
	if (json_is_null(json_object_get(ticket, "handled_by")))
		json_object_del(ticket, "handled_by");
	json_object_set_new(ticket, "participants", part);
	json_object_set_new(ticket, "events", events);
	ctl_request_json_add(ticket, request);
	json_object_set_new(ticket, "messages", messages_json(s->messages, s->attachments));
	ctl_output_json_print(ticket);
}

/* "ticket show NUMBER". */
int ctl_ticket_show(struct ctl *ctl, const struct ctl_args *a)
{
	const char *number = a->pos[0];
	struct db_ticket_report s = { 0 };
	struct db_table *request = NULL;
	char *error = NULL;
	int ret = 0, found;

	if (!ctl_number_valid(number))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", number);
	if ((found = db_report_ticket(ctl->db, ctl_id(number), &s, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (found == 0)
		ret = ctl_fail("ticket %s not found", number);
	if (ret == 0 && db_report_request(ctl->db, ctl_id(number), &request, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0 && ctl->json) {
		show_json(&s, request);
	} else if (ret == 0) {
		ticket_print(&s);
		ctl_request_print(request);
		events_print(s.events);
		for (size_t r = 0; r < s.messages->n_rows; r++)
			message_print(s.messages, r, s.attachments);
	}
	db_table_free(&request);
	db_ticket_report_free(&s);
	return ret;
}
