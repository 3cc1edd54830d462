/* "maildeskctl connection ...": providers and their brands (issue 14).
 * lib/desk does the changes and records them (desk-connection.h); this
 * file reads the arguments, resolves the tenants and prints. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-connection.h"
#include "db/db-webhook.h"
#include "desk/desk-connection.h"

/* A tenant's id by name: 0, or prints "tenant not found" and fails. */
static int tenant_id_of(struct ctl *ctl, const char *role, const char *name, int64_t *id_r)
{
	char *error = NULL;
	int found = db_admin_tenant_find(ctl->db, name, id_r, &error);

	if (found < 0)
		return ctl_db_fail(error);
	return found ? 0 : ctl_fail("%s tenant \"%s\" not found", role, name);
}

/* --provider and --brand when given (0 when not). */
static int pair_read(struct ctl *ctl, const struct ctl_args *a, int64_t *provider_r, int64_t *brand_r)
{
	const char *p = ctl_opt_get(a, "provider"), *b = ctl_opt_get(a, "brand");
	int ret = 0;

	*provider_r = *brand_r = 0;
	if (p != NULL)
		ret = tenant_id_of(ctl, "provider", p, provider_r);
	if (ret == 0 && b != NULL)
		ret = tenant_id_of(ctl, "brand", b, brand_r);
	return ret;
}

/* The connection a command names: ID, or --provider P --brand B. Locks it
 * when lock. Returns 0 with *c (free with db_connection_free), or fails. */
