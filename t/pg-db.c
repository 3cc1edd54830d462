/* lib/db against a real PostgreSQL (t/test-env starts a private cluster and
 * exports MD_DATABASE): migrations, alias lookup, delivery, duplicates and
 * their races, rollback on failure, reconnect. */
#include "config.h"
#include "pg-lib.h"
#include "db/db.h"

#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "desk/desk.h"

/* The delivery pipeline without a secret: threading by References and
 * subject tags only, as these tests expect. */
static const struct desk_settings desk_test = { .hostname = "pg-db.test" };

static struct db *db;

/* Every test gets a migrated schema and its own connection. */
static void setup(void)
{
	db = pg_connect_migrated();
}

/* Closes the test's connection (and checks db_close NULLs it). */
static void teardown(void)
{
	db_close(&db);
	ck_assert_ptr_null(db);
}

/* A count(*) with the tenant id as $1. */
static long count_rows(const char *sql, int64_t tenant_id)
{
	char id[24], *v;
	const char *params[1] = { id };
	long n;

	snprintf(id, sizeof(id), "%" PRId64, tenant_id);
	v = pg_value(db, sql, 1, params);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

/* A tenant of the test's own, so counts are per test. */
static int64_t tenant_create(void)
{
	char *name = pg_unique_name("tenant"), *v;
	const char *params[1] = { name };
	int64_t id;

	v = pg_value(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	id = strtoll(v, NULL, 10);
	free(v);
	free(name);
	return id;
}

/* A team with one alias "<name>@Example.ORG" (mixed case on purpose);
 * *alias_r gets the alias as given. */
static int64_t team_create(int64_t tenant_id, char **alias_r)
{
	char tid[24], *name = pg_unique_name("team"), *v, *team_id_s;
	const char *params[3] = { tid, name, NULL };
	int64_t id;

	snprintf(tid, sizeof(tid), "%" PRId64, tenant_id);
	team_id_s = pg_value(db, "INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id", 2,
			      params);
	id = strtoll(team_id_s, NULL, 10);
	*alias_r = xasprintf("%s@Example.ORG", name);
	params[1] = team_id_s;
	params[2] = *alias_r;
	v = pg_value(db, "INSERT INTO team_aliases (tenant_id, team_id, address) VALUES ($1, $2, lower($3))"
			  " RETURNING address",
		      3, params);
	free(v);
	free(team_id_s);
	free(name);
	return id;
}

/* A parsed message with two attachments of the same content. */
struct test_msg {
	struct db_message_in in;
	struct db_address to[2];
	struct db_attachment_in att[2];
	const char *refs[2];
	char raw[256];
	char sha[65];
};

static const unsigned char att_data[] = { 0x00, 0x01, 0xff, 'P', 'D', 'F' };

/* Fills m with a unique message (its own raw bytes and hash). */
static void test_msg_init(struct test_msg *m, const char *from)
{
	static unsigned seq;

	memset(m, 0, sizeof(*m));
	snprintf(m->raw, sizeof(m->raw), "From: %s\r\nSubject: Printer\r\nX-Seq: %ld-%u\r\n\r\nhello\r\n",
		 from, (long)getpid(), ++seq);
	snprintf(m->sha, sizeof(m->sha), "%056lX%08X", (unsigned long)getpid(), seq);
	m->to[0] = (struct db_address){ "Support", "support@example.org" };
	m->to[1] = (struct db_address){ NULL, "other@example.org" };
	m->refs[0] = "<a@x>";
	m->refs[1] = "<b@x>";
	for (int i = 0; i < 2; i++)
		m->att[i] = (struct db_attachment_in){ "report.pdf", "application/pdf", NULL, false,
						      att_data, sizeof(att_data),
						      "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd" };
	m->in = (struct db_message_in){
		.raw = m->raw, .raw_len = strlen(m->raw), .raw_sha256_hex = m->sha,
		.envelope_from = "bounce@example.com", .from_name = "Alice", .from_addr = from,
		.to = m->to, .n_to = 2, .subject = "Printer on fire", .date = 1700000000,
		.message_id = "<m1@example.com>", .in_reply_to = NULL, .references = m->refs,
		.n_references = 2, .header_block = "From: x\r\n", .text_body = "hello\n",
		.html_body = "<p>hello</p>", .attachments = m->att, .n_attachments = 2,
		.defects = 0, .defects_str = "",
	};
}

/* desk_deliver that must succeed. */
static struct db_delivery_result deliver_ok(struct db *d, int64_t tenant, int64_t team, const char *rcpt,
					    const struct db_message_in *in)
{
	struct db_delivery_result r;
	char *error = NULL;

	ck_assert_msg(desk_deliver(d, &desk_test, tenant, team, rcpt, in, &r, &error) == 0, "deliver: %s", error);
	return r;
}

/* Drops everything, so the migrations run on an empty database. */
static void schema_drop(void)
{
	pg_exec(db, "DROP SCHEMA public CASCADE", 0, NULL);
	pg_exec(db, "CREATE SCHEMA public", 0, NULL);
}

START_TEST(test_migrations_apply_then_reapply_nothing)
{
	unsigned applied = 99, version = 99;
	char *error = NULL, *v;
	static const char *const tables[] = { "tenants", "teams", "team_aliases", "agents",
					       "team_agents", "contacts", "tickets", "raw_messages",
					       "messages", "blobs", "attachments", "schema_migrations" };

	schema_drop();
	ck_assert_int_eq(db_schema_check(db, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "maildeskctl db migrate"));
	free(error);
	ck_assert_int_eq(db_schema_version(db, &version, &error), 0);
	ck_assert_uint_eq(version, 0);
	ck_assert_msg(db_migrate(db, &applied, &error) == 0, "%s", error);
	/* Every migration this build knows ran once (numbers may have gaps
	 * while branches are merged, so count the rows rather than take the
	 * highest number). */
	v = pg_value(db, "SELECT count(*)::text FROM schema_migrations", 0, NULL);
	ck_assert_uint_eq(applied, strtoul(v, NULL, 10));
	free(v);
	ck_assert_msg(db_migrate(db, &applied, &error) == 0, "%s", error);
	ck_assert_uint_eq(applied, 0);
	ck_assert_msg(db_schema_check(db, &error) == 0, "%s", error);
	ck_assert_int_eq(db_schema_version(db, &version, &error), 0);
	ck_assert_uint_eq(version, db_schema_version_known());
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		const char *params[1] = { tables[i] };
		v = pg_value(db, "SELECT to_regclass($1)::text", 1, params);
		ck_assert_msg(v != NULL, "table %s missing", tables[i]);
		free(v);
	}
}
END_TEST

/* One migrator on its own connection. */
static void *migrate_thread(void *arg)
{
	unsigned *applied = arg;
	struct db *d = pg_connect();
	char *error = NULL;

	if (db_migrate(d, applied, &error) < 0) {
		fprintf(stderr, "migrate: %s\n", error);
		*applied = 1000;
	}
	db_close(&d);
	return NULL;
}

START_TEST(test_migrations_concurrent_apply_once)
{
	unsigned applied[2] = { 0, 0 };
	pthread_t th[2];

	schema_drop();
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, migrate_thread, &applied[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	char *v = pg_value(db, "SELECT count(*)::text FROM schema_migrations", 0, NULL);

	ck_assert_uint_eq(applied[0] + applied[1], strtoul(v, NULL, 10));
	ck_assert_uint_gt(applied[0] + applied[1], 0);
	free(v);
}
END_TEST

START_TEST(test_alias_lookup_found_unknown_case_insensitive)
{
	int64_t tenant = tenant_create(), tenant_r = 0, team_r = 0;
	char *alias, *upper, *error = NULL;
	int64_t team = team_create(tenant, &alias);

	ck_assert_int_eq(db_alias_lookup(db, alias, NULL, &tenant_r, &team_r, &error), 1);
	ck_assert_int_eq(tenant_r, tenant);
	ck_assert_int_eq(team_r, team);
	upper = xstrdup(alias);
	for (char *p = upper; *p != '\0'; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	tenant_r = team_r = 0;
	ck_assert_int_eq(db_alias_lookup(db, upper, NULL, &tenant_r, &team_r, &error), 1);
	ck_assert_int_eq(team_r, team);
	ck_assert_int_eq(db_alias_lookup(db, "nobody@example.org", NULL, &tenant_r, &team_r, &error), 0);
	free(upper);
	free(alias);
}
END_TEST

START_TEST(test_deliver_stores_ticket_message_attachments)
{
	int64_t tenant = tenant_create();
	char *alias, *v;
	int64_t team = team_create(tenant, &alias);
	struct test_msg m;
	struct db_delivery_result r;

	test_msg_init(&m, "Alice@Example.COM");
	r = deliver_ok(db, tenant, team, alias, &m.in);
	ck_assert(r.new_ticket);
	ck_assert(!r.duplicate);
	ck_assert_int_gt(r.ticket_number, 0);
	ck_assert_int_gt(r.message_id, 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE tenant_id = $1", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM messages WHERE tenant_id = $1", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM attachments WHERE tenant_id = $1", tenant), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM blobs WHERE tenant_id = $1 AND size = 6", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM raw_messages WHERE tenant_id = $1", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contacts WHERE tenant_id = $1"
				    " AND email = 'alice@example.com' AND name = 'Alice'", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE tenant_id = $1"
				    " AND subject = 'Printer on fire' AND status = 'open' AND priority = 1",
				    tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM messages WHERE tenant_id = $1"
				    " AND match_reason = 'new' AND direction = 'in'"
				    " AND refs = ARRAY['<a@x>', '<b@x>']"
				    " AND to_json->0->>'addr' = 'support@example.org'"
				    " AND sent_at = to_timestamp(1700000000) AND html_body = '<p>hello</p>'"
				    " AND rcpt = lower(rcpt)",
				    tenant), 1);
	/* The raw bytes come back exactly (binary parameter, no escaping). */
	const char *params[1] = { m.sha };
	v = pg_value(db, "SELECT encode(data, 'escape') FROM raw_messages WHERE sha256 = lower($1)", 1,
		      params);
	ck_assert_str_eq(v, m.raw);
	free(v);
	v = pg_value(db, "SELECT encode(data, 'hex') FROM blobs WHERE sha256 = "
			  "'ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd' LIMIT 1",
		      0, NULL);
	ck_assert_str_eq(v, "0001ff504446");
	free(v);
	free(alias);
}
END_TEST

START_TEST(test_deliver_to_two_teams_stores_raw_once)
{
	int64_t tenant = tenant_create();
	char *alias1, *alias2;
	int64_t team1 = team_create(tenant, &alias1), team2 = team_create(tenant, &alias2);
	struct test_msg m;
	struct db_delivery_result r1, r2;

	test_msg_init(&m, "bob@example.com");
	r1 = deliver_ok(db, tenant, team1, alias1, &m.in);
	r2 = deliver_ok(db, tenant, team2, alias2, &m.in);
	ck_assert(!r1.duplicate && !r2.duplicate);
	ck_assert_int_ne(r1.ticket_number, r2.ticket_number);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM raw_messages WHERE tenant_id = $1", tenant), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM messages WHERE tenant_id = $1", tenant), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM blobs WHERE tenant_id = $1", tenant), 1);
	/* The sender, plus the two To addresses (not our aliases), which
	 * become participants of each ticket. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contacts WHERE tenant_id = $1", tenant), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ticket_participants WHERE tenant_id = $1", tenant), 4);
	free(alias1);
	free(alias2);
}
END_TEST

START_TEST(test_redelivery_is_duplicate_and_writes_nothing)
{
	int64_t tenant = tenant_create();
	char *alias;
	int64_t team = team_create(tenant, &alias);
	struct test_msg m;
	struct db_delivery_result r1, r2;
	static const char *const tables[] = { "tickets", "messages", "attachments", "contacts",
					       "raw_messages", "blobs" };
	long before[6];

	test_msg_init(&m, "carol@example.com");
	r1 = deliver_ok(db, tenant, team, alias, &m.in);
	for (int i = 0; i < 6; i++) {
		char *sql = xasprintf("SELECT count(*) FROM %s WHERE tenant_id = $1", tables[i]);
		before[i] = count_rows(sql, tenant);
		free(sql);
	}
	m.in.from_addr = "someone-else@example.com"; /* must not create a contact */
	r2 = deliver_ok(db, tenant, team, alias, &m.in);
	ck_assert(r2.duplicate);
	ck_assert(!r2.new_ticket);
	ck_assert_int_eq(r2.ticket_number, r1.ticket_number);
	ck_assert_int_eq(r2.message_id, r1.message_id);
	for (int i = 0; i < 6; i++) {
		char *sql = xasprintf("SELECT count(*) FROM %s WHERE tenant_id = $1", tables[i]);
		ck_assert_msg(count_rows(sql, tenant) == before[i], "%s changed", tables[i]);
		free(sql);
	}
	free(alias);
}
END_TEST

struct race {
	int64_t tenant, team;
	const char *rcpt;
	const struct db_message_in *in;
	struct db_delivery_result r;
	int ret;
	char *error;
};

/* One delivery on its own connection. */
static void *deliver_thread(void *arg)
{
	struct race *x = arg;
	struct db *d = NULL;

	if (db_connect(pg_conninfo, PG_TIMEOUT_S, &d, &x->error) < 0) {
		x->ret = -2;
		return NULL;
	}
	x->ret = desk_deliver(d, &desk_test, x->tenant, x->team, x->rcpt, x->in, &x->r, &x->error);
	db_close(&d);
	return NULL;
}

/* Both threads must have succeeded, one of them as the duplicate. */
static void race_check(struct race *x, int64_t tenant, int64_t team)
{
	char sql[128];

	for (int i = 0; i < 2; i++)
		ck_assert_msg(x[i].ret == 0, "delivery %d: %s", i, x[i].error ? x[i].error : "?");
	ck_assert_int_eq(x[0].r.duplicate + x[1].r.duplicate, 1);
	ck_assert_int_eq(x[0].r.ticket_number, x[1].r.ticket_number);
	ck_assert_int_eq(x[0].r.message_id, x[1].r.message_id);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM messages WHERE tenant_id = $1 AND team_id = %" PRId64,
		 team);
	ck_assert_int_eq(count_rows(sql, tenant), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM tickets WHERE tenant_id = $1 AND team_id = %" PRId64,
		 team);
	ck_assert_int_eq(count_rows(sql, tenant), 1);
}

