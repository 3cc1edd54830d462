/* Webhooks' storage (lib/db/db-webhook.c, lib/desk/desk-webhook.c, issue
 * 13) against a real PostgreSQL (t/test-env exports MD_DATABASE): an
 * event fans out to the webhooks that want it, in the caller's transaction
 * and only with it; claims go one at a time per webhook and ticket, in
 * order, skip rows another claimer holds, and a lease that ran out is
 * taken over (the old holder's result is then refused); failures retry
 * or give up; retry, replay and rotation. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-webhook.h"
#include "desk/desk-webhook.h"

#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define SECRET "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
#define SECRET2 "whsec_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static struct db *db;
static int64_t tenant_id, hook_all, hook_created;
static char tn[24];

/* A tenant with two webhooks (all events; ticket.created only), per test;
 * the queue starts empty (this program's cluster is its own). */
static void setup(void)
{
	char *name = pg_unique_name("hook"), *error = NULL;
	const char *params[1] = { name };

	db = pg_connect_migrated();
	pg_exec(db, "DELETE FROM webhook_deliveries", 0, NULL);
	tenant_id = pg_int(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	ck_assert_msg(db_webhook_add(db, tenant_id, "http://127.0.0.1:9/a",
				     "{ticket.created,message.received,ticket.status_changed}", SECRET, &hook_all,
				     &error) == 0,
		      "%s", error);
	ck_assert_msg(db_webhook_add(db, tenant_id, "http://127.0.0.1:9/b", "{ticket.created}", SECRET, &hook_created,
				     &error) == 0,
		      "%s", error);
	free(name);
}

static void teardown(void)
{
	db_close(&db);
}

/* Queues event for ticket (a made-up ticket id orders as well as a real
 * one: the queue keys on it). */
static void enqueue(const char *event, int64_t ticket)
{
	char *error = NULL;

	ck_assert_msg(db_webhook_enqueue(db, tenant_id, event, "evt_x", ticket, "{}", NULL, &error) == 0, "%s", error);
}

/* Claims for claimer on c; the ids claimed as "id,id" (or ""). */
static char *claim(struct db *c, const char *claimer, unsigned lease_s, unsigned max, struct db_webhook_job **jobs_r,
		   size_t *n_r)
{
	struct db_webhook_job *jobs = NULL;
	char *error = NULL, *out = xstrdup("");
	size_t n = 0;

	ck_assert_msg(db_webhook_claim(c, claimer, lease_s, max, &jobs, &n, &error) == 0, "%s", error);
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%" PRId64, out, i > 0 ? "," : "", jobs[i].ticket_id);

		free(out);
		out = next;
	}
	if (jobs_r != NULL) {
		*jobs_r = jobs;
		*n_r = n;
	} else {
		db_webhook_jobs_free(&jobs, n);
	}
	return out;
}

/* Records an outcome for a claimed job: the new status ("lost" when the
 * claim was no longer held). */
static char *result(const struct db_webhook_job *j, const char *claimer, bool delivered, bool permanent,
		    unsigned retry_in, unsigned lifetime)
{
	struct db_webhook_outcome o = { .delivered = delivered, .permanent = permanent, .code = delivered ? 200 : 503,
					.error = delivered ? "" : "HTTP status 503", .retry_in_s = retry_in,
					.lifetime_s = lifetime };
	char status[16] = "", *error = NULL;
	int found = db_webhook_result(db, j, claimer, &o, status, &error);

	ck_assert_msg(found >= 0, "%s", error);
	return xstrdup(found == 0 ? "lost" : status);
}