static int connection_find(struct ctl *ctl, const struct ctl_args *a, bool lock, struct db_connection *c)
{
	int64_t id = 0, provider = 0, brand = 0;
	char *error = NULL;
	int found, ret;

	if (a->n_pos == 1 && !ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "connection id \"%s\" is not a number", a->pos[0]);
	if ((a->n_pos == 1) == (ctl_opt_get(a, "provider") != NULL || ctl_opt_get(a, "brand") != NULL))
		return ctl_usage_error(a, "name the connection by ID or by --provider P --brand B");
	if (a->n_pos == 0 && (ctl_opt_get(a, "provider") == NULL || ctl_opt_get(a, "brand") == NULL))
		return ctl_usage_error(a, "give both --provider and --brand");
	if (a->n_pos == 1)
		id = ctl_id(a->pos[0]);
	else if ((ret = pair_read(ctl, a, &provider, &brand)) != 0)
		return ret;
	found = db_connection_get(ctl->db, id, brand, provider, lock, c, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return a->n_pos == 1 ? ctl_fail("connection %s not found", a->pos[0])
				     : ctl_fail("no connection of brand \"%s\" to provider \"%s\"",
						ctl_opt_get(a, "brand"), ctl_opt_get(a, "provider"));
	return 0;
}

/* The optional fields of add and set into f; "" clears on set. Returns 0
 * or the usage error's code. */
static int fields_read(const struct ctl_args *a, bool set, struct db_connection_fields *f)
{
	const char *owner = ctl_opt_get(a, "support-owner"), *orders = ctl_opt_get(a, "monthly-orders");

	memset(f, 0, sizeof(*f));
	f->monthly_orders = set ? -2 : -1;
	f->support_owner = owner;
	f->contact = ctl_opt_get(a, "contact");
	f->warehouse = ctl_opt_get(a, "warehouse");
	f->webhook_url = ctl_opt_get(a, "webhook");
	if (owner != NULL && strcmp(owner, "brand") != 0 && strcmp(owner, "provider") != 0)
		return ctl_usage_error(a, "--support-owner is brand or provider");
	if (f->contact != NULL && !(set && f->contact[0] == '\0') && !ctl_address_valid(f->contact))
		return ctl_usage_error(a, "--contact \"%s\" is not an address", f->contact);
	if (f->warehouse != NULL && !(set && f->warehouse[0] == '\0') && !ctl_name_valid(f->warehouse))
		return ctl_usage_error(a, "--warehouse is printable text of at most 200 bytes");
	if (f->webhook_url != NULL && !(set && f->webhook_url[0] == '\0') && !ctl_webhook_url_valid(f->webhook_url))
		return ctl_usage_error(a, "--webhook must be an http:// or https:// URL with a host, without blanks");
	if (orders != NULL && set && orders[0] == '\0')
		f->monthly_orders = -1;
	else if (orders != NULL) {
		if (!ctl_number_valid(orders) || strlen(orders) > 9)
			return ctl_usage_error(a, "--monthly-orders is a number (0-999999999)");
		f->monthly_orders = ctl_id(orders);
	}
	return 0;
}

/* --provider-team: a team of the provider into f. */
static int provider_team_read(struct ctl *ctl, const struct ctl_args *a, int64_t provider_id, const char *provider,
			      struct db_connection_fields *f)
{
	const char *team = ctl_opt_get(a, "provider-team");
	char *pid, *team_id = NULL;
	int ret;

	if (team == NULL)
		return 0;
	pid = xasprintf("%" PRId64, provider_id);
	ret = ctl_team_find(ctl, pid, provider, team, &team_id);
	if (ret == 0)
		f->provider_team_id = ctl_id(team_id);
	free(team_id);
	free(pid);
	return ret;
}

/* --webhook URL made real (issue 13): the connection's webhook of the
 * brand's tenant, for every event, points at url (made with a new secret,
 * printed this once, when it had none); "" removes it. In the command's
 * transaction. *note_r: what to print after the command's line ("" when
 * url is NULL). 0 or fails. */
static int webhook_apply(struct ctl *ctl, int64_t brand_id, int64_t id, const char *url, char **note_r)
{
	char *error = NULL, *secret, *events;
	int64_t webhook_id = 0;
	bool created = false;
	int ret = 0;

	*note_r = NULL;
	if (url == NULL) {
		*note_r = xstrdup("");
		return 0;
	}
	if (url[0] == '\0') {
		if (db_webhook_connection_drop(ctl->db, brand_id, id, &error) < 0)
			return ctl_db_fail(error);
		*note_r = xstrdup("\nits webhook is removed (with its deliveries)");
		return 0;
	}
	secret = ctl_webhook_secret_make();
	events = ctl_webhook_events_all();
	if (db_webhook_connection_put(ctl->db, brand_id, id, url, events, secret, &webhook_id, &created, &error) < 0)
		ret = ctl_db_fail(error);
	else if (created)
		*note_r = xasprintf("\nwebhook %" PRId64 " added (every event of the brand)\nsecret: %s\n"
				    "(shown this once: keep it where the receiver verifies signatures)",
				    webhook_id, secret);
	else
		*note_r = xasprintf("\nwebhook %" PRId64 " now sends to the new URL (same secret)", webhook_id);
	free(events);
	free(secret);
	return ret;
}

/* ctl_change_run() callback of "connection add". */
static int add_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct db_connection_fields f;
	int64_t provider = 0, brand = 0, id = 0;
	char *error = NULL, *note = NULL;
	int ret = fields_read(a, false, &f);

	if (ret == 0 && f.support_owner == NULL)
		ret = ctl_usage_error(a, "--support-owner brand|provider is required");
	if (ret == 0 && (ctl_opt_get(a, "provider") == NULL || ctl_opt_get(a, "brand") == NULL))
		ret = ctl_usage_error(a, "--provider and --brand are required");
	if (ret == 0 && strcmp(f.support_owner, "provider") == 0 && ctl_opt_get(a, "provider-team") == NULL)
		ret = ctl_usage_error(a, "--support-owner provider needs --provider-team TEAM (who handles the tickets)");
	if (ret == 0)
		ret = pair_read(ctl, a, &provider, &brand);
	if (ret == 0)
		ret = provider_team_read(ctl, a, provider, ctl_opt_get(a, "provider"), &f);
	if (ret == 0 && desk_connection_add(ctl->db, brand, provider, &f, CTL_ACTOR, &id, &error) < 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		ret = webhook_apply(ctl, brand, id, f.webhook_url, &note);
	if (ret == 0)
		*done_r = xasprintf("connection %" PRId64 " added: provider \"%s\", brand \"%s\", support owner %s%s",
				    id, ctl_opt_get(a, "provider"), ctl_opt_get(a, "brand"), f.support_owner, note);
	free(note);
	free(error);
	return ret;
}

/* "connection add --provider P --brand B --support-owner ..." */
static int connection_add(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, add_change);
}

