/* maildeskctl: the "rule" commands. A rule set (sql/008_rules.sql) is a
 * program of maildesk-rules(5) per team or per tenant; "rule load" checks
 * it completely (syntax, types, and the names only the database knows)
 * before it replaces the stored one, so a running daemon never sees a
 * program that does not work. The trigger on rule_sets tells the daemons. */
#include "config.h"
#include "ctl-rule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/xalloc.h"
#include "db/db-admin-agent.h"
#include "db/db-admin-rule.h"
#include "db/db-admin-tenant.h"

int ctl_rule_scope_resolve(struct ctl *ctl, const struct ctl_args *a, bool need_one, struct ctl_rule_scope *sc,
			   bool *all_r)
{
	bool wide = ctl_opt_get(a, "tenant-wide") != NULL;
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->team = ctl_opt_get(a, "team");
	if (sc->team != NULL && wide)
		return ctl_usage_error(a, "--team and --tenant-wide exclude each other");
	if (need_one && sc->team == NULL && !wide)
		return ctl_usage_error(a, "give --team T or --tenant-wide");
	if (all_r != NULL)
		*all_r = sc->team == NULL && !wide;
	ret = ctl_tenant_resolve(ctl, a, sc->team, &sc->tenant_id, &sc->tenant_name);
	if (ret == 0 && sc->team != NULL)
		ret = ctl_team_find(ctl, sc->tenant_id, sc->tenant_name, sc->team, &sc->team_id);
	return ret;
}

void ctl_rule_scope_free(struct ctl_rule_scope *sc)
{
	free(sc->tenant_id);
	free(sc->tenant_name);
	free(sc->team_id);
	memset(sc, 0, sizeof(*sc));
}

char *ctl_rule_scope_text(const struct ctl_rule_scope *sc)
{
	if (sc->team != NULL)
		return xasprintf("team \"%s\"", sc->team);
	return xasprintf("tenant \"%s\" (tenant-wide)", sc->tenant_name);
}

uint32_t ctl_rule_match_limit(const struct ctl *ctl)
{
	const char *path = ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG;
	struct md_config c;
	char *error = NULL;
	uint32_t limit = 0;

	config_defaults(&c);
	if ((ctl->config_path != NULL || access(path, R_OK) == 0) && config_load(path, &c, &error) == 0)
		limit = c.rule_match_limit;
	free(error);
	config_free(&c);
	return limit;
}

int ctl_rule_compile_file(const struct ctl *ctl, const char *path, struct rules_program **p_r, char **source_r,
			  size_t *len_r)
{
	struct rules_limits limits = { .match_limit = ctl_rule_match_limit(ctl) };
	struct rules_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	int ret = ctl_file_read(path, CTL_TEXT_MAX, true, &text, &len);

	if (ret != 0)
		return ret;
	*p_r = rules_compile(text, len, &limits, &err);
	if (*p_r == NULL)
		ret = ctl_fail("%s:%u:%u: %s", strcmp(path, "-") == 0 ? "stdin" : path, err.line, err.column,
			       err.message);
	if (ret == 0 && source_r != NULL) {
		*source_r = text;
		text = NULL;
		if (len_r != NULL)
			*len_r = len;
	}
	free(text);
	return ret;
}

/* The team names the program moves tickets to (borrowed from refs): a
 * team's rules may reply with a template of a team they moved the ticket
 * to. Free the array only. */
static const char **move_targets(const struct rules_ref *refs, size_t n, size_t *n_r)
{
	const char **names = xcalloc(n + 1, sizeof(*names));

	*n_r = 0;
	for (size_t i = 0; i < n; i++) {
		if (refs[i].kind == RULES_REF_TEAM)
			names[(*n_r)++] = refs[i].name;
	}
	return names;
}

/* Does the name exist? 1 yes, 0 no, -1 printed a database error. */
static int ref_exists(struct ctl *ctl, const struct ctl_rule_scope *sc, const struct rules_ref *r,
		      const char *const *targets, size_t n_targets)
{
	char *error = NULL;
	int64_t tenant_id = ctl_id(sc->tenant_id);
	int found;

	if (r->kind == RULES_REF_TEAM)
		found = db_admin_team_find(ctl->db, tenant_id, r->name, NULL, &error);
	else if (r->kind == RULES_REF_AGENT)
		found = db_admin_agent_find(ctl->db, tenant_id, r->name, NULL, &error);
	else
		found = db_admin_rule_template_exists(ctl->db, tenant_id, ctl_id(sc->team_id), r->name, targets,
						      n_targets, &error);
	if (found < 0)
		ctl_db_fail(error);
	return found;
}

