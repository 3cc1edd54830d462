/* maildeskctl's audit log (issue 14): every administrative command runs in
 * one transaction with its audit_log row (who: the Unix user; what: the
 * command and its object; the object before and after as JSON), and
 * "audit" shows the log. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-audit.h"

/* An administrative command that ctl_audit_run() records by itself, with
 * what its snapshots show (the object is its first argument). Commands
 * that record their own row (remove, agent team) are not listed, nor
 * "domain check": a verification that stores what DNS shows even when it
 * exits 1, which this wrapper would roll back. */
struct audited {
	const char *words;
	int kind; /* enum db_audit_kind, or -1: no snapshot, the arguments only */
};
static const struct audited audited[] = {
	{ "tenant add", DB_AUDIT_TENANT },
	{ "tenant set", DB_AUDIT_TENANT },
	{ "team add", DB_AUDIT_TEAM },
	{ "team alias add", DB_AUDIT_TEAM },
	{ "team set", DB_AUDIT_TEAM },
	{ "team routing", DB_AUDIT_TEAM },
	{ "agent add", DB_AUDIT_AGENT },
	{ "agent set", DB_AUDIT_AGENT },
	{ "sla set", -1 },
	{ "template add", -1 },
	{ "template remove", -1 },
	{ "reason add", -1 },
	{ "reason remove", -1 },
	{ "rule load", -1 },
	{ "domain add", -1 },
	{ "domain rotate", -1 },
	{ "domain retire-selector", -1 },
	{ "channel add imap", -1 },
	{ "channel set", -1 },
	{ "channel pause", -1 },
	{ "channel resume", -1 },
	{ "channel remove", -1 },
	{ "apikey add", -1 },
	{ "form add", -1 },
	{ "form remove", -1 },
	{ "event-type set", -1 },
	{ "webhook add", -1 },
	{ "webhook remove", -1 },
	{ "webhook rotate", -1 },
	{ "apikey revoke", -1 },
	{ "connection add", -1 },
	{ "connection set", -1 },
	{ "connection disconnect", -1 },
	{ "connection reconnect", -1 },
};

/* Contract in ctl.h. */
const char *ctl_audit_actor(void)
{
	static char actor[300];
	const struct passwd *pw;
	const char *sudo = getenv("SUDO_USER");

	if (actor[0] != '\0')
		return actor;
	pw = getpwuid(getuid());
	if (pw != NULL)
		snprintf(actor, sizeof(actor), "unix:%s", pw->pw_name);
	else
		snprintf(actor, sizeof(actor), "unix:uid %u", (unsigned)getuid());
	if (getuid() == 0 && sudo != NULL && sudo[0] != '\0')
		snprintf(actor + strlen(actor), sizeof(actor) - strlen(actor), " (sudo: %.100s)", sudo);
	return actor;
}

