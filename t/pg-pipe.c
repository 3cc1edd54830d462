/* lib/db's pipelined transactions (db_begin_pipelined, db-pipe.c) against a
 * real PostgreSQL: statements whose result nobody reads share one round
 * trip, a queued statement's failure is never lost (the next waiting call,
 * db_flush or db_commit returns it), a savepoint undoes a failed step and
 * the transaction goes on, preparing inside the pipeline works, and a
 * connection killed mid-pipeline costs nothing but that transaction. */
#include "config.h"
#include "pg-lib.h"
#include "db/db.h"
#include "db/db-stats.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

static struct db *db;

/* A migrated schema and a connection of the test's own. */
static void setup(void)
{
	db = pg_connect_migrated();
}

static void teardown(void)
{
	db_close(&db);
}

/* How many tenants are called name (outside any transaction). */
static long tenants_named(const char *name)
{
	struct db_table *t = NULL;
	const char *params[1] = { name };
	char *error = NULL;
	long n;

	ck_assert_msg(pg_try(db, "SELECT count(*) FROM tenants WHERE name = $1", 1, params, &t, &error) == 0, "%s",
		      error);
	n = strtol(db_table_get(t, 0, 0), NULL, 10);
	db_table_free(&t);
	return n;
}

/* Queues an insert of a tenant called name: 0 (queued) or -1. */
static int tenant_insert(const char *name, char **error_r)
{
	const char *params[1] = { name };

	return pg_try(db, "INSERT INTO tenants (name) VALUES ($1)", 1, params, NULL, error_r);
}

