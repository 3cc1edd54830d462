/* The outbound queue (lib/db/db-outbound.c) against a real PostgreSQL
 * (t/test-env starts a private cluster and exports MD_DATABASE): state
 * transitions, concurrent claims, backoff, lifetime, stale claims, retry,
 * flush and the NOTIFY that wakes senders. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-outbound.h"
#include "db/db-listen.h"

#include <check.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"

#define LIFETIME_5D (5 * 86400)

static struct db *db;
static int64_t tenant_id;

/* One value of the row with this id, as text ("" for SQL NULL). */
static char *row_value(const char *column_expr, int64_t id)
{
	char ids[24], *sql = xasprintf("SELECT %s FROM outbound WHERE id = $1", column_expr), *v;
	const char *params[1] = { ids };

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	v = pg_value(db, sql, 1, params);
	free(sql);
	return v != NULL ? v : xstrdup("");
}

/* Asserts one column of a row. */
static void assert_row(int64_t id, const char *column_expr, const char *expected)
{
	char *v = row_value(column_expr, id);

	ck_assert_msg(strcmp(v, expected) == 0, "row %" PRId64 " %s: expected '%s', got '%s'", id, column_expr,
		      expected, v);
	free(v);
}

/* Runs an UPDATE (or other statement) on one row; $1 is its id. */
static void row_update(const char *sql, int64_t id)
{
	char ids[24];
	const char *params[1] = { ids };

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	pg_exec(db, sql, 1, params);
}

/* Every test starts from a migrated schema, an empty queue (the claim takes
 * rows of any tenant) and a tenant of its own. */
