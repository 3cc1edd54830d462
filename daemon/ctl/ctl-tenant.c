#include "config.h"
#include "ctl.h"
#include "ctl-privacy.h"
#include "ctl-find.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-tenant.h"
#include "db/db-report-admin.h"
#include "thread/thread.h"

/* "tenant add NAME". */
int ctl_tenant_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = a->pos[0];
	char *error = NULL;
	int64_t id;

	if (!ctl_name_valid(name))
		return ctl_usage_error(a, "invalid tenant name \"%s\"", name);
	if (db_admin_tenant_add(ctl->db, name, &id, &error) < 0) {
		if (db_last_error_was_duplicate(ctl->db)) {
			free(error);
			return ctl_fail("tenant \"%s\" already exists", name);
		}
		return ctl_db_fail(error);
	}
	printf("tenant \"%s\" added (id %" PRId64 ")\n", name, id);
	return CTL_EXIT_OK;
}

/* "tenant list". */
int ctl_tenant_list(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t;
	char *error = NULL;

	if (db_report_tenants(ctl->db, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, "isiiisbbt");
	db_table_free(&t);
	return CTL_EXIT_OK;
}

/* A yes|no option: 1 yes, 0 no, -1 absent (*bad_r set when neither). */
static int yes_no(const struct ctl_args *a, const char *name, bool *bad_r)
{
	const char *v = ctl_opt_get(a, name);

	if (v == NULL)
		return -1;
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		*bad_r = true;
	return strcmp(v, "yes") == 0;
}

/* Prints what a yes|no setting now is, and the risk when it is one. */
static void yes_no_print(const char *tenant, const char *what, int v, const char *risk)
{
	printf("tenant \"%s\": %s %s\n", tenant, what, v ? "yes" : "no");
	if (risk != NULL && v)
		printf("  note: %s\n", risk);
}

/* "tenant set NAME [--subject-tag FORMAT] [--require-authenticated-requester
 * yes|no] [--autoack-unauthenticated yes|no]": the format is checked by
 * the same code that later makes and finds the tags; each setting not
 * given stays as it is. */
int ctl_tenant_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *format = ctl_opt_get(a, "subject-tag"), *why;
	bool bad = false;
	struct db_tenant_settings s = { format, yes_no(a, "require-authenticated-requester", &bad),
					 yes_no(a, "autoack-unauthenticated", &bad) };
	char example[128], *error = NULL;
	int ret = 0, found;

	if (bad)
		return ctl_usage_error(a, "--require-authenticated-requester and --autoack-unauthenticated take yes or no");
	/* The search language has its own transaction (ctl-find.c). */
	bool base_none = format == NULL && s.require_authenticated_requester < 0 && s.autoack_unauthenticated < 0;
	bool lang = ctl_opt_get(a, "search-language") != NULL;
	/* The retention settings too (ctl-privacy.c). */
	bool retention = ctl_privacy_tenant_opts(a);
	if (base_none && !ctl_order_tenant_opts(a) && !lang && !retention)
		return ctl_usage_error(a, "nothing to set: give --subject-tag, --require-authenticated-requester,"
					  " --autoack-unauthenticated, --order-pattern, --order-subject, --search-language,"
					  " --inbound-retention or --attachment-retention");
	if (retention && ((ret = ctl_privacy_tenant_set(ctl, a)) != 0 || (base_none && !ctl_order_tenant_opts(a) && !lang)))
		return ret;
	if (lang && ((ret = ctl_tenant_search_language(ctl, a)) != 0 || (base_none && !ctl_order_tenant_opts(a))))
		return ret;
	if (base_none)
		return ctl_order_tenant_set(ctl, a);
	if (format != NULL && (why = thread_subject_tag_format_check(format)) != NULL)
		return ctl_usage_error(a, "invalid subject tag format \"%s\": %s", format, why);
	if ((found = db_admin_tenant_set(ctl->db, a->pos[0], &s, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0) {
		ret = ctl_fail("tenant \"%s\" not found", a->pos[0]);
	} else {
		if (format != NULL) {
			if (thread_subject_tag_make(format, 1042, example, sizeof(example)) < 0)
				snprintf(example, sizeof(example), "?");
			printf("tenant \"%s\": subject tag format set to \"%s\" (ticket 1042: \"%s\")\n", a->pos[0],
			       format, example);
		}
		if (s.require_authenticated_requester >= 0)
			yes_no_print(a->pos[0], "require-authenticated-requester", s.require_authenticated_requester,
				     NULL);
		if (s.autoack_unauthenticated >= 0)
			yes_no_print(a->pos[0], "autoack-unauthenticated", s.autoack_unauthenticated,
				     "acknowledgements now also go to senders nobody authenticated: a forged From"
				     " makes maildesk mail (signed with the brand's key) to anyone the forger names,"
				     " capped only by autoack_window and the hourly caps");
	}
	if (ret == 0 && ctl_order_tenant_opts(a))
		ret = ctl_order_tenant_set(ctl, a);
	return ret;
}

/* Looks a tenant up by name; 1 found, 0 not, -1 error (printed). */
static int tenant_by_name(struct ctl *ctl, const char *name, char **id_r)
{
	char *error = NULL;
	int64_t id;
	int found = db_admin_tenant_find(ctl->db, name, &id, &error);

	if (found < 0) {
		ctl_db_fail(error);
		return -1;
	}
	if (found)
		*id_r = xasprintf("%" PRId64, id);
	return found;
}

/* Tenants holding a team called team, or all tenants when team is NULL. */
static int tenant_candidates(struct ctl *ctl, const char *team, struct db_table **t_r)
{
	char *error = NULL;

	if (db_admin_tenant_candidates(ctl->db, team, t_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* Spares --tenant on single-tenant systems and when the team says it. */
int ctl_tenant_resolve(struct ctl *ctl, const struct ctl_args *a, const char *team,
		       char **tenant_id_r, char **tenant_name_r)
{
	const char *name = ctl_opt_get(a, "tenant");
	struct db_table *t;
	int ret;

	if (name != NULL) {
		ret = tenant_by_name(ctl, name, tenant_id_r);
		if (ret < 0)
			return CTL_EXIT_FAIL;
		if (ret == 0)
			return ctl_fail("tenant \"%s\" not found", name);
		*tenant_name_r = xstrdup(name);
		return 0;
	}
	if (tenant_candidates(ctl, team, &t) != 0)
		return CTL_EXIT_FAIL;
	ret = 0;
	if (t->n_rows == 1) {
		*tenant_id_r = xstrdup(db_table_get(t, 0, 0));
		*tenant_name_r = xstrdup(db_table_get(t, 0, 1));
	} else if (team != NULL && t->n_rows == 0) {
		ret = ctl_fail("team \"%s\" not found", team);
	} else if (team != NULL) {
		ret = ctl_fail("team \"%s\" exists in several tenants: give --tenant", team);
	} else if (t->n_rows == 0) {
		ret = ctl_fail("no tenant yet: add one with \"maildeskctl tenant add NAME\"");
	} else {
		ret = ctl_fail("there are several tenants: give --tenant");
	}
	db_table_free(&t);
	return ret;
}
