/* Outbound retention (db_outbound_purge, sql/009_outbound_retention.sql)
 * against a real PostgreSQL (t/test-env exports MD_DATABASE): which rows
 * lose their bytes and which keep them, the batch limit, a second run, and
 * retry of a purged row. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-outbound.h"

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define HOUR 3600

static struct db *db;
static char tenant[24];

/* SQL with n text parameters that must succeed: the first cell as a
 * malloc'd string ("" for SQL NULL or no row). */
static char *q(const char *sql, size_t n, ...)
{
	va_list ap;
	char *v;

	va_start(ap, n);
	v = pg_vq(db, sql, n, ap);
	va_end(ap);
	return v != NULL ? v : xstrdup("");
}

/* Asserts the first cell of sql with one parameter. */
static void assert_q(const char *expected, const char *sql, const char *p1)
{
	char *v = q(sql, 1, p1);

	ck_assert_msg(strcmp(v, expected) == 0, "%s [%s]: expected '%s', got '%s'", sql, p1, expected, v);
	free(v);
}

/* A connection, the schema, an empty queue (the purge is not per tenant)
 * and a tenant. */
static void setup(void)
{
	char *v;

	db = pg_connect_migrated();
	free(q("DELETE FROM outbound", 0));
	v = q("INSERT INTO tenants (name) VALUES ('purge-' || md5(random()::text)) RETURNING id", 0);
	snprintf(tenant, sizeof(tenant), "%s", v);
	free(v);
}

static void teardown(void)
{
	db_close(&db);
}

/* A row in state, created created_ago and (when sent) sent sent_ago,
 * e.g. "2 hours"; its id as a string (one of 16 rotating buffers). */
static const char *row_new(const char *state, const char *created_ago, const char *sent_ago)
{
	static char ids[16][24];
	static unsigned next;
	char *id = ids[next++ % 16], *v;

	v = q("INSERT INTO outbound (tenant_id, kind, rcpts, data, message_id, state, created_at, sent_at,"
	      " last_code, last_error)"
	      " VALUES ($1, 'reply', ARRAY['carla@customer.example'], '\\x5375626a6563743a2078'::bytea,"
	      " 'md.' || md5(random()::text) || '@example.org', $2, now() - $3::interval,"
	      " CASE WHEN $2 = 'sent' THEN now() - $4::interval END, 250, 'queued as X')"
	      " RETURNING id",
	      4, tenant, state, created_ago, sent_ago);
	snprintf(id, 24, "%s", v);
	free(v);
	return id;
}

/* db_outbound_purge that must succeed; returns how many it purged. */
static unsigned purge(unsigned retention_s, unsigned limit)
{
	char *error = NULL;
	unsigned n = 99;

	ck_assert_msg(db_outbound_purge(db, retention_s, limit, &n, &error) == 0, "purge: %s", error);
	return n;
}

/* Purged: no bytes, purged_at set, the rest of the row as it was. */
static void assert_purged(const char *id, const char *state)
{
	assert_q("0", "SELECT octet_length(data) FROM outbound WHERE id = $1", id);
	assert_q("t", "SELECT purged_at > now() - interval '1 minute' FROM outbound WHERE id = $1", id);
	assert_q(state, "SELECT state FROM outbound WHERE id = $1", id);
	assert_q("carla@customer.example|250|queued as X|true",
		 "SELECT array_to_string(rcpts, ',') || '|' || last_code || '|' || last_error || '|'"
		 " || (message_id LIKE 'md.%@example.org') FROM outbound WHERE id = $1",
		 id);
}

/* Untouched: the bytes and no purged_at. */
static void assert_kept(const char *id)
{
	assert_q("10|true", "SELECT octet_length(data) || '|' || (purged_at IS NULL) FROM outbound WHERE id = $1", id);
}