static void setup(void)
{
	char *v, name[64];
	const char *params[1] = { name };

	db = pg_connect_migrated();
	pg_exec(db, "DELETE FROM outbound", 0, NULL);
	snprintf(name, sizeof(name), "outbound-%ld", (long)getpid());
	v = pg_value(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	tenant_id = strtoll(v, NULL, 10);
	free(v);
}

static void teardown(void)
{
	db_close(&db);
}

/* A ticket of the test's tenant (for the failure note). */
static int64_t ticket_create(void)
{
	char t[24], *team, *contact, *v;
	const char *params[3] = { t, NULL, NULL };
	int64_t id;

	snprintf(t, sizeof(t), "%" PRId64, tenant_id);
	team = pg_value(db, "INSERT INTO teams (tenant_id, name) VALUES ($1, 'support') RETURNING id", 1, params);
	contact = pg_value(db, "INSERT INTO contacts (tenant_id, email) VALUES ($1, 'carla@customer.example')"
			    " RETURNING id",
			    1, params);
	params[1] = team;
	params[2] = contact;
	v = pg_value(db, "INSERT INTO tickets (tenant_id, team_id, subject, requester_id)"
		      " VALUES ($1, $2, 'Lamp', $3) RETURNING id",
		      3, params);
	id = strtoll(v, NULL, 10);
	free(v);
	free(team);
	free(contact);
	return id;
}

static const char msg_data[] = "From: support@example.org\r\nTo: carla@customer.example\r\n"
			       "Subject: =?UTF-8?Q?R=C3=A9ponse?=\r\n\r\n.a dot line\r\n\xc3\xa9t\xc3\xa9\r\n";

/* Queues one message to the given recipients in a transaction of its own. */
static int64_t enqueue_on(struct db *d, int64_t ticket_id, const char *const *rcpts, size_t n_rcpts)
{
	struct db_outbound_in o = {
		.tenant_id = tenant_id, .ticket_id = ticket_id, .kind = DB_OUTBOUND_REPLY,
		.envelope_from = "support@example.org", .rcpts = rcpts, .n_rcpts = n_rcpts,
		.data = msg_data, .len = sizeof(msg_data) - 1, .message_id = "md.1.x@example.org",
	};
	char *error = NULL;
	int64_t id = 0;

	ck_assert_msg(db_begin(d, &error) == 0, "begin: %s", error);
	ck_assert_msg(db_outbound_enqueue(d, &o, &id, &error) == 0, "enqueue: %s", error);
	ck_assert_msg(db_commit(d, &error) == 0, "commit: %s", error);
	ck_assert_int_gt(id, 0);
	return id;
}

static int64_t enqueue(int64_t ticket_id)
{
	static const char *const rcpts[] = { "carla@customer.example", "dora@customer.example" };

	return enqueue_on(db, ticket_id, rcpts, 2);
}

/* Claims exactly one row, which must be id. */
static struct db_outbound_claimed *claim_one(int64_t id)
{
	struct db_outbound_claimed *rows = NULL;
	char *error = NULL;
	int n = db_outbound_claim(db, 10, OUTBOUND_STALE_CLAIM_S, &rows, &error);

	ck_assert_msg(n == 1, "claim: expected 1 row, got %d (%s)", n, error != NULL ? error : "");
	ck_assert_int_eq(rows[0].id, id);
	return rows;
}

/* How many rows a claim gets right now (they are then "sending"). */
static int claim_count(void)
{
	struct db_outbound_claimed *rows = NULL;
	char *error = NULL;
	int n = db_outbound_claim(db, 10, OUTBOUND_STALE_CLAIM_S, &rows, &error);

	ck_assert_msg(n >= 0, "claim: %s", error);
	db_outbound_claimed_free(&rows, (size_t)n);
	return n;
}

/* db_outbound_record that must succeed; returns the new state. */
static enum db_outbound_state record(int64_t id, unsigned code, const char *reply, unsigned lifetime_s)
{
	enum db_outbound_state st;
	char *error = NULL;

	ck_assert_msg(db_outbound_record(db, id, code, reply, lifetime_s, &st, &error) == 0, "record: %s", error);
	return st;
}

START_TEST(test_enqueue_claim_send_marks_sent_with_exact_bytes)
{
	int64_t ticket = ticket_create(), id = enqueue(ticket);
	struct db_outbound_claimed *rows;

	assert_row(id, "state", "queued");
	assert_row(id, "attempts", "0");
	rows = claim_one(id);
	ck_assert_int_eq(rows[0].tenant_id, tenant_id);
	ck_assert_int_eq(rows[0].ticket_id, ticket);
	ck_assert_str_eq(rows[0].kind, "reply");
	ck_assert_str_eq(rows[0].envelope_from, "support@example.org");
	ck_assert_uint_eq(rows[0].n_rcpts, 2);
	ck_assert_str_eq(rows[0].rcpts[0], "carla@customer.example");
	ck_assert_str_eq(rows[0].rcpts[1], "dora@customer.example");
	ck_assert_uint_eq(rows[0].len, sizeof(msg_data) - 1);
	ck_assert(memcmp(rows[0].data, msg_data, rows[0].len) == 0);
	ck_assert_uint_eq(rows[0].attempts, 1);
	ck_assert_int_gt(rows[0].created_at, 1600000000);
	db_outbound_claimed_free(&rows, 1);
	ck_assert_ptr_null(rows);
	assert_row(id, "state", "sending");
	assert_row(id, "claimed_at IS NOT NULL", "t");
	ck_assert_int_eq(claim_count(), 0);

	ck_assert_int_eq(record(id, 250, "250 2.0.0 Ok: queued as ABC", LIFETIME_5D), DB_OUTBOUND_STATE_SENT);
	assert_row(id, "state", "sent");
	assert_row(id, "last_code", "250");
	assert_row(id, "last_error", "250 2.0.0 Ok: queued as ABC");
	assert_row(id, "sent_at IS NOT NULL", "t");
	assert_row(id, "message_id", "md.1.x@example.org");
	ck_assert_int_eq(claim_count(), 0);
	/* A second result for the same claim changes nothing. */
	ck_assert_int_eq(record(id, 451, "late", LIFETIME_5D), DB_OUTBOUND_STATE_NONE);
	assert_row(id, "state", "sent");
}
END_TEST

START_TEST(test_enqueue_refuses_no_transaction_and_bad_addresses)
{
	static const char *const bad[] = { "carla@customer.example>\r\nRCPT TO:<x@y" };
	static const char *const good[] = { "carla@customer.example" };
	struct db_outbound_in o = { .tenant_id = tenant_id, .kind = DB_OUTBOUND_ACK, .envelope_from = "",
				    .rcpts = good, .n_rcpts = 1, .data = "x\r\n", .len = 3 };
	char *error = NULL;

	ck_assert_int_eq(db_outbound_enqueue(db, &o, NULL, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "transaction"));
	free(error);
	error = NULL;
	ck_assert_int_eq(db_begin(db, &error), 0);
	o.rcpts = bad;
	ck_assert_int_eq(db_outbound_enqueue(db, &o, NULL, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "recipient 1"));
	free(error);
	error = NULL;
	o.rcpts = good;
	o.n_rcpts = 0;
	ck_assert_int_eq(db_outbound_enqueue(db, &o, NULL, &error), -1);
	free(error);
	error = NULL;
	o.n_rcpts = 1;
	o.envelope_from = "a b@example.org";
	ck_assert_int_eq(db_outbound_enqueue(db, &o, NULL, &error), -1);
	free(error);
	error = NULL;
	o.envelope_from = ""; /* the null sender is fine */
	ck_assert_msg(db_outbound_enqueue(db, &o, NULL, &error) == 0, "%s", error);
	db_rollback(db);
	ck_assert_int_eq(claim_count(), 0);
}
END_TEST

/* Claims rows until none is left; records each id it got. */
struct claimer {
	int64_t ids[200];
	size_t n;
	char *error;
};

static void *claimer_run(void *arg)
{
	struct claimer *c = arg;
	struct db *d = NULL;
	int n;

	if (db_connect(pg_conninfo, PG_TIMEOUT_S, &d, &c->error) < 0)
		return NULL;
	do {
		struct db_outbound_claimed *rows = NULL;

		n = db_outbound_claim(d, 3, OUTBOUND_STALE_CLAIM_S, &rows, &c->error);
		for (int i = 0; i < n && c->n < 200; i++)
			c->ids[c->n++] = rows[i].id;
		db_outbound_claimed_free(&rows, n > 0 ? (size_t)n : 0);
	} while (n > 0);
	db_close(&d);
	return NULL;
}

START_TEST(test_concurrent_claims_never_share_a_row)
{
	enum { N_ROWS = 120, N_THREADS = 4 };
	struct claimer c[N_THREADS];
	pthread_t th[N_THREADS];
	static unsigned char seen[N_ROWS];
	int64_t first = 0;
	size_t total = 0;

	for (int i = 0; i < N_ROWS; i++) {
		int64_t id = enqueue(0);
		if (i == 0)
			first = id;
	}
	memset(c, 0, sizeof(c));
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < N_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, claimer_run, &c[i]), 0);
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < N_THREADS; i++) {
		ck_assert_msg(c[i].error == NULL, "claimer %d: %s", i, c[i].error);
		for (size_t j = 0; j < c[i].n; j++) {
			int64_t k = c[i].ids[j] - first;

			ck_assert_msg(k >= 0 && k < N_ROWS, "claimed a row that is not ours: %" PRId64, c[i].ids[j]);
			ck_assert_msg(seen[k] == 0, "row %" PRId64 " was claimed twice", c[i].ids[j]);
			seen[k] = 1;
			total++;
		}
	}
	ck_assert_uint_eq(total, N_ROWS);
}
END_TEST