START_TEST(test_concurrent_identical_deliveries_store_one_message)
{
	int64_t tenant = tenant_create();
	char *alias;
	int64_t team = team_create(tenant, &alias);
	struct test_msg m;
	struct race x[2];
	pthread_t th[2];

	test_msg_init(&m, "dave@example.com");
	for (int i = 0; i < 2; i++) {
		x[i] = (struct race){ tenant, team, alias, &m.in, { 0 }, -1, NULL };
		ck_assert_int_eq(pthread_create(&th[i], NULL, deliver_thread, &x[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	race_check(x, tenant, team);
	free(alias);
}
END_TEST

/* Waits until n backends wait for a lock; fails after a generous bound. */
static void wait_for_lock_waiters(int n)
{
	for (int i = 0; i < 6000; i++) {
		char *v = pg_value(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
				    " AND datname = current_database()",
				    0, NULL);
		int waiting = atoi(v);

		free(v);
		if (waiting >= n)
			return;
		usleep(10000);
	}
	ck_abort_msg("the deliveries never waited for the lock");
}

/* Forces the race onto the unique index: the raw message already exists
 * (delivered to another team), and both deliveries are held at the contact
 * insert by an uncommitted contact until both are waiting there. Then both
 * pass the duplicate check, one loses on the unique index and must be
 * retried into a duplicate. */
START_TEST(test_racing_deliveries_loser_retries_as_duplicate)
{
	int64_t tenant = tenant_create();
	char *alias, *other_alias, *error = NULL, tid[24];
	int64_t team = team_create(tenant, &alias), other = team_create(tenant, &other_alias);
	struct test_msg m;
	struct race x[2];
	pthread_t th[2];
	struct db *holder = pg_connect();
	const char *params[1] = { tid };

	test_msg_init(&m, "erin@example.com");
	m.in.from_addr = "first@example.com";
	deliver_ok(db, tenant, other, other_alias, &m.in);
	m.in.from_addr = "erin@example.com";
	snprintf(tid, sizeof(tid), "%" PRId64, tenant);
	ck_assert_int_eq(db_begin(holder, &error), 0);
	pg_exec(holder, "INSERT INTO contacts (tenant_id, email) VALUES ($1, 'erin@example.com')",
			      1, params);
	for (int i = 0; i < 2; i++) {
		x[i] = (struct race){ tenant, team, alias, &m.in, { 0 }, -1, NULL };
		ck_assert_int_eq(pthread_create(&th[i], NULL, deliver_thread, &x[i]), 0);
	}
	wait_for_lock_waiters(2);
	ck_assert_msg(db_commit(holder, &error) == 0, "%s", error);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	race_check(x, tenant, team);
	db_close(&holder);
	free(alias);
	free(other_alias);
}
END_TEST

/* No row of any kind for the tenant. */
static void assert_tenant_empty(int64_t tenant)
{
	static const char *const tables[] = { "tickets", "messages", "attachments", "contacts",
					       "raw_messages", "blobs" };

	for (int i = 0; i < 6; i++) {
		char *sql = xasprintf("SELECT count(*) FROM %s WHERE tenant_id = $1", tables[i]);
		ck_assert_msg(count_rows(sql, tenant) == 0, "%s has rows", tables[i]);
		free(sql);
	}
}

START_TEST(test_failed_delivery_leaves_no_rows)
{
	int64_t tenant = tenant_create();
	char *alias, *error = NULL;
	int64_t team = team_create(tenant, &alias);
	struct test_msg m;
	struct db_delivery_result r;

	/* Fails at the message row, after raw, contact and ticket. */
	test_msg_init(&m, "frank@example.com");
	m.in.text_body = "caf\xe9 latin-1";
	ck_assert_int_eq(desk_deliver(db, &desk_test, tenant, team, alias, &m.in, &r, &error), -1);
	ck_assert_ptr_nonnull(error);
	free(error);
	error = NULL;
	assert_tenant_empty(tenant);
	/* Fails at the second attachment, after the message row. */
	test_msg_init(&m, "frank@example.com");
	m.att[1].filename = "bad\xff.pdf";
	ck_assert_int_eq(desk_deliver(db, &desk_test, tenant, team, alias, &m.in, &r, &error), -1);
	ck_assert_ptr_nonnull(error);
	free(error);
	assert_tenant_empty(tenant);
	/* The connection is still usable and the same message now goes in. */
	m.att[1].filename = "good.pdf";
	r = deliver_ok(db, tenant, team, alias, &m.in);
	ck_assert(!r.duplicate);
	free(alias);
}
END_TEST

START_TEST(test_contact_falls_back_to_envelope_then_unknown)
{
	int64_t tenant = tenant_create();
	char *alias;
	int64_t team = team_create(tenant, &alias);
	struct test_msg m;

	test_msg_init(&m, "");
	m.in.subject = "";
	deliver_ok(db, tenant, team, alias, &m.in);
	test_msg_init(&m, "");
	m.in.envelope_from = "";
	deliver_ok(db, tenant, team, alias, &m.in);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM contacts WHERE tenant_id = $1"
				    " AND email IN ('bounce@example.com', 'unknown')", tenant), 2);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM tickets WHERE tenant_id = $1"
				    " AND subject = '(no subject)'", tenant), 1);
	free(alias);
}
END_TEST

