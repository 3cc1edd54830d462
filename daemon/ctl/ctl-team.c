#include "config.h"
#include "ctl.h"
#include "ctl-find.h"
#include "ctl-domain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-report-admin.h"

/* Team names are only unique within a tenant. */
int ctl_team_find(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team,
		  char **team_id_r)
{
	char *error = NULL;
	int64_t id;
	int found = db_admin_team_find(ctl->db, ctl_id(tenant_id), team, &id, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("team \"%s\" not found in tenant \"%s\"", team, tenant_name);
	*team_id_r = xasprintf("%" PRId64, id);
	return 0;
}

/* Says who already owns an address (after a unique violation). */
static int alias_taken(struct ctl *ctl, const char *address)
{
	char *error = NULL, *team = NULL, *tenant = NULL;
	int ret = db_admin_alias_owner(ctl->db, address, &team, &tenant, &error);

	if (ret < 0)
		return ctl_db_fail(error);
	if (ret > 0)
		ret = ctl_fail("alias \"%s\" already exists (team \"%s\" in tenant \"%s\")", address, team, tenant);
	else
		ret = ctl_fail("alias \"%s\" already exists", address);
	free(team);
	free(tenant);
	return ret;
}

/* Inserts one alias inside the caller's transaction. On failure rolls back
 * and reports; returns 0 or CTL_EXIT_FAIL. */
static int alias_insert(struct ctl *ctl, const char *tenant_id, const char *team_id,
			const char *address)
{
	char *error = NULL;

	if (db_admin_alias_add(ctl->db, ctl_id(tenant_id), ctl_id(team_id), address, &error) == 0)
		return 0;
	db_rollback(ctl->db);
	if (db_last_error_was_duplicate(ctl->db)) {
		free(error);
		return alias_taken(ctl, address);
	}
	return ctl_db_fail(error);
}

/* The shared domain's address space is the provider's: ALIASLOCAL.TENANT
 * there reaches a team by itself, an alias there would take another
 * tenant's mail. Returns 0, or prints why and fails. */
static int alias_not_shared(const char *address, const char *shared)
{
	const char *at = strrchr(address, '@');

	if (at == NULL || !domain_under(at + 1, shared))
		return 0;
	return ctl_fail("alias \"%s\" is on the provider's shared domain %s (shared_domain): a team gets its "
			"address ALIASLOCAL.TENANT@%s there by itself",
			address, shared, shared);
}

/* Validates every --alias before anything is written. */
static int aliases_check(const struct ctl *ctl, const struct ctl_args *a)
{
	char *shared = NULL;
	int ret = 0;

	for (size_t i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "alias") == 0 && !ctl_address_valid(a->opts[i].value))
			return ctl_usage_error(a, "invalid address \"%s\"", a->opts[i].value);
	}
	if (ctl_opt_get(a, "alias") != NULL)
		ret = domain_shared_get(ctl, &shared);
	for (size_t i = 0; ret == 0 && shared != NULL && i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "alias") == 0)
			ret = alias_not_shared(a->opts[i].value, shared);
	}
	free(shared);
	return ret;
}