/* Seconds from now until the row is due again. */
static long due_in(int64_t id)
{
	char *v = row_value("round(extract(epoch FROM next_attempt_at - now()))", id);
	long s = strtol(v, NULL, 10);

	free(v);
	return s;
}

START_TEST(test_deferral_backoff_grows_and_is_capped)
{
	int64_t id = enqueue(0);
	long gap[8];
	struct db_outbound_claimed *rows;

	for (int i = 0; i < 8; i++) {
		rows = claim_one(id);
		ck_assert_uint_eq(rows[0].attempts, (unsigned)i + 1);
		db_outbound_claimed_free(&rows, 1);
		ck_assert_int_eq(record(id, 451, "451 4.3.0 try later", LIFETIME_5D), DB_OUTBOUND_STATE_DEFERRED);
		assert_row(id, "state", "deferred");
		assert_row(id, "last_code", "451");
		gap[i] = due_in(id);
		/* Not due before its time. */
		ck_assert_int_eq(claim_count(), 0);
		/* Let the backoff pass. */
		row_update("UPDATE outbound SET next_attempt_at = now() WHERE id = $1", id);
	}
	ck_assert_int_eq(gap[0] / 60, 1);
	ck_assert_int_eq(gap[1] / 60, 2);
	ck_assert_int_eq(gap[2] / 60, 4);
	for (int i = 1; i < 8; i++)
		ck_assert_int_ge(gap[i], gap[i - 1]);
	ck_assert_int_eq(gap[6] / 60, 60);
	ck_assert_int_eq(gap[7] / 60, 60);
}
END_TEST

