/* "maildeskctl webhook ...": a tenant's webhooks out (issue 13), their
 * secrets and their deliveries. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-webhook.h"

/* The longest URL taken (what any receiver and log line can cope with). */
#define URL_MAX 2048
/* A rotation's overlap when --overlap is not given. */
#define OVERLAP_DEFAULT "24h"

static const char *const known_events[] = { "ticket.created", "message.received", "agent.replied",
					     "ticket.status_changed", "ticket.assigned" };

/* A webhook or delivery id argument: 1 to 18 digits. */
static int id_arg(const struct ctl_args *a, const char *what, int64_t *id_r)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "%s id \"%s\" is not a number", what, a->pos[0]);
	*id_r = ctl_id(a->pos[0]);
	return 0;
}

/* A new secret from OpenSSL's generator. Contract in ctl.h. */
char *ctl_webhook_secret_make(void)
{
	unsigned char rnd[32];
	struct buf b;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort();
	buf_init(&b, 0);
	buf_printf(&b, "whsec_");
	for (size_t i = 0; i < sizeof(rnd); i++)
		buf_printf(&b, "%02x", rnd[i]);
	return buf_steal(&b, NULL);
}

/* One check of a receiver URL for webhook add and connection --webhook.
 * Contract in ctl.h. */
bool ctl_webhook_url_valid(const char *u)
{
	size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;

	if (skip == 0 || strlen(u) > URL_MAX || u[skip] == '\0' || u[skip] == '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	return true;
}

/* One list of the known events, so a connection's webhook wants them
 * all. Contract in ctl.h. */
char *ctl_webhook_events_all(void)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t k = 0; k < sizeof(known_events) / sizeof(known_events[0]); k++)
		buf_printf(&b, "%s%s", k > 0 ? "," : "{", known_events[k]);
	buf_append_str(&b, "}");
	return buf_steal(&b, NULL);
}

/* "a,b" into the PostgreSQL array literal "{a,b}" after checking every
 * name; *bad_r names the first unknown one. malloc'd, or NULL. */