/* Contract in ctl.h. */
int ctl_audit(struct ctl *ctl, const char *tenant_id, const char *action, const char *object, const char *before,
	      const char *after)
{
	struct db_audit r = { .tenant_id = ctl_id(tenant_id), .actor = ctl_audit_actor(), .action = action,
			      .object = object, .before = before, .after = after };
	char *error = NULL;

	if (db_audit_record(ctl->db, &r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* The entry of words, or NULL when the command is not recorded here. */
static const struct audited *audited_find(const char *words)
{
	for (size_t i = 0; i < sizeof(audited) / sizeof(audited[0]); i++)
		if (strcmp(audited[i].words, words) == 0)
			return &audited[i];
	return NULL;
}

/* The tenant a command acted on, without printing anything: --tenant, the
 * tenant a "tenant" command names, else the only tenant (with the team
 * when one is named). Returns the id as text (malloc'd), or NULL. */
static char *audit_tenant(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = ctl_opt_get(a, "tenant"), *team = ctl_opt_get(a, "team");
	struct db_table *t = NULL;
	char *error = NULL, *id = NULL;
	int64_t n;

	if (name == NULL && strncmp(a->cmd->words, "tenant ", 7) == 0)
		name = a->pos[0];
	if (name == NULL && strncmp(a->cmd->words, "connection ", 11) == 0)
		name = ctl_opt_get(a, "brand"); /* a connection's rows are the brand's */
	if (name != NULL) {
		if (db_admin_tenant_find(ctl->db, name, &n, &error) > 0)
			id = xasprintf("%" PRId64, n);
	} else {
		if (strncmp(a->cmd->words, "team ", 5) == 0 && a->n_pos > 0)
			team = a->pos[0];
		if (db_admin_tenant_candidates(ctl->db, team, &t, &error) == 0 && t->n_rows == 1)
			id = xstrdup(db_table_get(t, 0, 0));
		db_table_free(&t);
	}
	free(error);
	return id;
}

/* The snapshot of the command's object, or NULL. */
static char *audit_snapshot(struct ctl *ctl, const struct audited *e, const char *tenant_id,
			    const struct ctl_args *a)
{
	char *json = NULL, *error = NULL;

	if (e->kind < 0 || a->n_pos == 0 || (e->kind != DB_AUDIT_TENANT && tenant_id == NULL))
		return NULL;
	if (db_audit_snapshot(ctl->db, (enum db_audit_kind)e->kind, ctl_id(tenant_id), a->pos[0], &json, &error) < 0)
		free(error);
	return json;
}

/* A value for the log with a URL's user and password (a webhook's
 * "https://user:secret@host/") replaced by "(hidden)". malloc'd. */
static char *audit_redact(const char *v)
{
	const char *scheme = strstr(v, "://"), *at, *end;

	if (scheme == NULL)
		return xstrdup(v);
	end = scheme + 3 + strcspn(scheme + 3, "/?#");
	at = memchr(scheme + 3, '@', (size_t)(end - (scheme + 3)));
	if (at == NULL)
		return xstrdup(v);
	for (const char *p = at + 1; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++)
		at = p; /* the last '@' before the path ends the user part */
	return xasprintf("%.*s(hidden)%s", (int)(scheme + 3 - v), v, at);
}

/* audit_redact() as JSON; NULL when not UTF-8. */
static json_t *audit_value(const char *v)
{
	char *r = audit_redact(v);
	json_t *j = json_string(r);

	free(r);
	return j;
}

/* The command line as JSON text: {"args": [...], "options": {...}}; the
 * values of options that may carry a secret (a token command) are left
 * out, and so are the credentials in URLs. malloc'd. */
static char *audit_args_json(const struct ctl_args *a)
{
	json_t *o = json_object(), *args = json_array(), *opts = json_object();
	char *text;

	for (size_t i = 0; i < a->n_pos; i++) {
		json_t *j = audit_value(a->pos[i]);
		json_array_append_new(args, j != NULL ? j : json_string("(not UTF-8)"));
	}
	for (size_t i = 0; i < a->n_opts; i++) {
		const char *v = a->opts[i].value;
		json_t *j = v == NULL ? json_true() : strstr(a->opts[i].name, "token") != NULL ? json_string("(hidden)")
											: audit_value(v);
		if (strcmp(a->opts[i].name, "json") != 0)
			json_object_set_new(opts, a->opts[i].name, j != NULL ? j : json_string("(not UTF-8)"));
		else
			json_decref(j);
	}
	json_object_set_new(o, "args", args);
	json_object_set_new(o, "options", opts);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The audit row of a command that succeeded (tenant_id may be NULL: the
 * tenant is looked up now, so a tenant just added is found). */
static int audit_after(struct ctl *ctl, const struct ctl_args *a, const struct audited *e, char *tenant_id,
		       const char *before)
{
	char *tenant = tenant_id != NULL ? tenant_id : audit_tenant(ctl, a);
	char *after = e->kind >= 0 ? audit_snapshot(ctl, e, tenant, a) : NULL;
	char *args = after == NULL ? audit_args_json(a) : NULL;
	char *object = audit_redact(a->n_pos > 0 ? a->pos[0] : "");
	int ret = ctl_audit(ctl, tenant, a->cmd->words, object, before, after != NULL ? after : args);

	free(object);
	if (tenant != tenant_id)
		free(tenant);
	free(after);
	free(args);
	return ret;
}

/* Contract in ctl.h. */
int ctl_audit_run(struct ctl *ctl, const struct ctl_args *a)
{
	const struct audited *e = audited_find(a->cmd->words);
	char *error = NULL, *tenant_id, *before;
	int ret;

	if (e == NULL)
		return a->cmd->run(ctl, a);
	if (db_begin_outer(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	tenant_id = audit_tenant(ctl, a);
	before = audit_snapshot(ctl, e, tenant_id, a);
	ret = a->cmd->run(ctl, a);
	if (ret == 0)
		ret = audit_after(ctl, a, e, tenant_id, before);
	if (ret == 0 && db_commit(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret != 0)
		db_rollback(ctl->db);
	free(tenant_id);
	free(before);
	return ret;
}

/* "audit [--tenant T] [--since DURATION] [--limit N] [--json]". */
static int audit_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *since = ctl_opt_get(a, "since"), *limit = ctl_opt_get(a, "limit");
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL, *end = NULL;
	unsigned secs = 0;
	unsigned long max = limit != NULL ? strtoul(limit, &end, 10) : 0;
	struct db_table *t;
	int ret = 0;

	if (since != NULL && (config_duration_parse(since, &secs) < 0 || secs == 0))
		return ctl_usage_error(a, "--since \"%s\" is not a duration (90s, 15m, 2h, 30d)", since);
	if (limit != NULL && (end == limit || *end != '\0' || max == 0 || max > 100000))
		return ctl_usage_error(a, "--limit \"%s\" is not a number from 1 to 100000", limit);
	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_audit_list(ctl->db, ctl_id(tenant_id), secs, (unsigned)max, ctl->json, &t, &error) < 0)
		ret = ctl_db_fail(error);
	else
		ctl_output_rows(ctl, t, ctl->json ? "tssssjj" : "tsssss");
	if (ret == 0)
		db_table_free(&t);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

const struct ctl_command ctl_audit_commands[] = {
	{ "audit", "[--tenant T] [--since DURATION] [--limit N] [--json]",
	  "show the audit log of administrative changes, newest first (who, when, what, before and after)", 0, 0,
	  "tenant= since= limit= json", audit_list },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
