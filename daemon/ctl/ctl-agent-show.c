/* maildeskctl agent show: one agent, with the signed control address the
 * agent writes to for "#status" (the same one notifications carry). */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-report-admin.h"

#define AGENT_KINDS "isssssb"
#define TEAM_KINDS "is"

/* The agent's row (id, tenant, email, name, status, created, notify
 * offline) and their teams (id, name). Returns 0, or prints and fails. */
static int agent_rows(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *email,
		      struct db_table **agent_r, struct db_table **teams_r)
{
	char *error = NULL;
	int found = db_report_agent(ctl->db, ctl_id(tenant_id), email, agent_r, teams_r, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("agent \"%s\" not found in tenant \"%s\"", email, tenant_name);
	return 0;
}

/* The control address at each team (NULL where none can be made: no
 * alias), in the order of teams. */
static char **control_addresses(struct ctl *ctl, const struct ctl_desk *d, const char *tenant_id,
				const struct db_table *agent, const struct db_table *teams)
{
	char **out = xcalloc(teams->n_rows + 1, sizeof(*out));
	int64_t tenant = strtoll(tenant_id, NULL, 10), id = strtoll(db_table_get(agent, 0, 0), NULL, 10);

	for (size_t i = 0; i < teams->n_rows; i++) {
		char *error = NULL;
		if (desk_cli_control_address(ctl->db, &d->s, tenant, strtoll(db_table_get(teams, i, 0), NULL, 10), id,
					     &out[i], &error) < 0)
			out[i] = NULL;
		free(error);
	}
	return out;
}

/* Text: one "key: value" line each; a control address per team. */
static void show_text(const struct db_table *agent, const struct db_table *teams, char *const *addrs)
{
	static const char *const labels[] = { "id", "tenant", "email", "name", "status", "created", "notify offline" };

	for (size_t c = 0; c < 7; c++) {
		const char *v = db_table_get(agent, 0, c);
		if (c == 6)
			v = v != NULL && v[0] == 't' ? "yes" : "no";
		char *safe = ctl_output_sanitize(v != NULL ? v : "", false);
		printf("%-16s %s\n", labels[c], safe);
		free(safe);
	}
	for (size_t i = 0; i < teams->n_rows; i++) {
		char *safe = ctl_output_sanitize(db_table_get(teams, i, 1), false);
		printf("control address (%s): %s\n", safe, addrs[i] != NULL ? addrs[i] : "- (the team has no alias)");
		free(safe);
	}
}

/* JSON: the agent's fields, "teams" and "control_addresses" ([{team, address}]). */
static void show_json(const struct db_table *agent, const struct db_table *teams, char *const *addrs)
{
	json_t *o = ctl_output_row_json(agent, 0, AGENT_KINDS), *names = json_array(), *ctl_addrs = json_array();

	for (size_t i = 0; i < teams->n_rows; i++) {
		json_array_append_new(names, json_string(db_table_get(teams, i, 1)));
		json_array_append_new(ctl_addrs, json_pack("{s:s, s:o}", "team", db_table_get(teams, i, 1), "address",
							   addrs[i] != NULL ? json_string(addrs[i]) : json_null()));
	}
	json_object_set_new(o, "teams", names);
	json_object_set_new(o, "control_addresses", ctl_addrs);
	ctl_output_json_print(o);
}

/* "agent show EMAIL [--tenant T] [--json]". The control address is signed
 * with the daemon's secret (its configuration file, as "ticket address"). */
int ctl_agent_show(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, **addrs = NULL;
	struct db_table *agent = NULL, *teams = NULL;
	struct ctl_desk d;
	int ret;

	if (!ctl_address_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[0]);
	if ((ret = ctl_desk_load(ctl, &d)) != 0)
		return ret;
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = agent_rows(ctl, tenant_id, tenant_name, a->pos[0], &agent, &teams);
	if (ret == 0) {
		addrs = control_addresses(ctl, &d, tenant_id, agent, teams);
		if (ctl->json)
			show_json(agent, teams, addrs);
		else
			show_text(agent, teams, addrs);
		for (size_t i = 0; i < teams->n_rows; i++)
			free(addrs[i]);
		free(addrs);
	}
	db_table_free(&agent);
	db_table_free(&teams);
	free(tenant_id);
	free(tenant_name);
	ctl_desk_free(&d);
	return ret;
}
