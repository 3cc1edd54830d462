/* lib/db's administration operations (db-admin-*.h) against a real
 * PostgreSQL (t/test-env starts a private cluster and exports
 * MD_DATABASE): the ones with logic of their own, where a setting not
 * given must stay as it is, and a template name that depends on where
 * the rules move tickets. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-admin-agent.h"
#include "db/db-admin-rule.h"
#include "db/db-admin-team.h"
#include "db/db-admin-tenant.h"
#include "db/db.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

static struct db *db;

/* Every test gets a migrated schema and its own connection. */
static void setup(void)
{
	db = pg_connect_migrated();
}

/* Closes the test's connection. */
static void teardown(void)
{
	db_close(&db);
}

/* The first cell of a one-row query with $1 = id, as malloc'd text ("NULL"
 * for SQL NULL), to see what an operation left in a row. */
static char *cell(const char *sql, int64_t id)
{
	char s[24], *error = NULL, *v;
	const char *params[1] = { s };
	struct db_table *t = NULL;

	snprintf(s, sizeof(s), "%" PRId64, id);
	ck_assert_msg(pg_try(db, sql, 1, params, &t, &error) == 0, "%s: %s", sql, error);
	ck_assert_uint_eq(t->n_rows, 1);
	v = xstrdup(db_table_get(t, 0, 0) != NULL ? db_table_get(t, 0, 0) : "NULL");
	db_table_free(&t);
	return v;
}

/* Asserts a cell and frees it. */
#define ck_cell(sql, id, want)                                         \
	do {                                                           \
		char *v_ = cell(sql, id);                              \
		ck_assert_str_eq(v_, want);                            \
		free(v_);                                              \
	} while (0)

/* A tenant of the test's own with one team; returns the tenant id. */
static int64_t tenant_with_team(const char *team, int64_t *team_id_r)
{
	char *name = pg_unique_name("tenant"), *error = NULL;
	int64_t id;

	ck_assert_msg(db_admin_tenant_add(db, name, &id, &error) == 0, "%s", error);
	ck_assert_msg(db_admin_team_add(db, id, team, team_id_r, &error) == 0, "%s", error);
	free(name);
	return id;
}

/* "agent set" changes only what is given; an unknown agent is 0. */
START_TEST(test_agent_set_changes_only_given_fields)
{
	struct db_agent_settings name_only = { "Ana B", NULL, -1 }, offline_only = { NULL, NULL, 1 };
	int64_t team, tenant = tenant_with_team("support", &team), agent;
	char *error = NULL;

	ck_assert_msg(db_admin_agent_add(db, tenant, "Ana@Demo.example", "Ana", "-- Ana", &agent, &error) == 0,
		      "%s", error);
	ck_assert_int_eq(db_admin_agent_find(db, tenant, "ana@demo.example", NULL, &error), 1);
	ck_assert_int_eq(db_admin_agent_set(db, tenant, "ANA@demo.example", &name_only, &error), 1);
	ck_cell("SELECT name || '|' || signature || '|' || notify_offline FROM agents WHERE id = $1", agent,
		"Ana B|-- Ana|false");
	ck_assert_int_eq(db_admin_agent_set(db, tenant, "ana@demo.example", &offline_only, &error), 1);
	ck_cell("SELECT name || '|' || signature || '|' || notify_offline FROM agents WHERE id = $1", agent,
		"Ana B|-- Ana|true");
	ck_assert_int_eq(db_admin_agent_set(db, tenant, "nobody@demo.example", &name_only, &error), 0);
	ck_assert_int_eq(db_admin_agent_set(db, tenant + 1000000, "ana@demo.example", &name_only, &error), 0);
}
END_TEST