START_TEST(test_queued_statements_share_one_round_trip)
{
	char *a = pg_unique_name("pipe-a"), *b = pg_unique_name("pipe-b"), *c = pg_unique_name("pipe-c"), *error = NULL;
	struct db_stats_round_trips before, after;
	uint64_t st0, st1;

	/* Prepared once beforehand: preparing is a round trip of its own. */
	ck_assert_int_eq(tenants_named(a), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(tenants_named(a), 1);
	free(a);
	a = pg_unique_name("pipe-a");
	db_stats_round_trips(&before);
	st0 = db_stats_statements();
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(tenant_insert(b, &error), 0);
	ck_assert_int_eq(tenant_insert(c, &error), 0);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	db_stats_round_trips(&after);
	st1 = db_stats_statements();
	/* BEGIN, three inserts and COMMIT: five statements, one wait. */
	ck_assert_uint_eq(st1 - st0, 5);
	ck_assert_uint_eq(after.count - before.count, 1);
	ck_assert_int_eq(tenants_named(a), 1);
	ck_assert_int_eq(tenants_named(b), 1);
	ck_assert_int_eq(tenants_named(c), 1);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_queued_failure_is_returned_by_the_next_read)
{
	char *a = pg_unique_name("pipe-dup"), *b = pg_unique_name("pipe-after"), *error = NULL;
	struct db_table *t = NULL;

	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(b, &error), 0);
	/* Queued: the duplicate is not known yet. */
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	/* The next statement that waits reports it, as its own failure. */
	ck_assert_int_eq(pg_try(db, "SELECT 1", 0, NULL, &t, &error), -1);
	ck_assert_ptr_null(t);
	ck_assert(db_last_error_was_duplicate(db));
	ck_assert_ptr_nonnull(strstr(error, "duplicate"));
	free(error);
	error = NULL;
	ck_assert_int_eq(db_commit(db, &error), -1);
	free(error);
	db_rollback(db);
	/* Nothing of the failed transaction stayed; the connection is fine
	 * and out of pipeline mode (a plain transaction works). */
	ck_assert_int_eq(tenants_named(b), 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(tenant_insert(b, &error), 0);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(tenants_named(b), 1);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_queued_failure_fails_commit)
{
	char *a = pg_unique_name("pipe-c1"), *b = pg_unique_name("pipe-c2"), *error = NULL;

	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(b, &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	/* Nothing read it before COMMIT: COMMIT itself fails with it. */
	ck_assert_int_eq(db_commit(db, &error), -1);
	ck_assert(db_last_error_was_duplicate(db));
	free(error);
	db_rollback(db);
	ck_assert_int_eq(tenants_named(b), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_flush_lets_a_savepoint_undo_a_failed_step)
{
	char *a = pg_unique_name("pipe-s1"), *b = pg_unique_name("pipe-s2"), *c = pg_unique_name("pipe-s3"), *error = NULL;

	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(b, &error), 0);
	/* A step: its queued insert fails; db_flush says so. */
	ck_assert_int_eq(db_savepoint(db, "step", &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(db_flush(db, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "duplicate"));
	free(error);
	error = NULL;
	ck_assert_int_eq(db_rollback_to(db, "step", &error), 0);
	ck_assert_int_eq(db_release(db, "step", &error), 0);
	/* A step that fails for a reason of its own, with a failing insert
	 * still queued: ROLLBACK TO is not skipped because of it. */
	ck_assert_int_eq(db_savepoint(db, "step", &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(db_rollback_to(db, "step", &error), 0);
	ck_assert_int_eq(db_release(db, "step", &error), 0);
	/* The transaction goes on and commits what was outside the steps. */
	ck_assert_int_eq(tenant_insert(c, &error), 0);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	ck_assert_int_eq(tenants_named(a), 1);
	ck_assert_int_eq(tenants_named(b), 1);
	ck_assert_int_eq(tenants_named(c), 1);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_flush_with_nothing_risky_queued_costs_nothing)
{
	char *error = NULL;
	struct db_stats_round_trips before, after;

	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(db_savepoint(db, "step", &error), 0);
	db_stats_round_trips(&before);
	ck_assert_int_eq(db_flush(db, &error), 0);
	ck_assert_int_eq(db_release(db, "step", &error), 0);
	db_stats_round_trips(&after);
	ck_assert_uint_eq(after.count, before.count);
	ck_assert_int_eq(db_commit(db, &error), 0);
}
END_TEST

START_TEST(test_prepare_inside_the_pipeline)
{
	char *a = pg_unique_name("pipe-p"), *sql, *error = NULL;
	struct db_table *t = NULL;
	const char *params[1] = { a };

	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	/* A statement text this connection never ran: prepared on the spot,
	 * after what is queued, and it sees the queued insert. */
	sql = xasprintf("SELECT count(*) /* %s */ FROM tenants WHERE name = $1", a);
	ck_assert_msg(pg_try(db, sql, 1, params, &t, &error) == 0, "%s", error);
	ck_assert_str_eq(db_table_get(t, 0, 0), "1");
	db_table_free(&t);
	ck_assert_int_eq(db_commit(db, &error), 0);
	/* Still prepared, and usable, in the next transaction. */
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_msg(pg_try(db, sql, 1, params, &t, &error) == 0, "%s", error);
	ck_assert_str_eq(db_table_get(t, 0, 0), "1");
	db_table_free(&t);
	ck_assert_int_eq(db_commit(db, &error), 0);
	free(sql);
	free(a);
}
END_TEST

START_TEST(test_connection_killed_mid_pipeline)
{
	char *a = pg_unique_name("pipe-k"), *error = NULL, pid[24];
	struct db *killer = pg_connect();
	struct db_table *t = NULL;
	const char *params[1] = { pid };

	ck_assert_int_eq(pg_try(db, "SELECT pg_backend_pid()", 0, NULL, &t, &error), 0);
	snprintf(pid, sizeof(pid), "%s", db_table_get(t, 0, 0));
	db_table_free(&t);
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_int_eq(pg_try(killer, "SELECT pg_terminate_backend($1::int, 10000)", 1, params, NULL, &error), 0);
	ck_assert_int_eq(db_commit(db, &error), -1);
	free(error);
	error = NULL;
	db_rollback(db);
	/* The next call reconnects; the insert never happened. */
	ck_assert_int_eq(tenants_named(a), 0);
	ck_assert_int_eq(db_begin_pipelined(db, &error), 0);
	ck_assert_int_eq(tenant_insert(a, &error), 0);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	ck_assert_int_eq(tenants_named(a), 1);
	db_close(&killer);
	free(a);
}
END_TEST

/* Every test of pipelined transactions. */
static Suite *pipe_suite(void)
{
	Suite *s = suite_create("pg-pipe");
	TCase *tc = tcase_create("pipe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_queued_statements_share_one_round_trip);
	tcase_add_test(tc, test_queued_failure_is_returned_by_the_next_read);
	tcase_add_test(tc, test_queued_failure_fails_commit);
	tcase_add_test(tc, test_flush_lets_a_savepoint_undo_a_failed_step);
	tcase_add_test(tc, test_flush_with_nothing_risky_queued_costs_nothing);
	tcase_add_test(tc, test_prepare_inside_the_pipeline);
	tcase_add_test(tc, test_connection_killed_mid_pipeline);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-pipe", pipe_suite);
}
