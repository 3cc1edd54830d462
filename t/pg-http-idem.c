/* The HTTP API's Idempotency-Key records (lib/db/db-http.c, sql/021 and
 * sql/028) against a real PostgreSQL (t/test-env exports MD_DATABASE): a
 * key's record and a public path's are apart, a second record of a key is
 * a unique violation, and the purge deletes only records older than its
 * ttl, in batches, saying when more are left. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-http.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600
#define HASH0 "0000000000000000000000000000000000000000000000000000000000000000"

static struct db *db;
static int64_t key_row;
static char key_row_s[24];

/* A connection, the schema, no records (the purge is not per tenant) and
 * an API key of a new tenant. */
static void setup(void)
{
	char *name, *v, *key_id;
	const char *p[1];

	db = pg_connect_migrated();
	pg_exec(db, "DELETE FROM http_idempotency", 0, NULL);
	name = pg_unique_name("idem");
	p[0] = name;
	v = pg_value(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, p);
	key_id = pg_value(db, "SELECT substr(md5(random()::text), 1, 16)", 0, NULL);
	ck_assert_int_eq(db_apikey_add(db, strtoll(v, NULL, 10), key_id, HASH0, "intake", "", &key_row, NULL), 0);
	free(key_id);
	snprintf(key_row_s, sizeof(key_row_s), "%" PRId64, key_row);
	free(v);
	free(name);
}

static void teardown(void)
{
	db_close(&db);
}

/* Stores a record of the key (public_path NULL) or of the path. */
static int idem_add(const char *public_path, const char *idem_key, int64_t ticket)
{
	const struct db_http_idem r = { .api_key_id = public_path == NULL ? key_row : 0, .public_path = public_path,
					.idem_key = idem_key, .body_sha256 = "abc", .status = 201,
					.ticket_number = ticket };
	char *error = NULL;
	int ret = db_http_idem_insert(db, &r, &error);

	free(error);
	return ret;
}

/* n records aged ago (e.g. "3 hours"), keys PREFIX-1..n. */
static void idem_add_old(unsigned n, const char *prefix, const char *ago)
{
	char ns[16];
	const char *p[4] = { key_row_s, prefix, ns, ago };

	snprintf(ns, sizeof(ns), "%u", n);
	pg_exec(db,
		"INSERT INTO http_idempotency (api_key_id, idem_key, body_sha256, status, ticket_number, created_at)"
		" SELECT $1::bigint, $2 || '-' || i, 'x', 201, i, now() - $4::interval FROM generate_series(1, $3::integer) i",
		4, p);
}

static unsigned purge(unsigned ttl_s, unsigned max_batches, bool *more_r)
{
	unsigned n = 0;
	char *error = NULL;

	ck_assert_int_eq(db_http_idem_purge_batches(db, ttl_s, max_batches, &n, more_r, &error), 0);
	ck_assert_ptr_null(error);
	return n;
}

START_TEST(test_key_and_path_records_are_apart)
{
	struct db_http_idem r;
	char hash[65], *error = NULL;

	ck_assert_int_eq(idem_add(NULL, "k", 10), 0);
	ck_assert_int_eq(idem_add("/v1/forms/quick", "k", 11), 0);
	ck_assert_int_eq(idem_add("/v1/forms/other", "k", 12), 0);
	ck_assert_int_eq(db_http_idem_find(db, key_row, NULL, "k", &r, hash, &error), 1);
	ck_assert_int_eq(r.ticket_number, 10);
	ck_assert_str_eq(hash, "abc");
	ck_assert_int_eq(db_http_idem_find(db, 0, "/v1/forms/quick", "k", &r, hash, &error), 1);
	ck_assert_int_eq(r.ticket_number, 11);
	ck_assert_int_eq(db_http_idem_find(db, 0, "/v1/forms/none", "k", &r, hash, &error), 0);
	ck_assert_int_eq(db_http_idem_find(db, key_row, NULL, "other", &r, hash, &error), 0);
	ck_assert_ptr_null(error);
}
END_TEST

START_TEST(test_a_second_record_of_a_key_is_a_duplicate)
{
	ck_assert_int_eq(idem_add(NULL, "twice", 1), 0);
	ck_assert_int_eq(idem_add(NULL, "twice", 2), -1);
	ck_assert(db_last_error_was_duplicate(db));
	ck_assert_int_eq(idem_add("/v1/forms/quick", "twice", 3), 0);
	ck_assert_int_eq(idem_add("/v1/forms/quick", "twice", 4), -1);
	ck_assert(db_last_error_was_duplicate(db));
}
END_TEST

START_TEST(test_purge_deletes_only_old_records_in_batches)
{
	bool more;

	idem_add_old(DB_HTTP_IDEM_PURGE_BATCH + 5, "old", "3 hours");
	idem_add_old(3, "young", "30 minutes");
	ck_assert_int_eq(idem_add("/v1/forms/quick", "now", 1), 0);
	ck_assert_uint_eq(purge(2 * HOUR, 1, &more), DB_HTTP_IDEM_PURGE_BATCH);
	ck_assert(more);
	ck_assert_uint_eq(purge(2 * HOUR, 10, &more), 5);
	ck_assert(!more);
	ck_assert_uint_eq(purge(2 * HOUR, 10, &more), 0);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM http_idempotency", 0, NULL), 4);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM http_idempotency WHERE idem_key LIKE 'old-%'", 0, NULL), 0);
	ck_assert_uint_eq(purge(HOUR / 4, 10, &more), 3);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM http_idempotency WHERE idem_key = 'now'", 0, NULL), 1);
}
END_TEST

static Suite *idem_suite(void)
{
	Suite *s = suite_create("pg-http-idem");
	TCase *tc = tcase_create("idem");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_and_path_records_are_apart);
	tcase_add_test(tc, test_a_second_record_of_a_key_is_a_duplicate);
	tcase_add_test(tc, test_purge_deletes_only_old_records_in_batches);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-http-idem", idem_suite);
}