/* Creates the team row and its aliases in one transaction. */
static int team_create(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id,
		       const char *tenant_name)
{
	char *error = NULL, *team_id;
	int64_t id;
	int ret = 0;

	if (db_begin(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	if (db_admin_team_add(ctl->db, ctl_id(tenant_id), a->pos[0], &id, &error) < 0) {
		db_rollback(ctl->db);
		if (!db_last_error_was_duplicate(ctl->db))
			return ctl_db_fail(error);
		free(error);
		return ctl_fail("team \"%s\" already exists in tenant \"%s\"", a->pos[0], tenant_name);
	}
	team_id = xasprintf("%" PRId64, id);
	for (size_t i = 0; ret == 0 && i < a->n_opts; i++) {
		if (strcmp(a->opts[i].name, "alias") == 0)
			ret = alias_insert(ctl, tenant_id, team_id, a->opts[i].value);
	}
	if (ret == 0 && db_commit(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		printf("team \"%s\" added to tenant \"%s\" (id %s)\n", a->pos[0], tenant_name, team_id);
	free(team_id);
	return ret;
}

/* "team add NAME [--tenant T] [--alias ADDR]...". */
int ctl_team_add(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL;
	int ret;

	if (!ctl_name_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid team name \"%s\"", a->pos[0]);
	if ((ret = aliases_check(ctl, a)) != 0)
		return ret;
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = team_create(ctl, a, tenant_id, tenant_name);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "team alias add TEAM ADDR [--tenant T]". */
int ctl_team_alias_add(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *shared = NULL;
	int ret;

	if (!ctl_address_valid(a->pos[1]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[1]);
	if ((ret = domain_shared_get(ctl, &shared)) == 0)
		ret = alias_not_shared(a->pos[1], shared);
	free(shared);
	if (ret == 0)
		ret = ctl_tenant_resolve(ctl, a, a->pos[0], &tenant_id, &tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, a->pos[0], &team_id);
	if (ret == 0)
		ret = alias_insert(ctl, tenant_id, team_id, a->pos[1]);
	if (ret == 0)
		printf("alias \"%s\" added to team \"%s\" in tenant \"%s\"\n", a->pos[1], a->pos[0],
		       tenant_name);
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

/* "team list [--tenant T]". */
int ctl_team_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL &&
	    (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_report_teams(ctl->db, ctl_id(tenant_id), &t, &error) < 0) {
		ret = ctl_db_fail(error);
	} else {
		ctl_output_rows(ctl, t, "ssijiii");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* Parses --reopen-days: a whole number of days, at most about 100 years. */
static bool reopen_days_parse(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 5 && strspn(s, "0123456789") == n && strtol(s, NULL, 10) <= 36500;
}

/* "team set NAME [--tenant T] [--reopen-days N] [--autoack TEMPLATE |
 * --no-autoack]". */
int ctl_team_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *days = ctl_opt_get(a, "reopen-days"), *autoack = ctl_opt_get(a, "autoack");
	const char *sender = ctl_opt_get(a, "sender-name"), *attach_max = ctl_opt_get(a, "notify-attach-max");
	const char *close_after = ctl_opt_get(a, "close-after");
	bool no_autoack = ctl_opt_get(a, "no-autoack") != NULL;
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	int ret;

	if (days == NULL && autoack == NULL && !no_autoack && sender == NULL && attach_max == NULL &&
	    ctl_opt_get(a, "order-reminder-after") == NULL && close_after == NULL)
		return ctl_usage_error(a, "nothing to set: give --reopen-days, --autoack, --no-autoack, --sender-name,"
				       " --notify-attach-max, --order-reminder-after or --close-after");
	if (attach_max != NULL && ctl_attach_max_check(a, attach_max) != 0)
		return CTL_EXIT_USAGE;
	if (close_after != NULL && !ctl_close_after_valid(close_after))
		return ctl_usage_error(a, "invalid --close-after \"%s\": a duration such as 7d, 36h or 1w (at most"
				       " 366 days), or off", close_after);
	if (sender != NULL && (sender[0] == '\0' || strlen(sender) > 200 || strpbrk(sender, "\r\n\t") != NULL))
		return ctl_usage_error(a, "invalid --sender-name \"%s\": 1-200 characters on one line, with "
				       "{agent} and {team} as placeholders", sender);
	if (autoack != NULL && no_autoack)
		return ctl_usage_error(a, "--autoack and --no-autoack exclude each other");
	if ((ret = ctl_order_team_check(a, &(unsigned){ 0 })) != 0)
		return ret;
	if (days != NULL && !reopen_days_parse(days))
		return ctl_usage_error(a, "invalid --reopen-days \"%s\": a whole number of days from 0 to 36500",
				       days);
	ret = ctl_tenant_resolve(ctl, a, a->pos[0], &tenant_id, &tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, a->pos[0], &team_id);
	if (ret == 0 && days != NULL &&
	    db_admin_team_reopen_days_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id),
					  (unsigned)strtoul(days, NULL, 10), &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0 && days != NULL) {
		long n = strtol(days, NULL, 10);

		printf("team \"%s\" in tenant \"%s\": reopen window set to %ld day%s%s\n", a->pos[0],
		       tenant_name, n, n == 1 ? "" : "s", n == 0 ? " (replies always reopen)" : "");
	}
	if (ret == 0 && (autoack != NULL || no_autoack))
		ret = ctl_team_autoack_set(ctl, tenant_id, tenant_name, team_id, a->pos[0], autoack);
	if (ret == 0 && close_after != NULL)
		ret = ctl_team_close_after(ctl, tenant_id, tenant_name, team_id, a->pos[0], close_after);
	if (ret == 0 && sender != NULL) {
		if (db_admin_team_sender_name_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), sender, &error) < 0)
			ret = ctl_db_fail(error);
		else
			printf("team \"%s\" in tenant \"%s\": agents are named \"%s\" to customers\n", a->pos[0],
			       tenant_name, sender);
	}
	if (ret == 0 && attach_max != NULL)
		ret = ctl_team_attach_max_set(ctl, tenant_id, tenant_name, team_id, a->pos[0], attach_max);
	if (ret == 0 && ctl_opt_get(a, "order-reminder-after") != NULL)
		ret = ctl_order_team_set(ctl, a, tenant_id, tenant_name, team_id);
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}
