/* Issue 14 in lib/db against a private PostgreSQL: db_begin_outer()'s
 * nesting (an inner db_begin is a savepoint: its rollback undoes only its
 * part, its commit waits for the outer one, a duplicate's SQLSTATE
 * survives its rollback), the audit log (recorded, filtered, invalid JSON
 * refused), and tenant removal sweeping tables added later (children
 * first) and refusing, named, when a table still holds the tenant's rows. */
#include "config.h"
#include "pg-lib.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/db-audit.h"
#include "db/db-lifecycle.h"

static struct db *db;

static void setup(void)
{
	db = pg_connect_migrated();
}

static void teardown(void)
{
	db_close(&db);
}

/* A tenant of the test's own; its id. */
static int64_t tenant_create(char **name_r)
{
	char *name = pg_unique_name("tenant"), *v;
	const char *params[1] = { name };
	int64_t id;

	v = pg_value(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	id = strtoll(v, NULL, 10);
	free(v);
	if (name_r != NULL)
		*name_r = name;
	else
		free(name);
	return id;
}

/* How many tenants are called name. */
static int64_t tenants_named(const char *name)
{
	const char *params[1] = { name };

	return pg_int(db, "SELECT count(*) FROM tenants WHERE name = $1", 1, params);
}

START_TEST(test_outer_inner_rollback_undoes_only_inner)
{
	char *a = pg_unique_name("outer"), *b = pg_unique_name("inner"), *error = NULL;
	const char *pa[1] = { a }, *pb[1] = { b };

	ck_assert_int_eq(db_begin_outer(db, &error), 0);
	pg_exec(db, "INSERT INTO tenants (name) VALUES ($1)", 1, pa);
	ck_assert_int_eq(db_begin(db, &error), 0);
	pg_exec(db, "INSERT INTO tenants (name) VALUES ($1)", 1, pb);
	db_rollback(db);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(tenants_named(a), 1);
	ck_assert_int_eq(tenants_named(b), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_inner_commit_waits_for_outer)
{
	char *a = pg_unique_name("inner"), *error = NULL;
	const char *pa[1] = { a };

	ck_assert_int_eq(db_begin_outer(db, &error), 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	pg_exec(db, "INSERT INTO tenants (name) VALUES ($1)", 1, pa);
	ck_assert_int_eq(db_commit(db, &error), 0);
	db_rollback(db);
	ck_assert_int_eq(tenants_named(a), 0);
	/* Afterwards db_begin is a plain BEGIN again. */
	ck_assert_int_eq(db_begin(db, &error), 0);
	pg_exec(db, "INSERT INTO tenants (name) VALUES ($1)", 1, pa);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(tenants_named(a), 1);
	free(a);
}
END_TEST

START_TEST(test_inner_duplicate_keeps_sqlstate_after_rollback)
{
	char *name = NULL, *error = NULL;
	const char *params[1];

	tenant_create(&name);
	params[0] = name;
	ck_assert_int_eq(db_begin_outer(db, &error), 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(pg_try(db, "INSERT INTO tenants (name) VALUES ($1)", 1, params, NULL, &error), -1);
	free(error);
	error = NULL;
	db_rollback(db);
	ck_assert(db_last_error_was_duplicate(db));
	/* The outer transaction is usable after the inner failure. */
	ck_assert_int_eq(tenants_named(name), 1);
	ck_assert_int_eq(db_commit(db, &error), 0);
	free(name);
}
END_TEST

START_TEST(test_audit_record_and_list)
{
	char *name = NULL, *error = NULL;
	int64_t t = tenant_create(&name);
	struct db_audit r = { .tenant_id = t, .actor = "unix:test", .action = "team set", .object = "support",
			      .before = "{\"reopen_days\": 30}", .after = "{\"reopen_days\": 9}" };
	struct db_table *list = NULL;

	ck_assert_int_eq(db_audit_record(db, &r, &error), 0);
	r.before = "not json";
	ck_assert_int_eq(db_audit_record(db, &r, &error), -1);
	free(error);
	error = NULL;
	ck_assert_int_eq(db_audit_list(db, t, 3600, 0, true, &list, &error), 0);
	ck_assert_uint_eq(list->n_rows, 1);
	ck_assert_str_eq(db_table_get(list, 0, 1), name);
	ck_assert_str_eq(db_table_get(list, 0, 2), "unix:test");
	ck_assert_str_eq(db_table_get(list, 0, 3), "team set");
	ck_assert_str_eq(db_table_get(list, 0, 5), "{\"reopen_days\": 30}");
	db_table_free(&list);
	ck_assert_int_eq(db_audit_list(db, t, 0, 0, false, &list, &error), 0);
	ck_assert_str_eq(db_table_get(list, 0, 5), "reopen_days: 30 -> 9");
	db_table_free(&list);
	ck_assert_int_eq(db_audit_list(db, t + 100000, 0, 0, false, &list, &error), 0);
	ck_assert_uint_eq(list->n_rows, 0);
	db_table_free(&list);
	free(name);
}
END_TEST

START_TEST(test_tenant_remove_sweeps_later_tables)
{
	char *name = NULL, *error = NULL, id[24];
	int64_t t = tenant_create(&name);
	const char *params[1] = { id };

	snprintf(id, sizeof(id), "%" PRId64, t);
	/* Two tables no removal code knows (the parent sorts first), the child refusing its parent's
	 * delete until it is gone itself. */
	pg_exec(db, "CREATE TABLE lc_a_parent (tenant_id bigint NOT NULL, id int, PRIMARY KEY (tenant_id, id))", 0,
		NULL);
	pg_exec(db, "CREATE TABLE lc_b_child (tenant_id bigint NOT NULL, parent int,"
		    " FOREIGN KEY (tenant_id, parent) REFERENCES lc_a_parent (tenant_id, id))",
		0, NULL);
	pg_exec(db, "INSERT INTO lc_a_parent VALUES ($1, 1)", 1, params);
	pg_exec(db, "INSERT INTO lc_b_child VALUES ($1, 1)", 1, params);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_lifecycle_tenant_remove(db, t, &error), 1);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(tenants_named(name), 0);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM lc_a_parent", 0, NULL) +
				 pg_int(db, "SELECT count(*) FROM lc_b_child", 0, NULL),
			 0);
	pg_exec(db, "DROP TABLE lc_b_child, lc_a_parent", 0, NULL);
	free(name);
}
END_TEST

START_TEST(test_tenant_remove_refuses_unknown_table)
{
	char *name = NULL, *error = NULL, id[24];
	int64_t t = tenant_create(&name);
	const char *params[1] = { id };

	snprintf(id, sizeof(id), "%" PRId64, t);
	/* A table whose rows will not go (a trigger skips every delete). */
	pg_exec(db, "CREATE TABLE IF NOT EXISTS lc_stuck (tenant_id bigint NOT NULL)", 0, NULL);
	pg_exec(db, "CREATE OR REPLACE FUNCTION lc_keep() RETURNS trigger LANGUAGE plpgsql AS"
		    " $$BEGIN RETURN NULL; END$$", 0, NULL);
	pg_exec(db, "CREATE OR REPLACE TRIGGER lc_keep BEFORE DELETE ON lc_stuck FOR EACH ROW EXECUTE FUNCTION lc_keep()",
		0, NULL);
	pg_exec(db, "INSERT INTO lc_stuck (tenant_id) VALUES ($1)", 1, params);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_lifecycle_tenant_remove(db, t, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "lc_stuck (1 rows)"));
	free(error);
	error = NULL;
	db_rollback(db);
	ck_assert_int_eq(tenants_named(name), 1);
	pg_exec(db, "DROP TABLE lc_stuck", 0, NULL);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_lifecycle_tenant_remove(db, t, &error), 1);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(tenants_named(name), 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_lifecycle_tenant_remove(db, t, &error), 0);
	db_rollback(db);
	free(name);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("pg-audit");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_outer_inner_rollback_undoes_only_inner);
	tcase_add_test(tc, test_inner_commit_waits_for_outer);
	tcase_add_test(tc, test_inner_duplicate_keeps_sqlstate_after_rollback);
	tcase_add_test(tc, test_audit_record_and_list);
	tcase_add_test(tc, test_tenant_remove_sweeps_later_tables);
	tcase_add_test(tc, test_tenant_remove_refuses_unknown_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_main("pg-audit", audit_suite);
}
