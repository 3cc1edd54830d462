/* maildeskctl: the lifecycle and finding things (issue 12). "ticket
 * solve", "ticket search", "contact show", and the requester's view and
 * settings the core commands hand over (ctl-find.h). Everything goes
 * through lib/db (db-find.h) and lib/desk (desk_ticket_solve). */
#include "config.h"
#include "ctl-find.h"
#include "ctl-work.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-find.h"
#include "desk/desk.h"
#include "rules/rules.h"

#define SEARCH_TEXT_MAX 1000 /* bytes of search text */
#define SEARCH_LIMIT_DEFAULT 20
#define SEARCH_LIMIT_MAX 1000
#define SEARCH_OFFSET_MAX 1000000

/* ctl_change_run() callback of "ticket solve": lib/desk solves and runs
 * the ticket.solved rules in this one transaction. */
static int solve_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_work w;
	struct ctl_desk d;
	char *detail = NULL, *error = NULL;
	int ret = ctl_work_begin(ctl, a, &w);

	if (ret == 0 && strcmp(w.t.status, "solved") == 0)
		ret = ctl_fail("ticket %s is already solved", w.t.number);
	if (ret == 0 && (ret = ctl_work_desk_load(ctl, &d)) == 0) {
		detail = xasprintf("status was %s", w.t.status);
		if (desk_ticket_solve(ctl->db, &d.s, w.tenant_id, w.ticket_id, w.actor, detail, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		ctl_desk_free(&d);
	}
	if (ret == 0)
		*done_r = xasprintf("ticket %s solved", w.t.number);
	free(detail);
	free(error);
	ctl_work_end(&w);
	return ret;
}

/* "ticket solve NUMBER [--by AGENT]". */
static int ticket_solve(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	return ctl_change_run(ctl, a, solve_change);
}

/* A non-negative whole number of at most max, or -1. */
static long long count_parse(const char *s, long long max)
{
	size_t n = s != NULL ? strlen(s) : 0;
	long long v;

	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return -1;
	v = strtoll(s, NULL, 10);
	return v <= max ? v : -1;
}

/* The positionals as one text: "ticket search pedido roto". */
static char *words_join(const struct ctl_args *a)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < a->n_pos; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", a->pos[i]);
	return buf_steal(&b, NULL);
}

