/* maildeskctl's privacy commands (issue 14): "contact erase", "retention
 * purge", the retention settings of "tenant set"; "contact export" is in
 * ctl-privacy-export.c. Everything goes through lib/db (db-privacy.h). */
#include "config.h"
#include "ctl-privacy.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-privacy.h"
#include "rules/rules.h"

/* The shortest retention: mail younger than an hour may still be on its
 * way to the agents (notifications carry attachments). */
#define RETENTION_MIN_S 3600

/* Contract in ctl-privacy.h. */
int ctl_privacy_target(struct ctl *ctl, const struct ctl_args *a, char **tenant_id_r, char **tenant_r)
{
	if (!ctl_address_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[0]);
	if (ctl_opt_get(a, "tenant") == NULL)
		return ctl_usage_error(a, "give --tenant: the tenant whose customer %s is", a->pos[0]);
	return ctl_tenant_resolve(ctl, a, NULL, tenant_id_r, tenant_r);
}

/* Without --confirm: what an erase would reach, and nothing changed. */
static int erase_preview(struct ctl *ctl, const char *addr, const char *tenant_id, const char *tenant)
{
	struct db_privacy_export e = { 0 };
	char *error = NULL;
	int found = db_privacy_export(ctl->db, ctl_id(tenant_id), addr, &e, &error), ret;

	if (found < 0)
		ret = ctl_db_fail(error);
	else if (found == 0)
		ret = ctl_fail("no contact %s in tenant \"%s\"", addr, tenant);
	else
		ret = ctl_fail("contact %s in tenant \"%s\" is on %zu tickets with %zu messages and got %zu outbound"
			       " mails; nothing changed: to erase it all, run again with --confirm %s",
			       addr, tenant, e.tickets->n_rows, e.messages->n_rows, e.outbound->n_rows, addr);
	db_privacy_export_free(&e);
	return ret;
}

/* "contact erase ADDR --tenant T [--confirm ADDR]". */
static int contact_erase(struct ctl *ctl, const struct ctl_args *a)
{
	const char *addr = a->pos[0], *confirm = ctl_opt_get(a, "confirm");
	struct db_privacy_erase_result r;
	char *tenant_id = NULL, *tenant = NULL, *error = NULL;
	int ret = ctl_privacy_target(ctl, a, &tenant_id, &tenant), found;

	if (ret != 0)
		return ret;
	if (confirm != NULL && strcasecmp(confirm, addr) != 0)
		ret = ctl_usage_error(a, "--confirm \"%s\" is not the address \"%s\"", confirm, addr);
	else if (confirm == NULL)
		ret = erase_preview(ctl, addr, tenant_id, tenant);
	else if ((found = db_privacy_erase(ctl->db, ctl_id(tenant_id), addr, CTL_ACTOR, &r, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (found == 0)
		ret = ctl_fail("no contact %s in tenant \"%s\"", addr, tenant);
	else if (found == 2)
		ret = ctl_fail("%s is an agent of tenant \"%s\": not erased (every answer the agent wrote would be"
			       " emptied)", addr, tenant);
	else
		printf("contact %s in tenant \"%s\" erased as %s (erasure %" PRId64 "): %" PRId64 " tickets kept"
		       " without their text, %" PRId64 " messages emptied, %" PRId64 " raw mails, %" PRId64
		       " attachment contents and %" PRId64 " outbound mails removed\n",
		       addr, tenant, r.placeholder, r.erasure_id, r.tickets, r.messages, r.raw_messages, r.blobs,
		       r.outbound);
	free(tenant_id);
	free(tenant);
	return ret;
}

/* "retention purge [--tenant T]": what maildeskd does hourly, now. */
static int retention_purge(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant = NULL, *error = NULL;
	unsigned raw = 0, blobs = 0;
	bool more;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant)) != 0)
		return ret;
	if (db_privacy_purge_batches(ctl->db, ctl_id(tenant_id), UINT_MAX, &raw, &blobs, &more, &error) < 0)
		ret = ctl_db_fail(error);
	else
		printf("%u raw mail%s and %u attachment content%s purged\n", raw, raw == 1 ? "" : "s", blobs,
		       blobs == 1 ? "" : "s");
	free(tenant_id);
	free(tenant);
	return ret;
}

/* Contract in ctl-privacy.h. */
bool ctl_privacy_tenant_opts(const struct ctl_args *a)
{
	return ctl_opt_get(a, "inbound-retention") != NULL || ctl_opt_get(a, "attachment-retention") != NULL;
}

/* An option's seconds: -1 absent, 0 "off", else the duration; -2 bad. */
static long long retention_parse(const struct ctl_args *a, const char *name)
{
	const char *v = ctl_opt_get(a, name);
	long long s;

	if (v == NULL)
		return -1;
	if (strcmp(v, "off") == 0)
		return 0;
	s = rules_duration_parse(v);
	return s >= RETENTION_MIN_S ? s : -2;
}

/* Prints one setting's outcome. */
static void retention_print(const char *tenant, const char *what, long long s, const char *value)
{
	if (s == 0)
		printf("tenant \"%s\": %s kept for ever (no %s retention)\n", tenant, what, what);
	else if (s > 0)
		printf("tenant \"%s\": %s purged after %s (%lld seconds)\n", tenant, what, value, s);
}

/* Contract in ctl-privacy.h. */
int ctl_privacy_tenant_set(struct ctl *ctl, const struct ctl_args *a)
{
	long long in = retention_parse(a, "inbound-retention"), att = retention_parse(a, "attachment-retention");
	int64_t tenant_id = 0;
	char *error = NULL;
	int found;

	if (in == -2 || att == -2)
		return ctl_usage_error(a, "--inbound-retention and --attachment-retention take a duration of at least"
					  " 1h (30d, 12w, ...) or off");
	if ((found = db_admin_tenant_find(ctl->db, a->pos[0], &tenant_id, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("tenant \"%s\" not found", a->pos[0]);
	if (db_privacy_retention_set(ctl->db, tenant_id, in, att, &error) < 0)
		return ctl_db_fail(error);
	retention_print(a->pos[0], "raw inbound mail", in, ctl_opt_get(a, "inbound-retention"));
	retention_print(a->pos[0], "attachment", att, ctl_opt_get(a, "attachment-retention"));
	return 0;
}

/* The commands of their own, after the core table (ctl.h). */
const struct ctl_command ctl_privacy_commands[] = {
	{ "contact export", "ADDR --tenant T [--output FILE]",
	  "write everything stored about a customer into a new zip (default ADDR.zip): contact.json, tickets.json"
	  " with their messages, messages.mbox and raw/ (the raw mail), outbound.mbox, attachments/",
	  1, 1, "tenant= output=", ctl_contact_export },
	{ "contact erase", "ADDR --tenant T [--confirm ADDR]",
	  "remove or anonymise everything stored about a customer in one transaction (tickets and their counts"
	  " stay, as erased-N@invalid); without --confirm only tells what it would reach",
	  1, 1, "tenant= confirm=", contact_erase },
	{ "retention purge", "[--tenant T]",
	  "purge now the raw mail and attachment contents older than the tenants' --inbound-retention and"
	  " --attachment-retention (maildeskd does it hourly); the rows stay",
	  0, 0, "tenant=", retention_purge },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