START_TEST(test_connection_trouble_defers_without_code)
{
	int64_t id = enqueue(0);
	struct db_outbound_claimed *rows = claim_one(id);

	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 0, "connection lost after DATA", LIFETIME_5D), DB_OUTBOUND_STATE_DEFERRED);
	assert_row(id, "state", "deferred");
	assert_row(id, "last_code", "");
	assert_row(id, "sent_at IS NULL", "t");
}
END_TEST

START_TEST(test_permanent_5xx_fails_and_notes_the_ticket)
{
	int64_t ticket = ticket_create(), id = enqueue(ticket);
	struct db_outbound_claimed *rows = claim_one(id);
	char *note;

	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 550, "RCPT TO:<carla@customer.example>: 550 5.1.1 no such user\r\n",
			       LIFETIME_5D),
			 DB_OUTBOUND_STATE_FAILED);
	assert_row(id, "state", "failed");
	assert_row(id, "last_code", "550");
	assert_row(id, "last_error", "RCPT TO:<carla@customer.example>: 550 5.1.1 no such user  ");
	ck_assert_int_eq(claim_count(), 0);
	note = row_value("(SELECT e.detail FROM ticket_events e WHERE e.tenant_id = outbound.tenant_id"
			 " AND e.ticket_id = outbound.ticket_id AND e.kind = 'undeliverable')",
			 id);
	ck_assert_msg(strstr(note, "550 5.1.1 no such user") != NULL, "note: %s", note);
	ck_assert_msg(strstr(note, "reply to carla@customer.example, dora@customer.example") != NULL, "note: %s",
		      note);
	free(note);
}
END_TEST

START_TEST(test_past_lifetime_a_deferral_fails)
{
	int64_t ticket = ticket_create(), id = enqueue(ticket);
	struct db_outbound_claimed *rows;

	/* Young: a 4xx defers. */
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 451, "451 4.3.0 later", LIFETIME_5D), DB_OUTBOUND_STATE_DEFERRED);
	/* Six days old: the next 4xx (or connection trouble) fails it. */
	row_update("UPDATE outbound SET created_at = now() - interval '6 days', next_attempt_at = now()"
		   " WHERE id = $1",
		   id);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 0, "connection refused", LIFETIME_5D), DB_OUTBOUND_STATE_FAILED);
	assert_row(id, "state", "failed");
	assert_row(id, "(SELECT count(*) FROM ticket_events e WHERE e.tenant_id = outbound.tenant_id"
		       " AND e.ticket_id = outbound.ticket_id AND e.kind = 'undeliverable')",
		   "1");
	/* A 2xx is a delivery whatever the age. */
	ck_assert_int_eq(db_outbound_retry(db, id, &(char *){ NULL }), 1);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 250, "250 ok", LIFETIME_5D), DB_OUTBOUND_STATE_SENT);
}
END_TEST

/* A second sender on its own connection, named claimer, with relay_timeout t. */
static struct db *other_sender(const char *claimer, unsigned t)
{
	struct db *d = NULL;
	char *error = NULL;

	ck_assert_msg(db_connect(pg_conninfo, PG_TIMEOUT_S, &d, &error) == 0, "%s", error);
	db_outbound_claimer_set(d, claimer, t);
	return d;
}

