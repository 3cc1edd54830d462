/* Issue 12's lifecycle in lib/desk and lib/db against a private
 * PostgreSQL: an answer makes only an open ticket pending, solving records
 * its event and runs the ticket.solved rules once, and the close-after
 * timer closes a solved ticket once, only after its team's time, never one
 * another daemon holds. Fixtures from t/pg-rules-lib.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/db-ticket.h"
#include "desk/desk.h"
#include "desk/desk-rules.h"

/* desk_ticket_answered in a transaction of its own; its result. */
static int answered(int64_t t)
{
	char *error = NULL;
	int ret;

	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	ret = desk_ticket_answered(db, tenant, t, "ana@demo.example", &error);
	ck_assert_msg(ret >= 0, "%s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	return ret;
}

START_TEST(test_answer_makes_open_pending)
{
	int64_t open_t = ticket_new(support, "open"), snoozed = ticket_new(support, "snoozed");
	int64_t closed = ticket_new(support, "closed");

	free(q("UPDATE tickets SET status = 'snoozed', snooze_until = now() + interval '1 hour' WHERE id = $1", 1,
	       I(snoozed)));
	free(q("UPDATE tickets SET status = 'closed', closed_at = now() WHERE id = $1", 1, I(closed)));
	ck_assert_int_eq(answered(open_t), 1);
	assert_ticket(open_t, "status || ' ' || (closed_at IS NULL)", "pending true");
	assert_events(open_t, "pending|ana@demo.example|answered by ana@demo.example; awaiting the customer");
	/* Already pending: nothing changes, nothing is recorded. */
	ck_assert_int_eq(answered(open_t), 0);
	assert_events(open_t, "pending|ana@demo.example|answered by ana@demo.example; awaiting the customer");
	/* An answer leaves a snoozed or closed ticket as it is. */
	ck_assert_int_eq(answered(snoozed), 0);
	ck_assert_int_eq(answered(closed), 0);
	assert_ticket(snoozed, "status || ' ' || (snooze_until IS NOT NULL)", "snoozed true");
	assert_ticket(closed, "status", "closed");
	assert_events(snoozed, NULL);
}
END_TEST

/* desk_ticket_solve in a transaction of its own; its result. */
static int solve(int64_t t)
{
	char *error = NULL;
	int ret;

	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	ret = desk_ticket_solve(db, &settings, tenant, t, "bob@demo.example", "status was open", &error);
	ck_assert_msg(ret >= 0, "%s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	return ret;
}

START_TEST(test_solve_runs_rules_once)
{
	int64_t t = ticket_new(support, "to solve"), merged = ticket_new(support, "merged");

	rules_store(support, "rule \"Done\" on ticket.solved\n  then\n    tag \"done\"\n    set priority low\nend\n");
	desk_rules_changed();
	ck_assert_int_eq(solve(t), 1);
	assert_ticket(t, "status || ' ' || (closed_at IS NOT NULL)", "solved true");
	assert_events(t, "solved|bob@demo.example|status was open\ntagged|rule:Done|done\npriority|rule:Done|low");
	/* Solved already: no event, no rules. */
	free(q("DELETE FROM ticket_tags WHERE ticket_id = $1", 1, I(t)));
	ck_assert_int_eq(solve(t), 0);
	assert_tags(t, NULL);
	/* A merged ticket is never solved. */
	free(q("UPDATE tickets SET status = 'merged', merged_into_id = $2 WHERE id = $1", 2, I(merged), I(t)));
	ck_assert_int_eq(solve(merged), 0);
	assert_ticket(merged, "status", "merged");
}
END_TEST

/* desk_close_due in a transaction of its own on conn; how many closed. */
static unsigned close_due(struct db *conn)
{
	char *error = NULL;
	unsigned n = 99;

	ck_assert_msg(db_begin(conn, &error) == 0, "%s", error);
	ck_assert_msg(desk_close_due(conn, &settings, NULL, 10, &n, &error) == 0, "%s", error);
	ck_assert_msg(db_commit(conn, &error) == 0, "%s", error);
	return n;
}

/* A ticket of team solved `ago` seconds ago. */
static int64_t solved_ago(int64_t team, const char *subject, int ago)
{
	int64_t t = ticket_new(team, subject);
	char secs[16];

	snprintf(secs, sizeof(secs), "%d", ago);
	free(q("UPDATE tickets SET status = 'solved', closed_at = now() - make_interval(secs => $2::int) WHERE id = $1",
	       2, I(t), secs));
	return t;
}

START_TEST(test_close_after_once)
{
	int64_t due, fresh, never;
	char *error = NULL;
	int64_t at = 0;

	free(q("UPDATE teams SET close_after_s = 60 WHERE id = $1", 1, I(support)));
	free(q("UPDATE teams SET close_after_s = NULL WHERE id = $1", 1, I(billing)));
	/* Other tests' tickets share the database: only ours count. */
	due = solved_ago(support, "solved long ago", 3600);
	fresh = solved_ago(support, "just solved", 5);
	never = solved_ago(billing, "billing never closes", 86400 * 400);
	ck_assert_msg(db_ticket_timers_next(db, &at, &error) == 1, "%s", error);
	ck_assert_msg(close_due(db) >= 1, "the due ticket is claimed");
	assert_ticket(due, "status", "closed");
	assert_events(due, "closed|timer|solved for the team's close-after time");
	assert_ticket(fresh, "status", "solved");
	assert_ticket(never, "status", "solved");
	/* Once: a second look finds nothing of ours to close. */
	close_due(db);
	assert_events(due, "closed|timer|solved for the team's close-after time");
	assert_events(fresh, NULL);
	/* The next due time includes the fresh one's (now + about 55 s). */
	ck_assert_msg(db_ticket_timers_next(db, &at, &error) == 1, "%s", error);
	assert_q("t", "SELECT to_timestamp($1::bigint) <= now() + interval '56 seconds'", 1, I(at), NULL);
}
END_TEST

START_TEST(test_close_claim_skips_locked)
{
	struct db *other = pg_connect();
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	char *error = NULL;
	int64_t t;

	free(q("UPDATE teams SET close_after_s = 1 WHERE id = $1", 1, I(support)));
	t = solved_ago(support, "two daemons", 10);
	/* This connection claims it and holds it... */
	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	ck_assert_msg(db_ticket_close_claim(db, 1000, &refs, &n, &error) == 0, "%s", error);
	bool mine = false;
	for (size_t i = 0; i < n; i++)
		mine = mine || refs[i].ticket_id == t;
	ck_assert(mine);
	free(refs);
	/* ...so the other daemon's claim passes it by. */
	ck_assert_msg(db_begin(other, &error) == 0, "%s", error);
	ck_assert_msg(db_ticket_close_claim(other, 1000, &refs, &n, &error) == 0, "%s", error);
	for (size_t i = 0; i < n; i++)
		ck_assert(refs[i].ticket_id != t);
	free(refs);
	ck_assert_msg(desk_ticket_close_solved(db, tenant, t, &error) == 1, "%s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	ck_assert_msg(db_commit(other, &error) == 0, "%s", error);
	/* Closed once; closing a ticket that is no longer solved does nothing. */
	ck_assert_int_eq(desk_ticket_close_solved(db, tenant, t, &error), 0);
	assert_events(t, "closed|timer|solved for the team's close-after time");
	db_close(&other);
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("pg-lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_answer_makes_open_pending);
	tcase_add_test(tc, test_solve_runs_rules_once);
	tcase_add_test(tc, test_close_after_once);
	tcase_add_test(tc, test_close_claim_skips_locked);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-lifecycle", lifecycle_suite);
}