START_TEST(test_old_sent_and_failed_rows_lose_their_bytes_only)
{
	const char *sent_old = row_new("sent", "3 days", "2 hours");
	const char *failed_old = row_new("failed", "2 hours", NULL);
	/* Sent recently although queued long ago: sent_at counts. */
	const char *sent_new = row_new("sent", "3 days", "10 minutes");
	const char *failed_new = row_new("failed", "10 minutes", NULL);
	const char *queued = row_new("queued", "3 days", NULL);
	const char *deferred = row_new("deferred", "3 days", NULL);
	const char *sending = row_new("sending", "3 days", NULL);

	ck_assert_uint_eq(purge(HOUR, 1000), 2);
	assert_purged(sent_old, "sent");
	assert_purged(failed_old, "failed");
	assert_kept(sent_new);
	assert_kept(failed_new);
	assert_kept(queued);
	assert_kept(deferred);
	assert_kept(sending);
	/* A second run finds nothing more, and changes no purge time. */
	free(q("UPDATE outbound SET purged_at = purged_at - interval '1 day' WHERE purged_at IS NOT NULL", 0));
	ck_assert_uint_eq(purge(HOUR, 1000), 0);
	assert_q("2", "SELECT count(*) FROM outbound WHERE purged_at < now() - interval '23 hours' AND tenant_id = $1",
		 tenant);
	/* A shorter retention reaches the newer ones; never the unsent. */
	ck_assert_uint_eq(purge(60, 1000), 2);
	assert_purged(sent_new, "sent");
	assert_purged(failed_new, "failed");
	assert_kept(queued);
	assert_kept(deferred);
	assert_kept(sending);
}
END_TEST

START_TEST(test_batch_limit_holds)
{
	for (int i = 0; i < 5; i++)
		row_new("sent", "3 days", "2 days");
	ck_assert_uint_eq(purge(HOUR, 2), 2);
	assert_q("2", "SELECT count(*) FROM outbound WHERE purged_at IS NOT NULL AND tenant_id = $1", tenant);
	ck_assert_uint_eq(purge(HOUR, 2), 2);
	ck_assert_uint_eq(purge(HOUR, 2), 1);
	ck_assert_uint_eq(purge(HOUR, 2), 0);
	assert_q("0", "SELECT count(*) FROM outbound WHERE purged_at IS NULL AND tenant_id = $1", tenant);
}
END_TEST

START_TEST(test_batches_stop_at_the_cap_and_say_more)
{
	char *error = NULL;
	unsigned n = 0;
	bool more = false;

	free(q("INSERT INTO outbound (tenant_id, kind, rcpts, data, state, created_at, sent_at)"
	       " SELECT $1, 'notification', ARRAY['ana@example.org'], 'x'::bytea, 'sent',"
	       " now() - interval '2 days', now() - interval '2 days' FROM generate_series(1, $2::int)",
	       2, tenant, "1001"));
	ck_assert_int_eq(db_outbound_purge_batches(db, HOUR, 1, &n, &more, &error), 0);
	ck_assert_uint_eq(n, DB_OUTBOUND_PURGE_BATCH);
	ck_assert(more);
	ck_assert_int_eq(db_outbound_purge_batches(db, HOUR, 5, &n, &more, &error), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert(!more);
	ck_assert_int_eq(db_outbound_purge_batches(db, HOUR, 5, &n, &more, &error), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_purged_failed_row_is_not_retried)
{
	const char *purged = row_new("failed", "2 days", NULL), *kept = row_new("failed", "10 minutes", NULL);
	char *error = NULL;

	ck_assert_uint_eq(purge(HOUR, 1000), 1);
	ck_assert_int_eq(db_outbound_retry(db, strtoll(purged, NULL, 10), &error), 0);
	assert_q("failed", "SELECT state FROM outbound WHERE id = $1", purged);
	ck_assert_int_eq(db_outbound_retry(db, strtoll(kept, NULL, 10), &error), 1);
	assert_q("queued", "SELECT state FROM outbound WHERE id = $1", kept);
	/* And the schema says so too: a purged row never goes back. */
	ck_assert_int_lt(pg_try(db, "UPDATE outbound SET state = 'queued' WHERE id = $1", 1, &purged, NULL, &error),
			 0);
	ck_assert_msg(strstr(error, "outbound_purged_final") != NULL, "%s", error);
	free(error);
}
END_TEST

START_TEST(test_purge_refuses_a_transaction)
{
	char *error = NULL;
	unsigned n = 99;

	row_new("sent", "3 days", "2 days");
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_outbound_purge(db, HOUR, 10, &n, &error), -1);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(error);
	free(error);
	db_rollback(db);
	ck_assert_uint_eq(purge(HOUR, 10), 1);
}
END_TEST

static Suite *purge_suite(void)
{
	Suite *s = suite_create("pg-outbound-purge");
	TCase *tc = tcase_create("purge");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_old_sent_and_failed_rows_lose_their_bytes_only);
	tcase_add_test(tc, test_batch_limit_holds);
	tcase_add_test(tc, test_batches_stop_at_the_cap_and_say_more);
	tcase_add_test(tc, test_purged_failed_row_is_not_retried);
	tcase_add_test(tc, test_purge_refuses_a_transaction);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-outbound-purge", purge_suite);
}