START_TEST(test_lookup_survives_backend_terminated)
{
	int64_t tenant = tenant_create(), tenant_r, team_r;
	char *alias, *pid, *v, *error = NULL;
	int64_t team = team_create(tenant, &alias);
	struct db *killer = pg_connect();

	ck_assert_int_eq(db_alias_lookup(db, alias, NULL, &tenant_r, &team_r, &error), 1);
	pid = pg_value(db, "SELECT pg_backend_pid()", 0, NULL);
	const char *params[1] = { pid };
	v = pg_value(killer, "SELECT pg_terminate_backend($1::int, 10000)", 1, params);
	ck_assert_str_eq(v, "t");
	free(v);
	/* The dead connection is noticed by the lookup itself, which
	 * reconnects and answers: a server restart costs no deferral. */
	ck_assert_msg(db_alias_lookup(db, alias, NULL, &tenant_r, &team_r, &error) == 1, "%s", error);
	free(pid);
	pid = pg_value(db, "SELECT pg_backend_pid()", 0, NULL);
	params[0] = pid;
	v = pg_value(killer, "SELECT pg_terminate_backend($1::int, 10000)", 1, params);
	ck_assert_str_eq(v, "t");
	free(v);
	ck_assert_int_eq(team_r, team);
	/* A delivery on a connection that died while idle reconnects and
	 * stores the message exactly once. */
	{
		struct test_msg m;
		struct db_delivery_result r;
		test_msg_init(&m, "restart@example.com");
		r = deliver_ok(db, tenant, team, alias, &m.in);
		ck_assert(!r.duplicate);
		ck_assert_int_eq(count_rows("SELECT count(*) FROM messages WHERE tenant_id = $1", tenant), 1);
	}
	v = pg_value(db, "SHOW statement_timeout", 0, NULL);
	ck_assert_str_eq(v, "30s");
	free(v);
	free(pid);
	db_close(&killer);
	free(alias);
}
END_TEST

