/* "maildeskctl template ...": a team's templates (sql/005_templates.sql),
 * and which one acknowledges new tickets ("team set --autoack"). A
 * template is checked when it is saved, so a typo in a variable is found
 * by the person who made it, with its line and column. */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-agent.h"
#include "db/db-admin-tenant.h"
#include "db/db-report-admin.h"
#include "desk/desk.h"

/* The names "#template NAME" can reach: agent commands lower-case them. */
static bool template_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Tenant and team of a command that names both (--team, --tenant). */
struct team_ref {
	char *tenant_id, *tenant_name, *team_id;
};

/* Finds both, or prints which is missing and fails. */
static int team_ref_resolve(struct ctl *ctl, const struct ctl_args *a, struct team_ref *r)
{
	const char *team = ctl_opt_get(a, "team");
	int ret;

	memset(r, 0, sizeof(*r));
	ret = ctl_tenant_resolve(ctl, a, team, &r->tenant_id, &r->tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, r->tenant_id, r->tenant_name, team, &r->team_id);
	return ret;
}

/* Pairs with team_ref_resolve(), also after it failed. */
static void team_ref_free(struct team_ref *r)
{
	free(r->tenant_id);
	free(r->tenant_name);
	free(r->team_id);
	memset(r, 0, sizeof(*r));
}

/* The checks of NAME and --team that every command but list shares. */
static int name_team_check(const struct ctl_args *a)
{
	if (!template_name_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid template name \"%s\": 1-64 of a-z 0-9 _ . -", a->pos[0]);
	if (ctl_opt_get(a, "team") == NULL)
		return ctl_usage_error(a, "missing --team");
	return 0;
}

/* Inserts or replaces; says which. */
static int template_save(struct ctl *ctl, const struct ctl_args *a, const struct team_ref *r, const char *body)
{
	char *error = NULL;
	bool added;

	if (db_admin_template_save(ctl->db, ctl_id(r->tenant_id), ctl_id(r->team_id), a->pos[0], body, &added,
				   &error) < 0)
		return ctl_db_fail(error);
	printf("template \"%s\" %s for team \"%s\" in tenant \"%s\"\n", a->pos[0], added ? "added" : "replaced",
	       ctl_opt_get(a, "team"), r->tenant_name);
	return 0;
}

/* "template add NAME --team T [--tenant T] --file F": add or replace. */
int ctl_template_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *file = ctl_opt_get(a, "file");
	struct desk_template_error terr;
	struct team_ref r = { 0 };
	char *body = NULL;
	size_t len;
	int ret = name_team_check(a);

	if (ret == 0 && file == NULL)
		ret = ctl_usage_error(a, "missing --file F (- reads standard input)");
	if (ret == 0)
		ret = ctl_file_read(file, DESK_TEMPLATE_MAX, false, &body, &len);
	if (ret == 0 && desk_template_check(body, len, &terr) < 0)
		ret = ctl_fail("%s:%u:%u: %s", strcmp(file, "-") == 0 ? "stdin" : file, terr.line, terr.column,
			       terr.message);
	if (ret == 0)
		ret = team_ref_resolve(ctl, a, &r);
	if (ret == 0)
		ret = template_save(ctl, a, &r, body);
	team_ref_free(&r);
	free(body);
	return ret;
}

/* "template list [--team T] [--tenant T] [--json]". */
int ctl_template_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t;
	int ret = 0;

	if ((ctl_opt_get(a, "tenant") != NULL || team != NULL) &&
	    (ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_report_templates(ctl->db, ctl_id(tenant_id), team, &t, &error) < 0) {
		ret = ctl_db_fail(error);
	} else {
		ctl_output_rows(ctl, t, "sssbit");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "template show NAME --team T [--tenant T]": the body as saved. */
int ctl_template_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct team_ref r;
	char *error = NULL, *stored = NULL, *body;
	int ret = name_team_check(a), found = 0;

	if (ret != 0)
		return ret;
	ret = team_ref_resolve(ctl, a, &r);
	if (ret == 0 && (found = db_admin_template_get(ctl->db, ctl_id(r.tenant_id), ctl_id(r.team_id), a->pos[0],
						       &stored, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && found == 0)
		ret = ctl_fail("team \"%s\" has no template \"%s\"", ctl_opt_get(a, "team"), a->pos[0]);
	else if (ret == 0) {
		body = ctl_output_sanitize(stored, true);
		fputs(body, stdout);
		if (body[0] != '\0' && body[strlen(body) - 1] != '\n')
			putchar('\n');
		free(body);
	}
	free(stored);
	team_ref_free(&r);
	return ret;
}

/* "template remove NAME --team T [--tenant T]". The team's acknowledgement
 * must be turned off first, so removing never silently stops it. */
int ctl_template_remove(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	struct team_ref r;
	char *error = NULL;
	bool autoack = false;
	int ret = name_team_check(a), found = 0;

	if (ret != 0)
		return ret;
	ret = team_ref_resolve(ctl, a, &r);
	if (ret == 0 && (found = db_admin_template_usage(ctl->db, ctl_id(r.tenant_id), ctl_id(r.team_id), a->pos[0],
							 &autoack, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && found == 0)
		ret = ctl_fail("team \"%s\" has no template \"%s\"", team, a->pos[0]);
	else if (ret == 0 && autoack)
		ret = ctl_fail("template \"%s\" acknowledges new tickets of team \"%s\": turn that off first with "
			       "\"maildeskctl team set %s --no-autoack\"",
			       a->pos[0], team, team);
	else if (ret == 0 && db_admin_template_remove(ctl->db, ctl_id(r.tenant_id), ctl_id(r.team_id), a->pos[0],
						      &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0)
		printf("template \"%s\" removed from team \"%s\" in tenant \"%s\"\n", a->pos[0], team, r.tenant_name);
	team_ref_free(&r);
	return ret;
}

int ctl_team_autoack_set(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			 const char *team, const char *name)
{
	char *error = NULL;
	int ret = 0, found = 1;

	if (name != NULL &&
	    (found = db_admin_template_get(ctl->db, ctl_id(tenant_id), ctl_id(team_id), name, NULL, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		ret = ctl_fail("team \"%s\" has no template \"%s\": add it with \"maildeskctl template add\"", team,
			       name);
	else if (db_admin_team_autoack_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), name, &error) < 0)
		ret = ctl_db_fail(error);
	else if (name != NULL)
		printf("team \"%s\" in tenant \"%s\": new tickets from customers are acknowledged with template \"%s\"\n",
		       team, tenant_name, name);
	else
		printf("team \"%s\" in tenant \"%s\": new tickets are not acknowledged\n", team, tenant_name);
	return ret;
}