static char *events_literal(const char *list, const char **bad_r)
{
	char *copy = xstrdup(list), *save = NULL;
	struct buf b;
	size_t n = 0;

	*bad_r = NULL;
	buf_init(&b, 0);
	buf_append_str(&b, "{");
	for (char *e = strtok_r(copy, ", ", &save); e != NULL; e = strtok_r(NULL, ", ", &save)) {
		size_t k;

		for (k = 0; k < sizeof(known_events) / sizeof(known_events[0]); k++)
			if (strcmp(e, known_events[k]) == 0)
				break;
		if (k == sizeof(known_events) / sizeof(known_events[0])) {
			*bad_r = list + (e - copy);
			break;
		}
		buf_printf(&b, "%s%s", n++ > 0 ? "," : "", e);
	}
	free(copy);
	buf_append_str(&b, "}");
	if (*bad_r != NULL || n == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* webhook add URL --tenant T --events E,...: prints the id and the secret,
 * which is shown this once. */
static int webhook_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *events = ctl_opt_get(a, "events"), *bad = NULL;
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL, *literal, *secret;
	int64_t id = 0;
	int ret;

	if (!ctl_webhook_url_valid(a->pos[0]))
		return ctl_usage_error(a, "URL \"%s\" must be http:// or https:// with a host, without blanks", a->pos[0]);
	if (events == NULL)
		return ctl_usage_error(a, "--events is required (ticket.created, message.received, agent.replied,"
					  " ticket.status_changed, ticket.assigned)");
	if ((literal = events_literal(events, &bad)) == NULL)
		return ctl_usage_error(a, "unknown event in --events: \"%s\"", bad != NULL ? bad : events);
	if ((ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) == 0) {
		secret = ctl_webhook_secret_make();
		if (db_webhook_add(ctl->db, ctl_id(tenant_id), a->pos[0], literal, secret, &id, &error) < 0) {
			ret = ctl_db_fail(error);
		} else if (ctl->json) {
			ctl_output_json_print(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "tenant", tenant_name,
							"secret", secret));
		} else {
			printf("webhook %" PRId64 " added (tenant %s)\nsecret: %s\n", id, tenant_name, secret);
			printf("(shown this once: keep it where the receiver verifies signatures)\n");
		}
		free(secret);
	}
	free(literal);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

static int webhook_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t = NULL;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_webhook_list(ctl->db, ctl_id(tenant_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	else
		ctl_output_rows(ctl, t, DB_WEBHOOK_LIST_KINDS);
	db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* One webhook, "name: value" lines (or a JSON object); never the secret. */
static int webhook_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t = NULL;
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = id_arg(a, "webhook", &id)) != 0)
		return ret;
	if ((found = db_webhook_show(ctl->db, id, &t, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("webhook %s not found", a->pos[0]);
	if (ctl->json) {
		ctl_output_json_print(ctl_output_row_json(t, 0, DB_WEBHOOK_LIST_KINDS));
	} else {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *v = db_table_get(t, 0, c);

			printf("%s: %s\n", t->col_names[c], v != NULL ? v : "");
		}
	}
	db_table_free(&t);
	return 0;
}

static int webhook_remove(struct ctl *ctl, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = id_arg(a, "webhook", &id)) != 0)
		return ret;
	if ((found = db_webhook_remove(ctl->db, id, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("webhook %s not found", a->pos[0]);
	printf("webhook %s removed (with its deliveries)\n", a->pos[0]);
	return 0;
}

/* webhook rotate ID [--overlap D]: a new secret; both sign until the
 * overlap ends. */
static int webhook_rotate(struct ctl *ctl, const struct ctl_args *a)
{
	const char *overlap = ctl_opt_get(a, "overlap");
	char *error = NULL, *secret;
	unsigned overlap_s = 0;
	int64_t id = 0;
	int ret, found;

	if ((ret = id_arg(a, "webhook", &id)) != 0)
		return ret;
	if (config_duration_parse(overlap != NULL ? overlap : OVERLAP_DEFAULT, &overlap_s) < 0 ||
	    overlap_s > 30 * 86400)
		return ctl_usage_error(a, "--overlap \"%s\" is no duration up to 30d (90, 30s, 10m, 24h, 7d)", overlap);
	secret = ctl_webhook_secret_make();
	if ((found = db_webhook_rotate(ctl->db, id, secret, overlap_s, &error)) < 0) {
		free(secret);
		return ctl_db_fail(error);
	}
	if (found == 0) {
		free(secret);
		return ctl_fail("webhook %s not found", a->pos[0]);
	}
	if (ctl->json)
		ctl_output_json_print(json_pack("{s:I, s:s, s:I}", "id", (json_int_t)id, "secret", secret,
						"overlap_seconds", (json_int_t)overlap_s));
	else
		printf("webhook %s: new secret: %s\n(the old one signs too for %u s)\n", a->pos[0], secret, overlap_s);
	free(secret);
	return 0;
}

/* webhook deliveries ID [--status S] [--limit N] */
static int webhook_deliveries(struct ctl *ctl, const struct ctl_args *a)
{
	const char *status = ctl_opt_get(a, "status"), *limit = ctl_opt_get(a, "limit");
	struct db_table *t = NULL;
	char *error = NULL, *end = NULL;
	unsigned long n = 50;
	int64_t id = 0;
	int ret;

	if ((ret = id_arg(a, "webhook", &id)) != 0)
		return ret;
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "delivered") != 0 &&
	    strcmp(status, "failed") != 0)
		return ctl_usage_error(a, "--status must be pending, delivered or failed");
	if (limit != NULL && ((n = strtoul(limit, &end, 10)) == 0 || *end != '\0' || n > 100000))
		return ctl_usage_error(a, "--limit must be a number from 1 to 100000");
	if (db_webhook_deliveries(ctl->db, id, status, (unsigned)n, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, DB_WEBHOOK_DELIVERY_KINDS);
	db_table_free(&t);
	return 0;
}

static int webhook_retry(struct ctl *ctl, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id = 0;
	int ret, found;

	if ((ret = id_arg(a, "delivery", &id)) != 0)
		return ret;
	if ((found = db_webhook_retry(ctl->db, id, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("delivery %s not found or already delivered (use webhook replay to send it again)",
				a->pos[0]);
	printf("delivery %s due now\n", a->pos[0]);
	return 0;
}

static int webhook_replay(struct ctl *ctl, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id = 0, new_id = 0;
	int ret, found;

	if ((ret = id_arg(a, "delivery", &id)) != 0)
		return ret;
	if ((found = db_webhook_replay(ctl->db, id, &new_id, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("delivery %s not found", a->pos[0]);
	printf("delivery %s replayed as delivery %" PRId64 "\n", a->pos[0], new_id);
	return 0;
}

const struct ctl_command ctl_webhook_commands[] = {
	{ "webhook add",
	  "URL --events ticket.created,message.received,agent.replied,ticket.status_changed,ticket.assigned"
	  " [--tenant T] [--json]",
	  "send a tenant's events to URL, signed (prints the id and the secret, once)", 1, 1, "tenant= events= json",
	  webhook_add },
	{ "webhook list", "[--tenant T] [--json]", "list webhooks with their pending, failed and delivered counts", 0,
	  0, "tenant= json", webhook_list },
	{ "webhook show", "ID [--json]", "show a webhook (never its secret)", 1, 1, "json", webhook_show },
	{ "webhook remove", "ID", "stop sending to a webhook and forget its deliveries", 1, 1, "", webhook_remove },
	{ "webhook rotate", "ID [--overlap 24h] [--json]",
	  "a new secret; the old one still signs (a second v1=) until the overlap ends", 1, 1, "overlap= json",
	  webhook_rotate },
	{ "webhook deliveries", "ID [--status pending|delivered|failed] [--limit N] [--json]",
	  "a webhook's deliveries, newest first: attempts, last answer, next attempt", 1, 1, "status= limit= json",
	  webhook_deliveries },
	{ "webhook retry", "DELIVERY", "try a failed or waiting delivery now (its lifetime counts anew)", 1, 1, "",
	  webhook_retry },
	{ "webhook replay", "DELIVERY", "send a delivery's event again (same event id), as a new delivery", 1, 1, "",
	  webhook_replay },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