/* How many rows sender d claims right now; their ids into ids (>= 10). */
static int claim_on(struct db *d, int64_t *ids)
{
	struct db_outbound_claimed *rows = NULL;
	char *error = NULL;
	int n = db_outbound_claim(d, 10, OUTBOUND_STALE_CLAIM_S, &rows, &error);

	ck_assert_msg(n >= 0, "claim: %s", error);
	for (int i = 0; i < n; i++)
		ids[i] = rows[i].id;
	db_outbound_claimed_free(&rows, (size_t)n);
	return n;
}

START_TEST(test_stale_sending_claim_is_reclaimed)
{
	int64_t id = enqueue(0), ids[10];
	struct db_outbound_claimed *rows;
	struct db *b = other_sender("host-b/2/bbbb", 30);
	int w = OUTBOUND_CLAIM_WINDOW_S(OUTBOUND_RELAY_TIMEOUT_DEFAULT, 2);
	char sql[200];

	db_outbound_claimer_set(db, "host-a/1/aaaa", 0);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	assert_row(id, "claimed_by", "host-a/1/aaaa");
	/* A fresh claim belongs to its sender: nobody takes it. */
	ck_assert_int_eq(claim_count(), 0);
	ck_assert_int_eq(claim_on(b, ids), 0);
	/* Just short of the window: still nobody's but A's. */
	snprintf(sql, sizeof(sql), "UPDATE outbound SET claimed_at = claimed_at - interval '%d seconds',"
		 " next_attempt_at = next_attempt_at - interval '%d seconds' WHERE id = $1", w - 30, w - 30);
	row_update(sql, id);
	ck_assert_int_eq(claim_on(b, ids), 0);
	/* Past it: A still never takes back its own in-flight row ... */
	row_update("UPDATE outbound SET claimed_at = claimed_at - interval '31 seconds',"
		   " next_attempt_at = next_attempt_at - interval '31 seconds' WHERE id = $1", id);
	ck_assert_int_eq(claim_count(), 0);
	/* ... but another sender takes over the stale claim. */
	ck_assert_int_eq(claim_on(b, ids), 1);
	ck_assert_int_eq(ids[0], id);
	assert_row(id, "state", "sending");
	assert_row(id, "attempts", "2");
	assert_row(id, "claimed_by", "host-b/2/bbbb");
	assert_row(id, "claimed_at > now() - interval '1 minute'", "t");
	/* A's late result no longer counts; B's does. */
	ck_assert_int_eq(record(id, 250, "250 late A", LIFETIME_5D), DB_OUTBOUND_STATE_NONE);
	assert_row(id, "state", "sending");
	enum db_outbound_state st;
	char *error = NULL;
	ck_assert_msg(db_outbound_record(b, id, 250, "250 B", LIFETIME_5D, &st, &error) == 0, "%s", error);
	ck_assert_int_eq(st, DB_OUTBOUND_STATE_SENT);
	db_close(&b);
	db_outbound_claimer_set(db, NULL, 0);
}
END_TEST

START_TEST(test_claim_stale_window_outlasts_the_relay_session)
{
	int64_t id = enqueue(0), id3, ids[10];
	static const char *const three[] = { "a@customer.example", "b@customer.example", "c@customer.example" };
	struct db_outbound_claimed *rows = claim_one(id);
	struct db *b = other_sender("host-b/2/bbbb", 7);
	char *v;

	db_outbound_claimed_free(&rows, 1);
	/* The default relay_timeout, two recipients. */
	v = row_value("round(extract(epoch FROM next_attempt_at - claimed_at))", id);
	ck_assert_int_eq(strtol(v, NULL, 10), OUTBOUND_CLAIM_WINDOW_S(OUTBOUND_RELAY_TIMEOUT_DEFAULT, 2));
	ck_assert_int_eq(strtol(v, NULL, 10), 300 * (12 + 2) + 60);
	free(v);
	/* The claimer's relay_timeout and the row's recipients size it. */
	id3 = enqueue_on(db, 0, three, 3);
	ck_assert_int_eq(claim_on(b, ids), 1);
	ck_assert_int_eq(ids[0], id3);
	v = row_value("round(extract(epoch FROM next_attempt_at - claimed_at))", id3);
	ck_assert_int_eq(strtol(v, NULL, 10), 7 * (12 + 3) + 60);
	free(v);
	/* Longer than the longest session relay.c lets run (outbound.c checks RELAY_SESSION_WAITS <= OUTBOUND_SESSION_WAITS). */
	ck_assert_int_gt(OUTBOUND_CLAIM_WINDOW_S(7, 3), 7 * (OUTBOUND_SESSION_WAITS + 3));
	db_close(&b);
}
END_TEST