/* "connection list [--provider P] [--brand B] [--json]". */
static int connection_list(struct ctl *ctl, const struct ctl_args *a)
{
	int64_t provider = 0, brand = 0;
	struct db_table *t = NULL;
	char *error = NULL;
	int ret = pair_read(ctl, a, &provider, &brand);

	if (ret == 0 && db_report_connections(ctl->db, provider, brand, &t, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ctl_output_rows(ctl, t, DB_CONNECTION_LIST_KINDS);
	db_table_free(&t);
	return ret;
}

/* The text of "connection show": one line per field, then the history. */
static void show_text(const struct db_table *t, const struct db_table *ev)
{
	char when[40];

	for (size_t c = 0; c < t->n_cols; c++) {
		const char *v = db_table_get(t, 0, c);
		char *s;

		if (v != NULL && DB_CONNECTION_LIST_KINDS[c] == 'b')
			v = v[0] == 't' ? "yes" : "no";
		s = ctl_output_sanitize(v != NULL ? v : "-", false);

		printf("%-15s %s\n", t->col_names[c], s);
		free(s);
	}
	printf("History:\n");
	for (size_t r = 0; r < ev->n_rows; r++) {
		char *d = ctl_output_sanitize(db_table_get(ev, r, 3), false);

		printf("  %s %s %s: %s\n", ctl_output_time(db_table_get(ev, r, 0), when, sizeof(when)),
		       db_table_get(ev, r, 1), db_table_get(ev, r, 2), d);
		free(d);
	}
}

/* "connection show ID | --provider P --brand B [--json]". */
static int connection_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_connection c;
	struct db_table *t = NULL, *ev = NULL;
	char *error = NULL;
	int ret = connection_find(ctl, a, false, &c);

	if (ret != 0)
		return ret;
	if (db_report_connections(ctl->db, c.provider_id, c.brand_id, &t, &error) < 0 ||
	    db_report_connection_events(ctl->db, c.brand_id, c.id, &ev, &error) < 0)
		ret = ctl_db_fail(error);
	else if (ctl->json) {
		json_t *o = ctl_output_row_json(t, 0, DB_CONNECTION_LIST_KINDS), *h = json_array();

		for (size_t r = 0; r < ev->n_rows; r++)
			json_array_append_new(h, ctl_output_row_json(ev, r, "tsss"));
		json_object_set_new(o, "history", h);
		ctl_output_json_print(o);
	} else
		show_text(t, ev);
	db_table_free(&t);
	db_table_free(&ev);
	db_connection_free(&c);
	return ret;
}

/* Whether set's options make sense together; 0 or the usage error. */
static int set_check(const struct ctl_args *a)
{
	const char *move = ctl_opt_get(a, "move-open");
	size_t changes = 0;

	if (move != NULL && strcmp(move, "yes") != 0 && strcmp(move, "no") != 0)
		return ctl_usage_error(a, "--move-open is yes or no");
	if ((ctl_opt_get(a, "support-owner") != NULL) != (move != NULL))
		return ctl_usage_error(a, "--support-owner goes with --move-open yes|no (move the open tickets "
					  "to the new owner, or leave them)");

	for (size_t i = 0; i < a->n_opts; i++)
		changes += strcmp(a->opts[i].name, "provider") != 0 && strcmp(a->opts[i].name, "brand") != 0;
	if (changes == 0)
		return ctl_usage_error(a, "nothing to change");
	return 0;
}

/* ctl_change_run() callback of "connection set". */
static int set_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct db_connection_fields f;
	struct db_connection c;
	const char *move = ctl_opt_get(a, "move-open");
	char *error = NULL, *note = NULL;
	int64_t moved = 0;
	int ret = fields_read(a, true, &f);

	if (ret != 0 || (ret = connection_find(ctl, a, true, &c)) != 0)
		return ret;
	ret = provider_team_read(ctl, a, c.provider_id, c.provider, &f);
	if (ret == 0 && f.support_owner != NULL && strcmp(f.support_owner, "provider") == 0 &&
	    f.provider_team_id == 0 && c.provider_team_id == 0)
		ret = ctl_usage_error(a, "--support-owner provider needs --provider-team TEAM (who handles the tickets)");
	if (ret == 0 && desk_connection_set(ctl->db, c.brand_id, c.id, &f, move != NULL && strcmp(move, "yes") == 0,
					    CTL_ACTOR, &moved, &error) < 0)
		ret = ctl_fail("%s", error);
	if (ret == 0)
		ret = webhook_apply(ctl, c.brand_id, c.id, f.webhook_url, &note);
	if (ret == 0 && move != NULL && strcmp(move, "yes") == 0)
		*done_r = xasprintf("connection %" PRId64 " changed; %" PRId64 " open tickets moved%s", c.id, moved,
				    note);
	else if (ret == 0)
		*done_r = xasprintf("connection %" PRId64 " changed%s", c.id, note);
	free(note);
	free(error);
	db_connection_free(&c);
	return ret;
}

