#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "thread/thread.h"

/* "tenant add NAME". */
int ctl_tenant_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = a->pos[0];
	const char *params[1] = { name };
	struct db_table *t;
	char *error = NULL;

	if (!ctl_name_valid(name))
		return ctl_usage_error(a, "invalid tenant name \"%s\"", name);
	if (db_exec(ctl->db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params, &t,
		    &error) < 0) {
		if (db_last_error_was_duplicate(ctl->db)) {
			free(error);
			return ctl_fail("tenant \"%s\" already exists", name);
		}
		return ctl_db_fail(error);
	}
	printf("tenant \"%s\" added (id %s)\n", name, db_table_get(t, 0, 0));
	db_table_free(&t);
	return CTL_EXIT_OK;
}

/* "tenant list". */
int ctl_tenant_list(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_table *t;
	char *error = NULL;

	if (db_exec(ctl->db,
		    "SELECT n.id, n.name,"
		    " (SELECT count(*) FROM teams WHERE tenant_id = n.id) AS teams,"
		    " (SELECT count(*) FROM agents WHERE tenant_id = n.id) AS agents,"
		    " (SELECT count(*) FROM tickets WHERE tenant_id = n.id"
		    "   AND status NOT IN ('solved', 'closed', 'merged')) AS open_tickets,"
		    " n.subject_tag_format AS subject_tag,"
		    " n.require_authenticated_requester, n.autoack_unauthenticated,"
		    " " CTL_TS("n.created_at") " AS created"
		    " FROM tenants n ORDER BY n.name",
		    0, NULL, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, "isiiisbbt");
	db_table_free(&t);
	return CTL_EXIT_OK;
}

/* A yes|no option: 1 given (*v_r "t"/"f"), 0 absent, -1 neither. */
static int yes_no(const struct ctl_args *a, const char *name, const char **v_r)
{
	const char *v = ctl_opt_get(a, name);

	*v_r = NULL;
	if (v == NULL)
		return 0;
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return -1;
	*v_r = strcmp(v, "yes") == 0 ? "t" : "f";
	return 1;
}

/* Prints what a yes|no setting now is, and the risk when it is one. */
static void yes_no_print(const char *tenant, const char *what, const char *v, const char *risk)
{
	printf("tenant \"%s\": %s %s\n", tenant, what, v[0] == 't' ? "yes" : "no");
	if (risk != NULL && v[0] == 't')
		printf("  note: %s\n", risk);
}

/* "tenant set NAME [--subject-tag FORMAT] [--require-authenticated-requester
 * yes|no] [--autoack-unauthenticated yes|no]": the format is checked by
 * the same code that later makes and finds the tags; each setting not
 * given stays as it is. */
int ctl_tenant_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *format = ctl_opt_get(a, "subject-tag"), *why, *req, *ack;
	int has_req = yes_no(a, "require-authenticated-requester", &req);
	int has_ack = yes_no(a, "autoack-unauthenticated", &ack);
	const char *params[4] = { a->pos[0], format, req, ack };
	char example[128], *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (has_req < 0 || has_ack < 0)
		return ctl_usage_error(a, "--require-authenticated-requester and --autoack-unauthenticated take yes or no");
	if (format == NULL && has_req == 0 && has_ack == 0)
		return ctl_usage_error(a, "nothing to set: give --subject-tag, --require-authenticated-requester"
					  " or --autoack-unauthenticated");
	if (format != NULL && (why = thread_subject_tag_format_check(format)) != NULL)
		return ctl_usage_error(a, "invalid subject tag format \"%s\": %s", format, why);
	if (db_exec(ctl->db,
		    "UPDATE tenants SET subject_tag_format = coalesce($2, subject_tag_format),"
		    " require_authenticated_requester = coalesce($3::boolean, require_authenticated_requester),"
		    " autoack_unauthenticated = coalesce($4::boolean, autoack_unauthenticated)"
		    " WHERE name = $1 RETURNING id",
		    4, params, &t, &error) < 0)
		return ctl_db_fail(error);
	if (t->n_rows == 0) {
		ret = ctl_fail("tenant \"%s\" not found", a->pos[0]);
	} else {
		if (format != NULL) {
			if (thread_subject_tag_make(format, 1042, example, sizeof(example)) < 0)
				snprintf(example, sizeof(example), "?");
			printf("tenant \"%s\": subject tag format set to \"%s\" (ticket 1042: \"%s\")\n", a->pos[0],
			       format, example);
		}
		if (req != NULL)
			yes_no_print(a->pos[0], "require-authenticated-requester", req, NULL);
		if (ack != NULL)
			yes_no_print(a->pos[0], "autoack-unauthenticated", ack,
				     "acknowledgements now also go to senders nobody authenticated: a forged From"
				     " makes maildesk mail (signed with the brand's key) to anyone the forger names,"
				     " capped only by autoack_window and the hourly caps");
	}
	db_table_free(&t);
	return ret;
}

/* Looks a tenant up by name; 1 found, 0 not, -1 error (printed). */
static int tenant_by_name(struct ctl *ctl, const char *name, char **id_r)
{
	const char *params[1] = { name };
	struct db_table *t;
	char *error = NULL;
	int found;

	if (db_exec(ctl->db, "SELECT id FROM tenants WHERE name = $1", 1, params, &t, &error) < 0) {
		ctl_db_fail(error);
		return -1;
	}
	found = t->n_rows > 0;
	if (found)
		*id_r = xstrdup(db_table_get(t, 0, 0));
	db_table_free(&t);
	return found;
}

/* Tenants holding a team called team, or all tenants when team is NULL. */
static int tenant_candidates(struct ctl *ctl, const char *team, struct db_table **t_r)
{
	const char *params[1] = { team };
	char *error = NULL;
	int ret;

	if (team != NULL)
		ret = db_exec(ctl->db,
			      "SELECT n.id, n.name FROM tenants n JOIN teams m ON m.tenant_id = n.id"
			      " WHERE m.name = $1 ORDER BY n.name",
			      1, params, t_r, &error);
	else
		ret = db_exec(ctl->db, "SELECT id, name FROM tenants ORDER BY name", 0, NULL, t_r, &error);
	if (ret < 0)
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