START_TEST(test_exec_reports_duplicates_and_aborted_commit)
{
	char *name = pg_unique_name("dup"), *error = NULL;
	const char *params[1] = { name };

	ck_assert_int_eq(pg_try(db, "INSERT INTO tenants (name) VALUES ($1)", 1, params, NULL, &error), 0);
	ck_assert_int_eq(pg_try(db, "INSERT INTO tenants (name) VALUES ($1)", 1, params, NULL, &error), -1);
	ck_assert(db_last_error_was_duplicate(db));
	free(error);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(pg_try(db, "SELECT no_such_column FROM tenants", 0, NULL, NULL, &error), -1);
	ck_assert(!db_last_error_was_duplicate(db));
	ck_assert_ptr_null(strchr(error, '\n'));
	free(error);
	ck_assert_int_eq(db_commit(db, &error), -1);
	free(error);
	free(name);
}
END_TEST

START_TEST(test_connect_failure_returns_null)
{
	struct db *d = (struct db *)&d;
	char *error = NULL;

	ck_assert_int_eq(db_connect("host=/nonexistent-dir port=1 dbname=x", 2, &d, &error), -1);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(error, "cannot connect"));
	free(error);
}
END_TEST

/* Every test of lib/db against PostgreSQL. */
static Suite *db_suite(void)
{
	Suite *s = suite_create("pg-db");
	TCase *tc = tcase_create("db");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrations_apply_then_reapply_nothing);
	tcase_add_test(tc, test_migrations_concurrent_apply_once);
	tcase_add_test(tc, test_alias_lookup_found_unknown_case_insensitive);
	tcase_add_test(tc, test_deliver_stores_ticket_message_attachments);
	tcase_add_test(tc, test_deliver_to_two_teams_stores_raw_once);
	tcase_add_test(tc, test_redelivery_is_duplicate_and_writes_nothing);
	tcase_add_test(tc, test_concurrent_identical_deliveries_store_one_message);
	tcase_add_test(tc, test_racing_deliveries_loser_retries_as_duplicate);
	tcase_add_test(tc, test_failed_delivery_leaves_no_rows);
	tcase_add_test(tc, test_contact_falls_back_to_envelope_then_unknown);
	tcase_add_test(tc, test_lookup_survives_backend_terminated);
	tcase_add_test(tc, test_exec_reports_duplicates_and_aborted_commit);
	tcase_add_test(tc, test_connect_failure_returns_null);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-db", db_suite);
}
