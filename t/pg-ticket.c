/* The desk_ticket_* layer (lib/desk/desk-ticket.c) against a private
 * PostgreSQL: each change's side effects on the ticket row are the same
 * whoever asks (closing clears the snooze, reopening clears closed_at),
 * and each change writes exactly one event with its actor, a change that
 * changes nothing none. Fixtures from t/pg-rules-lib.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/db-ticket.h"
#include "desk/desk.h"

/* How many events the ticket has. */
static long events_n(int64_t ticket)
{
	char *v = q("SELECT count(*) FROM ticket_events WHERE tenant_id = $1 AND ticket_id = $2", 2, I(tenant),
		    I(ticket));
	long n = strtol(v, NULL, 10);

	free(v);
	return n;
}

/* The ticket's latest event, "kind|actor|detail". */
static void assert_last_event(int64_t ticket, const char *expected)
{
	assert_q(expected,
		 "SELECT kind || '|' || actor || '|' || detail FROM ticket_events WHERE tenant_id = $1"
		 " AND ticket_id = $2 ORDER BY id DESC LIMIT 1",
		 2, I(tenant), I(ticket));
}

/* Snoozes for an hour through the layer; must take effect. */
static void snooze_hour(int64_t t, const char *actor)
{
	struct db_snooze w = { .kind = DB_SNOOZE_FOR, .value = 3600 };
	struct db_snoozed out;
	char *error = NULL;

	ck_assert_msg(desk_ticket_snooze(db, tenant, t, &w, actor, &out, &error) == 1, "%s", error);
	ck_assert(!out.past);
}

START_TEST(test_close_clears_snooze)
{
	int64_t t = ticket_new(support, "snoozed then closed");
	char *error = NULL;

	snooze_hour(t, "ana@demo.example");
	assert_ticket(t, "status || ' ' || (snooze_until > now())", "snoozed true");
	ck_assert_int_eq(events_n(t), 1);
	ck_assert_msg(desk_ticket_close(db, tenant, t, "rule:Done", NULL, &error) == 1, "%s", error);
	assert_ticket(t, "status || ' ' || (snooze_until IS NULL) || ' ' || (closed_at IS NOT NULL)", "closed true true");
	ck_assert_int_eq(events_n(t), 2);
	assert_last_event(t, "closed|rule:Done|");
	/* Closing it again changes and records nothing. */
	ck_assert_int_eq(desk_ticket_close(db, tenant, t, "timer", NULL, &error), 0);
	ck_assert_int_eq(events_n(t), 2);
}
END_TEST

START_TEST(test_reopen_clears_closed_at)
{
	int64_t t = ticket_new(support, "closed then reopened");
	char *error = NULL;

	ck_assert(desk_ticket_close(db, tenant, t, "maildeskctl", "status was open", &error) == 1);
	ck_assert_msg(desk_ticket_reopen(db, tenant, t, "bob@demo.example", "status was closed", &error) == 1, "%s",
		      error);
	assert_ticket(t, "status || ' ' || (closed_at IS NULL) || ' ' || (snooze_until IS NULL)", "open true true");
	assert_events(t, "closed|maildeskctl|status was open\nreopened|bob@demo.example|status was closed");
	ck_assert_int_eq(desk_ticket_reopen(db, tenant, t, "bob@demo.example", NULL, &error), 0);
	ck_assert_int_eq(events_n(t), 2);
	/* Reopening a snoozed ticket ends its snooze too. */
	snooze_hour(t, "ana@demo.example");
	ck_assert(desk_ticket_reopen(db, tenant, t, NULL, NULL, &error) == 1);
	assert_ticket(t, "status || ' ' || (snooze_until IS NULL)", "open true");
	assert_last_event(t, "reopened|mail|");
}
END_TEST