START_TEST(test_next_due_none_now_and_later)
{
	int64_t s = 99, id;
	char *error = NULL;
	struct db_outbound_claimed *rows;

	ck_assert_msg(db_outbound_next_due(db, &s, &error) == 0, "%s", error);
	ck_assert_int_eq(s, -1);
	id = enqueue(0);
	ck_assert_int_eq(db_outbound_next_due(db, &s, &error), 0);
	ck_assert_int_eq(s, 0);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	/* Sending: due again only when the claim would be stale. */
	ck_assert_int_eq(db_outbound_next_due(db, &s, &error), 0);
	ck_assert_int_ge(s, OUTBOUND_CLAIM_WINDOW_S(OUTBOUND_RELAY_TIMEOUT_DEFAULT, 2) - 5);
	ck_assert_int_le(s, OUTBOUND_CLAIM_WINDOW_S(OUTBOUND_RELAY_TIMEOUT_DEFAULT, 2));
	record(id, 421, "421 busy", LIFETIME_5D);
	ck_assert_int_eq(db_outbound_next_due(db, &s, &error), 0);
	ck_assert_int_ge(s, 55);
	ck_assert_int_le(s, 60);
	record(id, 250, "stale result ignored", LIFETIME_5D);
	assert_row(id, "state", "deferred");
}
END_TEST

START_TEST(test_retry_and_flush_make_rows_due_now)
{
	int64_t failed = enqueue(0), deferred = enqueue(0), sent = enqueue(0);
	struct db_outbound_claimed *rows = NULL;
	char *error = NULL;
	size_t n = 99;

	ck_assert_int_eq(db_outbound_claim(db, 10, OUTBOUND_STALE_CLAIM_S, &rows, &error), 3);
	db_outbound_claimed_free(&rows, 3);
	record(failed, 554, "554 no", LIFETIME_5D);
	record(deferred, 450, "450 later", LIFETIME_5D);
	record(sent, 250, "250 ok", LIFETIME_5D);
	ck_assert_int_eq(claim_count(), 0);

	ck_assert_msg(db_outbound_flush(db, &n, &error) == 0, "%s", error);
	ck_assert_uint_eq(n, 1);
	assert_row(deferred, "state", "deferred");
	assert_row(deferred, "next_attempt_at <= now()", "t");
	ck_assert_int_eq(db_outbound_retry(db, failed, &error), 1);
	assert_row(failed, "state", "queued");
	assert_row(failed, "last_error", "554 no");
	ck_assert_int_eq(db_outbound_retry(db, sent, &error), 0);
	ck_assert_int_eq(db_outbound_retry(db, 0, &error), 0);
	assert_row(sent, "state", "sent");
	ck_assert_int_eq(claim_count(), 2);
}
END_TEST

/* Waits (at most 10 s) for the listener to see a notification. */
static int listen_wait(struct db *l)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = db_listen_fd(l), .events = POLLIN };
		char *error = NULL;
		int r;

		if (poll(&p, 1, 100) < 0)
			return -1;
		r = db_listen_check(l, &error);
		if (r != 0) {
			free(error);
			return r;
		}
	}
	return 0;
}

START_TEST(test_wake_retry_flush_notify_listeners_but_enqueue_does_not)
{
	struct db *l = pg_connect();
	char *error = NULL;
	int64_t id;
	struct db_outbound_claimed *rows;

	ck_assert_msg(db_listen(l, DB_CHANNEL_OUTBOUND, &error) == 0, "%s", error);
	ck_assert_int_ge(db_listen_fd(l), 0);
	ck_assert_int_eq(db_listen_check(l, &error), 0);
	/* Queueing notifies nobody (notifying commits are serialised by
	 * PostgreSQL); db_outbound_wake() does, after the commit. */
	id = enqueue(0);
	usleep(200000);
	ck_assert_int_eq(db_listen_check(l, &error), 0);
	ck_assert_int_eq(db_outbound_wake(db, &error), 0);
	ck_assert_int_eq(listen_wait(l), 1);
	ck_assert_int_eq(db_listen_check(l, &error), 0);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	record(id, 550, "550 no", LIFETIME_5D);
	ck_assert_int_eq(db_outbound_retry(db, id, &error), 1);
	ck_assert_int_eq(listen_wait(l), 1);
	ck_assert_int_eq(db_outbound_flush(db, NULL, &error), 0);
	ck_assert_int_eq(listen_wait(l), 1);
	db_close(&l);
}
END_TEST