START_TEST(event_fans_out_to_the_webhooks_that_want_it)
{
	char *tenant = NULL, *error = NULL;
	int64_t n = 0;

	ck_assert_int_eq(db_webhook_wanted(db, tenant_id, "ticket.created", &tenant, &error), 1);
	ck_assert_ptr_nonnull(tenant);
	free(tenant);
	ck_assert_int_eq(db_webhook_wanted(db, tenant_id, "agent.replied", &tenant, &error), 0);
	ck_assert_int_eq(db_webhook_enqueue(db, tenant_id, "ticket.created", "evt_1", 7, "{}", &n, &error), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_webhook_enqueue(db, tenant_id, "message.received", "evt_2", 7, "{}", &n, &error), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(db_webhook_enqueue(db, tenant_id, "agent.replied", "evt_3", 7, "{}", &n, &error), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(emit_commits_only_with_its_transaction)
{
	char *error = NULL, *payload;
	json_t *p;

	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_msg(desk_webhook_emit(db, tenant_id, "ticket.created", 0, NULL, &error) == 0, "%s", error);
	db_rollback(db);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1", 1,
				(const char *[]){ tn }),
			 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_msg(desk_webhook_emit(db, tenant_id, "ticket.created", 0, NULL, &error) == 0, "%s", error);
	ck_assert_msg(desk_webhook_emit(db, tenant_id, "agent.replied", 0, NULL, &error) == 0, "%s", error);
	ck_assert_int_eq(db_commit(db, &error), 0);
	ck_assert_int_eq(pg_int(db, "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1", 1,
				(const char *[]){ tn }),
			 2);
	ck_assert_int_eq(pg_int(db, "SELECT count(DISTINCT event_id) FROM webhook_deliveries WHERE tenant_id = $1", 1,
				(const char *[]){ tn }),
			 1);
	payload = pg_q(db, "SELECT payload FROM webhook_deliveries WHERE tenant_id = $1 LIMIT 1", 1, tn);
	p = json_loads(payload, 0, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "type")), "ticket.created");
	ck_assert_int_eq(strncmp(json_string_value(json_object_get(p, "id")), "evt_", 4), 0);
	ck_assert_int_eq(strlen(json_string_value(json_object_get(p, "id"))), 36);
	json_decref(p);
	free(payload);
	ck_assert_str_eq(desk_webhook_event_of("closed"), "ticket.status_changed");
	ck_assert_str_eq(desk_webhook_event_of("unassigned"), "ticket.assigned");
	ck_assert_ptr_null(desk_webhook_event_of("tagged"));
}
END_TEST

START_TEST(claims_go_in_order_one_per_ticket)
{
	struct db_webhook_job *jobs = NULL;
	size_t n = 0;
	char *got, *st;

	enqueue("message.received", 1);
	enqueue("message.received", 1);
	enqueue("message.received", 1);
	enqueue("message.received", 2);
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1,2"); /* only each ticket's oldest */
	free(got);
	got = claim(db, "B", 60, 10, NULL, NULL);
	ck_assert_str_eq(got, ""); /* held, and the rest waits behind them */
	free(got);
	st = result(&jobs[0], "A", false, false, 0, 3600);
	ck_assert_str_eq(st, "pending");
	free(st);
	st = result(&jobs[1], "A", true, false, 0, 3600);
	ck_assert_str_eq(st, "delivered");
	free(st);
	db_webhook_jobs_free(&jobs, n);
	/* The failed head comes again before its successors. */
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1");
	ck_assert_int_eq(jobs[0].attempts, 2);
	free(got);
	st = result(&jobs[0], "A", true, false, 0, 3600);
	free(st);
	db_webhook_jobs_free(&jobs, n);
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1");
	ck_assert_int_eq(jobs[0].attempts, 1);
	free(got);
	db_webhook_jobs_free(&jobs, n);
}
END_TEST

START_TEST(a_held_row_is_skipped_not_waited_for)
{
	struct db *other = pg_connect_migrated();
	char *got, *error = NULL;

	enqueue("message.received", 1);
	enqueue("message.received", 1);
	enqueue("message.received", 2);
	/* A claims in a transaction still open: its row stays locked. */
	ck_assert_int_eq(db_begin(other, &error), 0);
	got = claim(other, "A", 60, 1, NULL, NULL);
	ck_assert_str_eq(got, "1");
	free(got);
	got = claim(db, "B", 60, 10, NULL, NULL);
	ck_assert_str_eq(got, "2"); /* not 1's head (locked), not 1's next (in order) */
	free(got);
	ck_assert_int_eq(db_commit(other, &error), 0);
	db_close(&other);
}
END_TEST

START_TEST(an_expired_lease_is_taken_over)
{
	struct db_webhook_job *jobs = NULL, *jobs2 = NULL;
	size_t n = 0, n2 = 0;
	char *got, *st;

	enqueue("message.received", 1);
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1");
	free(got);
	got = claim(db, "B", 60, 10, NULL, NULL);
	ck_assert_str_eq(got, ""); /* A's lease runs */
	free(got);
	/* A's lease runs out (as when A died mid-send). */
	pg_exec(db, "UPDATE webhook_deliveries SET claimed_until = now() - interval '1 second'", 0, NULL);
	got = claim(db, "B", 60, 10, &jobs2, &n2);
	ck_assert_str_eq(got, "1");
	free(got);
	st = result(&jobs[0], "A", true, false, 0, 3600);
	ck_assert_str_eq(st, "lost"); /* A's late answer changes nothing */
	free(st);
	st = result(&jobs2[0], "B", true, false, 0, 3600);
	ck_assert_str_eq(st, "delivered");
	free(st);
	db_webhook_jobs_free(&jobs, n);
	db_webhook_jobs_free(&jobs2, n2);
}
END_TEST