/* Names every team, agent and template the program refers to that does
 * not exist, each as FILE:LINE:COL. Returns 0 when all exist. */
static int refs_check(struct ctl *ctl, const struct ctl_rule_scope *sc, const char *file,
		      const struct rules_program *p)
{
	size_t n = 0;
	const struct rules_ref *refs = rules_refs(p, &n);
	size_t n_targets;
	const char **targets = move_targets(refs, n, &n_targets);
	int ret = 0;

	for (size_t i = 0; i < n && ret >= 0; i++) {
		const struct rules_ref *r = &refs[i];
		int found = ref_exists(ctl, sc, r, targets, n_targets);

		if (found < 0)
			ret = -1;
		else if (found == 0 && r->kind == RULES_REF_TEMPLATE && sc->team != NULL)
			ret = ctl_fail("%s:%u:%u: no template \"%s\" in team \"%s\" or a team these rules move tickets to",
				       file, r->line, r->column, r->name, sc->team);
		else if (found == 0 && r->kind == RULES_REF_TEMPLATE)
			ret = ctl_fail("%s:%u:%u: no template \"%s\" in any team of tenant \"%s\"", file, r->line,
				       r->column, r->name, sc->tenant_name);
		else if (found == 0)
			ret = ctl_fail("%s:%u:%u: no %s \"%s\" in tenant \"%s\"", file, r->line, r->column,
				       r->kind == RULES_REF_TEAM ? "team" : "agent", r->name, sc->tenant_name);
	}
	free(targets);
	return ret != 0 ? CTL_EXIT_FAIL : 0;
}

/* Replaces the scope's rule set; the version grows by one. */
static int rule_set_store(struct ctl *ctl, const struct ctl_rule_scope *sc, const char *file, const char *source,
			  char **version_r)
{
	char *error = NULL;
	int64_t version;

	if (db_admin_rule_set_store(ctl->db, ctl_id(sc->tenant_id), ctl_id(sc->team_id), source, file, &version,
				    &error) < 0)
		return ctl_db_fail(error);
	*version_r = xasprintf("%" PRId64, version);
	return 0;
}