/* "connection set ID | --provider P --brand B ..." */
static int connection_set(struct ctl *ctl, const struct ctl_args *a)
{
	int ret = set_check(a);

	return ret != 0 ? ret : ctl_change_run(ctl, a, set_change);
}

/* Disconnect or reconnect. */
static int activate_change(struct ctl *ctl, const struct ctl_args *a, bool active, char **done_r)
{
	struct db_connection c;
	char *error = NULL;
	int ret = connection_find(ctl, a, true, &c);

	if (ret != 0)
		return ret;
	if (desk_connection_activate(ctl->db, c.brand_id, c.id, active, CTL_ACTOR, &error) < 0)
		ret = ctl_fail("%s", error);
	else
		*done_r = xasprintf("connection %" PRId64 " (provider \"%s\", brand \"%s\") %s", c.id, c.provider,
				    c.brand, active ? "reconnected" : "disconnected");
	free(error);
	db_connection_free(&c);
	return ret;
}

/* ctl_change_run() callbacks of "connection disconnect" and "reconnect". */
static int disconnect_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	return activate_change(ctl, a, false, done_r);
}

static int reconnect_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	return activate_change(ctl, a, true, done_r);
}

/* "connection disconnect|reconnect ID | --provider P --brand B". */
static int connection_disconnect(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, disconnect_change);
}

static int connection_reconnect(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, reconnect_change);
}

#define FIELD_SYNOPSIS                                                                                    \
	"[--contact ADDR] [--warehouse W] [--monthly-orders N] [--webhook URL] [--provider-team TEAM]"
#define FIELD_OPTS "contact= warehouse= monthly-orders= webhook= provider-team="

/* The commands of this file, merged into maildeskctl's table (ctl.h). */
const struct ctl_command ctl_connection_commands[] = {
	{ "connection add", "--provider P --brand B --support-owner brand|provider " FIELD_SYNOPSIS,
	  "connect a brand tenant to a provider tenant (a 3PL); support owner provider needs --provider-team", 0, 0,
	  "provider= brand= support-owner= " FIELD_OPTS, connection_add },
	{ "connection list", "[--provider P] [--brand B] [--json]",
	  "list connections with their support owner and open tickets the provider handles", 0, 0,
	  "provider= brand= json", connection_list },
	{ "connection show", "ID | --provider P --brand B [--json]", "show a connection and its history", 0, 1,
	  "provider= brand= json", connection_show },
	{ "connection set",
	  "ID | --provider P --brand B [--support-owner brand|provider --move-open yes|no] " FIELD_SYNOPSIS,
	  "change a connection (\"\" clears a field); --move-open yes gives open tickets to the new owner", 0, 1,
	  "provider= brand= support-owner= move-open= " FIELD_OPTS, connection_set },
	{ "connection disconnect", "ID | --provider P --brand B",
	  "stop routing and webhooks of a connection at once (history stays; undo with reconnect)", 0, 1,
	  "provider= brand=", connection_disconnect },
	{ "connection reconnect", "ID | --provider P --brand B", "undo a disconnect", 0, 1, "provider= brand=",
	  connection_reconnect },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

/* Contract in ctl.h. */
int ctl_brand_find(struct ctl *ctl, const char *provider_id, const char *brand, int64_t *brand_id_r)
{
	struct db_connection c;
	char *error = NULL;
	int found, ret = tenant_id_of(ctl, "brand", brand, brand_id_r);

	if (ret != 0)
		return ret;
	found = db_connection_get(ctl->db, 0, *brand_id_r, ctl_id(provider_id), false, &c, &error);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("tenant \"%s\" is not a brand of this provider", brand);
	db_connection_free(&c);
	return 0;
}