/* The sender's connection dies between the send and its result (a
 * PostgreSQL restart): db_outbound_record reconnects and records the
 * result once, on the claim it still holds, never leaving it "sending". */
START_TEST(test_result_survives_a_killed_connection)
{
	int64_t ticket = ticket_create(), id = enqueue(ticket);
	struct db_outbound_claimed *rows = claim_one(id);
	struct db *killer = pg_connect();
	char *pid = pg_value(db, "SELECT pg_backend_pid()", 0, NULL);
	const char *params[1] = { pid };

	db_outbound_claimed_free(&rows, 1);
	pg_exec(killer, "SELECT pg_terminate_backend($1::int, 10000)", 1, params);
	ck_assert_int_eq(record(id, 250, "250 2.0.0 Ok", LIFETIME_5D), DB_OUTBOUND_STATE_SENT);
	assert_row(id, "state", "sent");
	assert_row(id, "last_error", "250 2.0.0 Ok");
	/* And the new connection goes on working: a failure with its note. */
	id = enqueue(ticket);
	rows = claim_one(id);
	db_outbound_claimed_free(&rows, 1);
	ck_assert_int_eq(record(id, 550, "550 5.1.1 no such user", LIFETIME_5D), DB_OUTBOUND_STATE_FAILED);
	assert_row(id, "state", "failed");
	assert_row(id, "(SELECT count(*) FROM ticket_events e WHERE e.tenant_id = outbound.tenant_id"
		       " AND e.ticket_id = outbound.ticket_id AND e.kind = 'undeliverable')",
		   "1");
	free(pid);
	db_close(&killer);
}
END_TEST

START_TEST(test_rolled_back_enqueue_leaves_nothing)
{
	static const char *const rcpts[] = { "carla@customer.example" };
	struct db_outbound_in o = { .tenant_id = tenant_id, .kind = DB_OUTBOUND_NOTIFICATION,
				    .envelope_from = "", .rcpts = rcpts, .n_rcpts = 1, .data = "x\r\n",
				    .len = 3 };
	char *error = NULL;

	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(db_outbound_enqueue(db, &o, NULL, &error), 0);
	db_rollback(db);
	ck_assert_int_eq(claim_count(), 0);
}
END_TEST

static Suite *outbound_suite(void)
{
	Suite *s = suite_create("pg-outbound");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_enqueue_claim_send_marks_sent_with_exact_bytes);
	tcase_add_test(tc, test_enqueue_refuses_no_transaction_and_bad_addresses);
	tcase_add_test(tc, test_concurrent_claims_never_share_a_row);
	tcase_add_test(tc, test_deferral_backoff_grows_and_is_capped);
	tcase_add_test(tc, test_connection_trouble_defers_without_code);
	tcase_add_test(tc, test_permanent_5xx_fails_and_notes_the_ticket);
	tcase_add_test(tc, test_past_lifetime_a_deferral_fails);
	tcase_add_test(tc, test_stale_sending_claim_is_reclaimed);
	tcase_add_test(tc, test_claim_stale_window_outlasts_the_relay_session);
	tcase_add_test(tc, test_next_due_none_now_and_later);
	tcase_add_test(tc, test_retry_and_flush_make_rows_due_now);
	tcase_add_test(tc, test_wake_retry_flush_notify_listeners_but_enqueue_does_not);
	tcase_add_test(tc, test_rolled_back_enqueue_leaves_nothing);
	tcase_add_test(tc, test_result_survives_a_killed_connection);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-outbound", outbound_suite);
}