START_TEST(test_wake_and_merged)
{
	int64_t t = ticket_new(support, "woken"), m = ticket_new(support, "merged away");
	char *error = NULL;

	free(q("UPDATE tickets SET status = 'snoozed', snooze_until = now() - interval '1 second'"
	       " WHERE tenant_id = $1 AND id = $2",
	       2, I(tenant), I(t)));
	ck_assert_msg(desk_ticket_wake(db, tenant, t, &error) == 1, "%s", error);
	assert_ticket(t, "status || ' ' || (snooze_until IS NULL)", "open true");
	assert_events(t, "woke|timer|snooze ended");
	/* A merged ticket is a pointer: no status change reaches it. */
	free(q("UPDATE tickets SET status = 'merged', merged_into_id = $3 WHERE tenant_id = $1 AND id = $2", 3,
	       I(tenant), I(m), I(t)));
	ck_assert_int_eq(desk_ticket_close(db, tenant, m, "x", NULL, &error), 0);
	ck_assert_int_eq(desk_ticket_reopen(db, tenant, m, "x", NULL, &error), 0);
	assert_ticket(m, "status", "merged");
	ck_assert_int_eq(events_n(m), 0);
}
END_TEST

START_TEST(test_snooze_until_local_time)
{
	int64_t t = ticket_new(support, "snooze at a time");
	struct db_snooze past = { .kind = DB_SNOOZE_LOCAL, .local = "2001-01-01 09:00", .refuse_past = true };
	struct db_snooze later = { .kind = DB_SNOOZE_LOCAL, .local = "2030-01-15 09:00", .refuse_past = true };
	struct db_snoozed out;
	char *error = NULL;

	free(q("UPDATE teams SET time_zone = 'Europe/Madrid' WHERE tenant_id = $1 AND id = $2", 2, I(tenant),
	       I(support)));
	ck_assert_int_eq(desk_ticket_snooze(db, tenant, t, &past, "rule:Past", &out, &error), 0);
	ck_assert(out.past);
	assert_ticket(t, "status", "open");
	ck_assert_int_eq(events_n(t), 0);
	ck_assert_int_eq(desk_ticket_snooze(db, tenant, t, &later, "rule:Winter", &out, &error), 1);
	ck_assert_str_eq(out.until, "2030-01-15 09:00 Europe/Madrid");
	assert_ticket(t, "snooze_until = '2030-01-15 08:00Z'", "true");
	assert_events(t, "snoozed|rule:Winter|until 2030-01-15 09:00 Europe/Madrid");
}
END_TEST

START_TEST(test_priority_tags_assign_once)
{
	int64_t t = ticket_new(support, "small changes");
	char *error = NULL;

	ck_assert_int_eq(desk_ticket_set_priority(db, tenant, t, 3, "ana@demo.example", &error), 1);
	ck_assert_int_eq(desk_ticket_set_priority(db, tenant, t, 3, "ana@demo.example", &error), 0);
	ck_assert_int_eq(desk_ticket_tag(db, tenant, t, "VIP", false, "rule:Tag", &error), 1);
	ck_assert_int_eq(desk_ticket_tag(db, tenant, t, "vip", false, "rule:Tag", &error), 0);
	assert_tags(t, "vip");
	ck_assert_int_eq(desk_ticket_tag(db, tenant, t, "Vip", true, "bob@demo.example", &error), 1);
	ck_assert_int_eq(desk_ticket_tag(db, tenant, t, "vip", true, "bob@demo.example", &error), 0);
	/* Without settings nobody is mailed (an agent's own #assign). */
	ck_assert_int_eq(desk_ticket_assign_how(db, NULL, tenant, t, bob, "ana@demo.example", NULL, &error), 1);
	ck_assert_int_eq(desk_ticket_assign_how(db, NULL, tenant, t, bob, "ana@demo.example", NULL, &error), 0);
	assert_q("0", "SELECT count(*) FROM outbound WHERE tenant_id = $1", 1, I(tenant), NULL);
	assert_events(t, "priority|ana@demo.example|urgent\ntagged|rule:Tag|vip\nuntagged|bob@demo.example|vip\n"
			 "assigned|ana@demo.example|bob@demo.example");
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *ticket_suite(void)
{
	Suite *s = suite_create("pg-ticket");
	TCase *tc = tcase_create("desk_ticket");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_close_clears_snooze);
	tcase_add_test(tc, test_reopen_clears_closed_at);
	tcase_add_test(tc, test_wake_and_merged);
	tcase_add_test(tc, test_snooze_until_local_time);
	tcase_add_test(tc, test_priority_tags_assign_once);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-ticket", ticket_suite);
}