/* Checks the names and stores, in one transaction. */
static int rule_load_store(struct ctl *ctl, const struct ctl_rule_scope *sc, const char *file, const char *source,
			   const struct rules_program *p)
{
	char *version = NULL, *error = NULL, *scope;
	int ret;

	if (db_begin(ctl->db, &error) < 0)
		return ctl_db_fail(error);
	ret = refs_check(ctl, sc, file, p);
	if (ret == 0)
		ret = rule_set_store(ctl, sc, file, source, &version);
	if (ret == 0 && db_commit(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret != 0) {
		db_rollback(ctl->db);
		free(version);
		return ret;
	}
	scope = ctl_rule_scope_text(sc);
	printf("loaded %zu rule%s for %s (version %s)\n", rules_count(p), rules_count(p) == 1 ? "" : "s", scope,
	       version);
	free(scope);
	free(version);
	return 0;
}

/* "rule load FILE (--team T | --tenant-wide) [--tenant T]". */
static int rule_load(struct ctl *ctl, const struct ctl_args *a)
{
	const char *file = a->pos[0];
	struct ctl_rule_scope sc;
	struct rules_program *p = NULL;
	char *source = NULL;
	int ret = ctl_rule_scope_resolve(ctl, a, true, &sc, NULL);

	if (ret == 0)
		ret = ctl_rule_compile_file(ctl, file, &p, &source, NULL);
	if (ret == 0)
		ret = rule_load_store(ctl, &sc, strcmp(file, "-") == 0 ? "stdin" : file, source, p);
	rules_program_free(&p);
	free(source);
	ctl_rule_scope_free(&sc);
	return ret;
}

/* The stored rule sets of a scope (all of the tenant's when all). */
static int rule_sets_query(struct ctl *ctl, const struct ctl_rule_scope *sc, bool all, struct db_table **t_r)
{
	char *error = NULL;

	if (db_report_rule_sets(ctl->db, ctl_id(sc->tenant_id), ctl_id(sc->team_id), all, t_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* The rows of one stored rule set: one per rule (none: one empty row). */
static void rule_set_rows(const struct ctl *ctl, const struct db_table *sets, size_t r, struct db_table *out)
{
	struct rules_limits limits = { .match_limit = ctl_rule_match_limit(ctl) };
	const char *source = db_table_get(sets, r, 4);
	struct rules_error err;
	struct rules_program *p = rules_compile(source, strlen(source), &limits, &err);
	size_t n = p != NULL ? rules_count(p) : 0;

	for (size_t i = 0; i < n || (i == 0 && n == 0); i++) {
		char line[16], *events = n > 0 ? ctl_rule_events_text(rules_events(p, i)) : NULL;
		const char *row[7] = { db_table_get(sets, r, 0), db_table_get(sets, r, 1), db_table_get(sets, r, 2),
				       db_table_get(sets, r, 3), n > 0 ? rules_name(p, i) : NULL,
				       n > 0 ? line : NULL, events };

		snprintf(line, sizeof(line), "%u", n > 0 ? rules_line(p, i) : 0);
		ctl_table_add(out, row);
		free(events);
	}
	rules_program_free(&p);
}

/* "rule list [--team T | --tenant-wide] [--tenant T] [--json]". */
static int rule_list(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const cols[] = { "team", "version", "loaded", "file", "rule", "line", "events" };
	struct ctl_rule_scope sc;
	struct db_table *sets = NULL, *out;
	bool all = false;
	int ret = ctl_rule_scope_resolve(ctl, a, false, &sc, &all);

	if (ret == 0)
		ret = rule_sets_query(ctl, &sc, all, &sets);
	if (ret == 0) {
		out = ctl_table_new(7, cols);
		for (size_t r = 0; r < sets->n_rows; r++)
			rule_set_rows(ctl, sets, r, out);
		ctl_output_rows(ctl, out, "sitssis");
		db_table_free(&out);
	}
	db_table_free(&sets);
	ctl_rule_scope_free(&sc);
	return ret;
}

/* "rule show (--team T | --tenant-wide) [--tenant T]": the stored source. */
static int rule_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_rule_scope sc;
	struct db_table *sets = NULL;
	char *scope, *source;
	int ret = ctl_rule_scope_resolve(ctl, a, true, &sc, NULL);

	if (ret == 0)
		ret = rule_sets_query(ctl, &sc, false, &sets);
	if (ret == 0 && sets->n_rows == 0) {
		scope = ctl_rule_scope_text(&sc);
		ret = ctl_fail("no rules loaded for %s", scope);
		free(scope);
	} else if (ret == 0) {
		source = ctl_output_sanitize(db_table_get(sets, 0, 4), true);
		fputs(source, stdout);
		if (source[0] != '\0' && source[strlen(source) - 1] != '\n')
			putchar('\n');
		free(source);
	}
	db_table_free(&sets);
	ctl_rule_scope_free(&sc);
	return ret;
}

const struct ctl_command ctl_rule_commands[] = {
	{ "rule load", "FILE (--team T | --tenant-wide) [--tenant T]",
	  "check a rule file (maildesk-rules(5)) and make it the team's (or the tenant-wide) rules", 1, 1,
	  "team= tenant-wide tenant=", rule_load },
	{ "rule list", "[--team T | --tenant-wide] [--tenant T] [--json]",
	  "list the loaded rules: version, each rule's name, line and events", 0, 0, "team= tenant-wide tenant= json",
	  rule_list },
	{ "rule show", "(--team T | --tenant-wide) [--tenant T]", "print the loaded rule file", 0, 0,
	  "team= tenant-wide tenant=", rule_show },
	{ "rule test", "--team T FILE MESSAGE.eml [--event E] [--order REF] [--tenant T] [--json]",
	  "show rule by rule what FILE would do with a message as a new ticket of team T (--order: with that"
	  " order); changes nothing",
	  2, 2, "team= event= order= tenant= json", ctl_rule_test },
	{ "rule replay", "--team T --since DATE [--until DATE] [--tenant T] [--json]",
	  "run the loaded rules over the team's stored customer messages and show what they match; changes nothing",
	  0, 0, "team= since= until= tenant= json", ctl_rule_replay },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