/* "tenant set" leaves the settings not given; an unknown tenant is 0. */
START_TEST(test_tenant_set_leaves_settings_not_given)
{
	struct db_tenant_settings ack = { NULL, -1, 1 }, req = { NULL, 1, -1 };
	char *name = pg_unique_name("tenant"), *other = pg_unique_name("none"), *error = NULL;
	int64_t id;

	ck_assert_msg(db_admin_tenant_add(db, name, &id, &error) == 0, "%s", error);
	ck_cell("SELECT require_authenticated_requester || '|' || autoack_unauthenticated FROM tenants WHERE id = $1",
		id, "false|false");
	ck_assert_int_eq(db_admin_tenant_set(db, name, &ack, &error), 1);
	ck_cell("SELECT require_authenticated_requester || '|' || autoack_unauthenticated FROM tenants WHERE id = $1",
		id, "false|true");
	ck_assert_int_eq(db_admin_tenant_set(db, name, &req, &error), 1);
	ck_cell("SELECT require_authenticated_requester || '|' || autoack_unauthenticated FROM tenants WHERE id = $1",
		id, "true|true");
	ck_assert_int_eq(db_admin_tenant_set(db, other, &req, &error), 0);
	free(name);
	free(other);
}
END_TEST

/* An SLA target is set, kept (DB_SLA_KEEP) or removed (DB_SLA_NONE). */
START_TEST(test_sla_set_keeps_and_removes_targets)
{
	int64_t team, tenant = tenant_with_team("support", &team);
	char *error = NULL;

	ck_assert_msg(db_admin_sla_set(db, tenant, team, 2, 30, DB_SLA_KEEP, &error) == 0, "%s", error);
	ck_cell("SELECT coalesce(first_response_minutes::text, '-') || '|' || coalesce(resolution_minutes::text, '-')"
		" FROM sla_policies WHERE team_id = $1 AND priority = 2", team, "30|-");
	ck_assert_msg(db_admin_sla_set(db, tenant, team, 2, DB_SLA_KEEP, 240, &error) == 0, "%s", error);
	ck_cell("SELECT coalesce(first_response_minutes::text, '-') || '|' || coalesce(resolution_minutes::text, '-')"
		" FROM sla_policies WHERE team_id = $1 AND priority = 2", team, "30|240");
	ck_assert_msg(db_admin_sla_set(db, tenant, team, 2, DB_SLA_NONE, DB_SLA_KEEP, &error) == 0, "%s", error);
	ck_cell("SELECT coalesce(first_response_minutes::text, '-') || '|' || coalesce(resolution_minutes::text, '-')"
		" FROM sla_policies WHERE team_id = $1 AND priority = 2", team, "-|240");
	ck_cell("SELECT count(*) FROM sla_policies WHERE team_id = $1", team, "1");
}
END_TEST

/* A team's rules may use a template of their own team, or of a team they
 * move tickets to (names with JSON's special characters included); the
 * tenant-wide rules any team's. */
START_TEST(test_rule_template_exists_follows_move_targets)
{
	int64_t support, tenant = tenant_with_team("support", &support), odd;
	const char *odd_name = "sales \"west\" \\ 2";
	const char *targets[] = { "billing", odd_name };
	char *error = NULL;
	bool added;

	ck_assert_msg(db_admin_team_add(db, tenant, odd_name, &odd, &error) == 0, "%s", error);
	ck_assert_msg(db_admin_template_save(db, tenant, odd, "refund", "Hello", &added, &error) == 0, "%s", error);
	ck_assert(added);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, support, "refund", NULL, 0, &error), 0);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, support, "refund", targets, 1, &error), 0);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, support, "refund", targets, 2, &error), 1);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, odd, "refund", NULL, 0, &error), 1);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, 0, "refund", NULL, 0, &error), 1);
	ck_assert_int_eq(db_admin_rule_template_exists(db, tenant, 0, "nosuch", targets, 2, &error), 0);
	ck_assert_msg(db_admin_template_save(db, tenant, odd, "refund", "Hi", &added, &error) == 0, "%s", error);
	ck_assert(!added);
}
END_TEST

static Suite *admin_suite(void)
{
	Suite *s = suite_create("pg-admin");
	TCase *tc = tcase_create("admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_agent_set_changes_only_given_fields);
	tcase_add_test(tc, test_tenant_set_leaves_settings_not_given);
	tcase_add_test(tc, test_sla_set_keeps_and_removes_targets);
	tcase_add_test(tc, test_rule_template_exists_follows_move_targets);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-admin", admin_suite);
}