/* Runs the search of q and prints it. */
static int search_print(struct ctl *ctl, struct db_search *q)
{
	struct db_table *t = NULL;
	char *error = NULL;

	if (db_find_search(ctl->db, q, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, "issssttsj");
	db_table_free(&t);
	return 0;
}

/* "ticket search TEXT... [--tenant T] [--limit N] [--offset N] [--json]". */
static int ticket_search(struct ctl *ctl, const struct ctl_args *a)
{
	long long limit = ctl_opt_get(a, "limit") != NULL ? count_parse(ctl_opt_get(a, "limit"), SEARCH_LIMIT_MAX)
							   : SEARCH_LIMIT_DEFAULT;
	long long offset = ctl_opt_get(a, "offset") != NULL ? count_parse(ctl_opt_get(a, "offset"), SEARCH_OFFSET_MAX) : 0;
	char *text = words_join(a), *tenant_id = NULL, *tenant_name = NULL;
	int ret = 0;

	if (limit < 1)
		ret = ctl_usage_error(a, "--limit takes a number from 1 to %d", SEARCH_LIMIT_MAX);
	else if (offset < 0)
		ret = ctl_usage_error(a, "--offset takes a number from 0 to %d", SEARCH_OFFSET_MAX);
	else if (text[0] == '\0' || strlen(text) > SEARCH_TEXT_MAX)
		ret = ctl_usage_error(a, "the search text must be 1 to %d bytes", SEARCH_TEXT_MAX);
	if (ret == 0)
		ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0) {
		struct db_search q = { .tenant_id = ctl_id(tenant_id), .text = text,
				       .number = ctl_number_valid(text) ? strtoll(text, NULL, 10) : 0,
				       .limit = (unsigned)limit, .offset = (unsigned)offset };

		ret = search_print(ctl, &q);
	}
	free(text);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "contact show" as JSON: the contact's row with its tickets and orders. */
static void contact_json(const struct db_contact_report *r)
{
	json_t *o = ctl_output_row_json(r->contact, 0, "sstt"), *tickets = json_array(), *orders = json_array();

	for (size_t i = 0; i < r->tickets->n_rows; i++)
		json_array_append_new(tickets, ctl_output_row_json(r->tickets, i, "isssst"));
	for (size_t i = 0; i < r->orders->n_rows; i++)
		json_array_append_new(orders, ctl_output_row_json(r->orders, i, "sit"));
	json_object_set_new(o, "tickets", tickets);
	json_object_set_new(o, "orders", orders);
	ctl_output_json_print(o);
}

/* "contact show" as text: a few lines, then two tables. */
static void contact_text(const struct ctl *ctl, const struct db_contact_report *r, const char *tenant)
{
	const char *name = db_table_get(r->contact, 0, 1), *last = db_table_get(r->contact, 0, 3);
	char *safe = ctl_output_sanitize(name != NULL ? name : "", false), when[32];

	printf("Contact: %s%s%s%s\n", db_table_get(r->contact, 0, 0), safe[0] ? " (" : "", safe, safe[0] ? ")" : "");
	printf("Tenant: %s\n", tenant);
	printf("Last activity: %s\n", last != NULL ? ctl_output_time(last, when, sizeof(when)) : "-");
	printf("\nTickets (%zu):\n", r->tickets->n_rows);
	ctl_output_rows(ctl, r->tickets, "isssst");
	printf("\nOrders (%zu):\n", r->orders->n_rows);
	ctl_output_rows(ctl, r->orders, "sit");
	free(safe);
}

/* "contact show ADDR [--tenant T] [--json]". */
static int contact_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_contact_report r = { 0 };
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	int ret = 0, found;

	if (!ctl_address_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[0]);
	if ((ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	found = db_find_contact(ctl->db, ctl_id(tenant_id), a->pos[0], &r, &error);
	if (found < 0)
		ret = ctl_db_fail(error);
	else if (found == 0)
		ret = ctl_fail("no contact %s in tenant \"%s\"", a->pos[0], tenant_name);
	else if (ctl->json)
		contact_json(&r);
	else
		contact_text(ctl, &r, tenant_name);
	db_contact_report_free(&r);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* The requester's statuses, as --status names them. */
static bool requester_state_valid(const char *s)
{
	return strcmp(s, "open") == 0 || strcmp(s, "awaiting") == 0 || strcmp(s, "solved") == 0;
}

/* Contract in ctl-find.h. */
int ctl_ticket_list_requester(struct ctl *ctl, const struct ctl_args *a)
{
	const char *addr = ctl_opt_get(a, "requester"), *state = ctl_opt_get(a, "status");
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret;

	if (ctl_opt_get(a, "team") != NULL || ctl_opt_get(a, "folder") != NULL || ctl_opt_get(a, "agent") != NULL ||
	    ctl_opt_get(a, "order") != NULL)
		return ctl_usage_error(a, "--requester lists one customer's tickets: it takes only --tenant, --status"
					  " and --json");
	if (!ctl_address_valid(addr))
		return ctl_usage_error(a, "invalid address \"%s\"", addr);
	if (state != NULL && !requester_state_valid(state))
		return ctl_usage_error(a, "unknown status \"%s\" with --requester (open, awaiting, solved)", state);
	if ((ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	struct db_requester_filter f = { ctl_id(tenant_id), addr, state, 0, 0 };
	if (db_find_requester_tickets(ctl->db, &f, &t, &error) < 0) {
		ret = ctl_db_fail(error);
	} else {
		ctl_output_rows(ctl, t, "isssstt");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* ctl_change_run() callback of "tenant set --search-language". */
static int search_language_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *lang = ctl_opt_get(a, "search-language");
	char *error = NULL;
	int64_t tenant_id = 0, reindexed = 0;
	int found = db_admin_tenant_find(ctl->db, a->pos[0], &tenant_id, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("tenant \"%s\" not found", a->pos[0]);
	found = db_find_search_config_set(ctl->db, tenant_id, lang, &reindexed, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("no text search configuration \"%s\" in PostgreSQL (pg_ts_config: simple, english,"
				" spanish, german, ...)", lang);
	*done_r = xasprintf("tenant \"%s\": search language %s (%" PRId64 " message%s indexed again)", a->pos[0],
			    lang, reindexed, reindexed == 1 ? "" : "s");
	return 0;
}

/* Contract in ctl-find.h. */
int ctl_tenant_search_language(struct ctl *ctl, const struct ctl_args *a)
{
	const char *lang = ctl_opt_get(a, "search-language");
	size_t n = strlen(lang);

	if (n == 0 || n > 63 || strspn(lang, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return ctl_usage_error(a, "invalid --search-language \"%s\": a text search configuration such as"
					  " simple, english or spanish", lang);
	return ctl_change_run(ctl, a, search_language_change);
}

/* Contract in ctl-find.h. */
bool ctl_close_after_valid(const char *value)
{
	return strcmp(value, "off") == 0 || rules_duration_parse(value) > 0;
}

/* Contract in ctl-find.h. */
int ctl_team_close_after(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			 const char *team, const char *value)
{
	long long secs = strcmp(value, "off") == 0 ? 0 : rules_duration_parse(value);
	char *error = NULL;

	if (db_find_close_after_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), secs, &error) < 0)
		return ctl_db_fail(error);
	if (secs == 0)
		printf("team \"%s\" in tenant \"%s\": solved tickets stay solved (no close-after)\n", team, tenant_name);
	else
		printf("team \"%s\" in tenant \"%s\": solved tickets close after %s (%lld seconds)\n", team,
		       tenant_name, value, secs);
	return 0;
}

/* The commands of their own, after the core table (ctl.h). */
const struct ctl_command ctl_find_commands[] = {
	{ "ticket solve", "NUMBER [--by AGENT]",
	  "mark a ticket solved: its ticket.solved rules run, and it closes after the team's --close-after", 1, 1,
	  "by=", ticket_solve },
	{ "ticket search", "TEXT... [--tenant T] [--limit N] [--offset N] [--json]",
	  "find tickets: ticket number, order reference and requester address exactly, then words of subjects and"
	  " messages (the tenant's --search-language), best first; --limit (default 20) and --offset page",
	  1, 64, "tenant= limit= offset= json", ticket_search },
	{ "contact show", "ADDR [--tenant T] [--json]",
	  "a customer: their tickets (as requester or participant), their orders and their last activity", 1, 1,
	  "tenant= json", contact_show },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
