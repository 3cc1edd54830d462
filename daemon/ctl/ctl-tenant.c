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
		    " " CTL_TS("n.created_at") " AS created"
		    " FROM tenants n ORDER BY n.name",
		    0, NULL, &t, &error) < 0)
		return ctl_db_fail(error);
	ctl_output_rows(ctl, t, "isiiist");
	db_table_free(&t);
	return CTL_EXIT_OK;
}

/* "tenant set NAME --subject-tag FORMAT": the format is checked by the
 * same code that later makes and finds the tags. */
int ctl_tenant_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *format = ctl_opt_get(a, "subject-tag"), *why;
	const char *params[2] = { a->pos[0], format };
	char example[128], *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (format == NULL)
		return ctl_usage_error(a, "nothing to set: give --subject-tag");
	if ((why = thread_subject_tag_format_check(format)) != NULL)
		return ctl_usage_error(a, "invalid subject tag format \"%s\": %s", format, why);
	if (db_exec(ctl->db, "UPDATE tenants SET subject_tag_format = $2 WHERE name = $1 RETURNING id", 2,
		    params, &t, &error) < 0)
		return ctl_db_fail(error);
	if (t->n_rows == 0) {
		ret = ctl_fail("tenant \"%s\" not found", a->pos[0]);
	} else {
		if (thread_subject_tag_make(format, 1042, example, sizeof(example)) < 0)
			snprintf(example, sizeof(example), "?");
		printf("tenant \"%s\": subject tag format set to \"%s\" (ticket 1042: \"%s\")\n", a->pos[0],
		       format, example);
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
