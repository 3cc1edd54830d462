#include "config.h"
#include "ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-admin-agent.h"
#include "db/db-report-admin.h"

/* Signatures are short; anything bigger is a mistake (a wrong file). */
#define SIGNATURE_MAX (64 * 1024)

/* Reads the whole signature file. Returns 0, or prints why and fails. */
static int signature_read(const char *path, char **sig_r)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return ctl_fail("%s: %s", path, strerror(errno));
	buf_init(&b, SIGNATURE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			buf_free(&b);
			return ctl_fail("%s: signature longer than %d bytes", path, SIGNATURE_MAX);
		}
	}
	if (ferror(f) || memchr(b.data != NULL ? b.data : "", '\0', b.len) != NULL) {
		fclose(f);
		buf_free(&b);
		return ctl_fail("%s: cannot read a text signature", path);
	}
	fclose(f);
	*sig_r = buf_steal(&b, NULL);
	return 0;
}

/* Puts the new agent in every --team, inside the caller's transaction. */
static int agent_teams_add(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id,
			   const char *tenant_name, int64_t agent_id)
{
	for (size_t i = 0; i < a->n_opts; i++) {
		char *team_id = NULL, *error = NULL;
		int ret;

		if (strcmp(a->opts[i].name, "team") != 0)
			continue;
		if ((ret = ctl_team_find(ctl, tenant_id, tenant_name, a->opts[i].value, &team_id)) != 0)
			return ret;
		ret = db_admin_agent_team_join(ctl->db, ctl_id(tenant_id), ctl_id(team_id), agent_id, &error);
		free(team_id);
		if (ret < 0)
			return ctl_db_fail(error);
	}
	return 0;
}

/* The agent row and team memberships in one transaction. */
static int agent_create(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id,
			const char *tenant_name, const char *signature)
{
	const char *name = ctl_opt_get(a, "name");
	char *error = NULL;
	int64_t id;
	int ret;

	if (db_begin(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	if (db_admin_agent_add(ctl->db, ctl_id(tenant_id), a->pos[0], name != NULL ? name : "", signature, &id,
			       &error) < 0) {
		db_rollback(ctl->db);
		if (!db_last_error_was_duplicate(ctl->db))
			return ctl_db_fail(error);
		free(error);
		return ctl_fail("agent \"%s\" already exists in tenant \"%s\"", a->pos[0], tenant_name);
	}
	ret = agent_teams_add(ctl, a, tenant_id, tenant_name, id);
	if (ret == 0 && db_commit(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret != 0)
		db_rollback(ctl->db);
	else
		printf("agent \"%s\" added to tenant \"%s\" (id %" PRId64 ")\n", a->pos[0], tenant_name, id);
	return ret;
}

/* "agent add EMAIL [--name N] [--team T]... [--tenant T] [--signature-file F]". */
int ctl_agent_add(struct ctl *ctl, const struct ctl_args *a)
{
	const char *sig_path = ctl_opt_get(a, "signature-file");
	const char *name = ctl_opt_get(a, "name");
	char *tenant_id = NULL, *tenant_name = NULL, *signature = NULL;
	int ret;

	if (!ctl_address_valid(a->pos[0]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[0]);
	if (name != NULL && name[0] != '\0' && !ctl_name_valid(name))
		return ctl_usage_error(a, "invalid name \"%s\"", name);
	if (sig_path != NULL && (ret = signature_read(sig_path, &signature)) != 0)
		return ret;
	ret = ctl_tenant_resolve(ctl, a, ctl_opt_get(a, "team"), &tenant_id, &tenant_name);
	if (ret == 0)
		ret = agent_create(ctl, a, tenant_id, tenant_name, signature != NULL ? signature : "");
	free(signature);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "agent list [--tenant T] [--team T]". */
int ctl_agent_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL || team != NULL)
		ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0 && db_report_agents(ctl->db, ctl_id(tenant_id), ctl_id(team_id), &t, &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0) {
		ctl_output_rows(ctl, t, "ssssj");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

/* "agent set EMAIL [--tenant T] [--name N] [--signature-file F] [--notify-offline yes|no]". */
int ctl_agent_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = ctl_opt_get(a, "name"), *sig_path = ctl_opt_get(a, "signature-file");
	const char *offline = ctl_opt_get(a, "notify-offline");
	char *tenant_id = NULL, *tenant_name = NULL, *signature = NULL, *error = NULL;
	int ret, found = 1;

	if (name == NULL && sig_path == NULL && offline == NULL)
		return ctl_usage_error(a, "nothing to set: give --name, --signature-file or --notify-offline");
	if (offline != NULL && strcmp(offline, "yes") != 0 && strcmp(offline, "no") != 0)
		return ctl_usage_error(a, "invalid --notify-offline \"%s\": yes or no", offline);
	if (name != NULL && name[0] != '\0' && !ctl_name_valid(name))
		return ctl_usage_error(a, "invalid name \"%s\"", name);
	if (sig_path != NULL && (ret = signature_read(sig_path, &signature)) != 0)
		return ret;
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0) {
		struct db_agent_settings s = { name, signature, offline == NULL ? -1 : strcmp(offline, "yes") == 0 };

		if ((found = db_admin_agent_set(ctl->db, ctl_id(tenant_id), a->pos[0], &s, &error)) < 0)
			ret = ctl_db_fail(error);
	}
	if (ret == 0 && !found)
		ret = ctl_fail("agent \"%s\" not found in tenant \"%s\"", a->pos[0], tenant_name);
	else if (ret == 0)
		printf("agent \"%s\" in tenant \"%s\" updated\n", a->pos[0], tenant_name);
	free(signature);
	free(tenant_id);
	free(tenant_name);
	return ret;
}