START_TEST(give_up_retry_and_replay)
{
	struct db_webhook_job *jobs = NULL;
	char *got, *st, *error = NULL, id[24], new_id_text[24];
	int64_t new_id = 0, first;
	size_t n = 0;

	enqueue("message.received", 1);
	enqueue("message.received", 1);
	got = claim(db, "A", 60, 10, &jobs, &n);
	free(got);
	first = jobs[0].id;
	st = result(&jobs[0], "A", false, false, 60, 30); /* the next try would be past the lifetime */
	ck_assert_str_eq(st, "failed");
	free(st);
	db_webhook_jobs_free(&jobs, n);
	/* A given-up head no longer holds the ticket's next one back. */
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1");
	ck_assert_int_gt(jobs[0].id, first);
	free(got);
	st = result(&jobs[0], "A", false, true, 60, 3600); /* a permanent refusal */
	ck_assert_str_eq(st, "failed");
	free(st);
	db_webhook_jobs_free(&jobs, n);
	snprintf(id, sizeof(id), "%" PRId64, first);
	ck_assert_int_eq(db_webhook_retry(db, first, &error), 1);
	st = pg_q(db, "SELECT status || '/' || (done_at IS NULL) FROM webhook_deliveries WHERE id = $1", 1, id);
	ck_assert_str_eq(st, "pending/true");
	free(st);
	got = claim(db, "A", 60, 10, &jobs, &n);
	ck_assert_str_eq(got, "1");
	free(got);
	st = result(&jobs[0], "A", true, false, 0, 3600);
	ck_assert_str_eq(st, "delivered");
	free(st);
	db_webhook_jobs_free(&jobs, n);
	ck_assert_int_eq(db_webhook_retry(db, first, &error), 0); /* delivered: replay it instead */
	ck_assert_int_eq(db_webhook_replay(db, first, &new_id, &error), 1);
	snprintf(new_id_text, sizeof(new_id_text), "%" PRId64, new_id);
	st = pg_q(db,
		  "SELECT count(DISTINCT event_id) || '/' || count(*) || '/' || min(status) FROM webhook_deliveries"
		  " WHERE id IN ($1, $2) AND status IN ('delivered', 'pending')",
		  2, id, new_id_text);
	ck_assert_str_eq(st, "1/2/delivered");
	free(st);
	ck_assert_int_eq(db_webhook_replay(db, 999999999, &new_id, &error), 0);
}
END_TEST

START_TEST(rotation_keeps_the_old_secret_for_the_overlap)
{
	struct db_webhook_job *jobs = NULL;
	char *error = NULL, *got;
	size_t n = 0;

	ck_assert_int_eq(db_webhook_rotate(db, hook_all, SECRET2, 3600, &error), 1);
	enqueue("message.received", 1);
	got = claim(db, "A", 60, 10, &jobs, &n);
	free(got);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(jobs[0].secret, SECRET2);
	ck_assert_str_eq(jobs[0].old_secret, SECRET);
	db_webhook_jobs_free(&jobs, n);
	pg_exec(db, "DELETE FROM webhook_deliveries", 0, NULL);
	ck_assert_int_eq(db_webhook_rotate(db, hook_all, SECRET, 0, &error), 1);
	enqueue("message.received", 1);
	got = claim(db, "A", 60, 10, &jobs, &n);
	free(got);
	ck_assert_str_eq(jobs[0].secret, SECRET);
	ck_assert_str_eq(jobs[0].old_secret, "");
	db_webhook_jobs_free(&jobs, n);
	ck_assert_int_eq(db_webhook_rotate(db, 999999999, SECRET, 0, &error), 0);
}
END_TEST

static Suite *webhook_suite(void)
{
	Suite *s = suite_create("pg-webhook");
	TCase *tc = tcase_create("webhook");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, event_fans_out_to_the_webhooks_that_want_it);
	tcase_add_test(tc, emit_commits_only_with_its_transaction);
	tcase_add_test(tc, claims_go_in_order_one_per_ticket);
	tcase_add_test(tc, a_held_row_is_skipped_not_waited_for);
	tcase_add_test(tc, an_expired_lease_is_taken_over);
	tcase_add_test(tc, give_up_retry_and_replay);
	tcase_add_test(tc, rotation_keeps_the_old_secret_for_the_overlap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_main("pg-webhook", webhook_suite);
}
