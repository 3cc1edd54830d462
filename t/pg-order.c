/* Orders (issue 12) against a private PostgreSQL: desk_ticket_set_order
 * writes one event per change with the source and the old value, refuses
 * a bad reference without writing anything; the order reminder is claimed
 * once even by two connections at the same time (two daemons); the order
 * subject; extraction bounded on hostile text. Fixtures of t/pg-rules-lib.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db/db-order.h"
#include "desk/desk.h"

START_TEST(test_set_order_events_and_refusals)
{
	int64_t t = ticket_new(support, "order changes");
	char *error = NULL;

	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, "ES-1", DESK_ORDER_EXTRACT, NULL, &error), 1);
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, "ES-1", DESK_ORDER_AGENT, "ana@demo.example",
						&error), 0);
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, "ES-2", DESK_ORDER_AGENT, "ana@demo.example",
						&error), 1);
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_SKU, "K-9", DESK_ORDER_RULE, "rule:R", &error), 1);
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, "", DESK_ORDER_CLI, "maildeskctl", &error), 1);
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, NULL, DESK_ORDER_CLI, "maildeskctl", &error), 0);
	/* Refused before anything is written, with the reason. */
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_REF, "a b", DESK_ORDER_CLI, "maildeskctl", &error),
			 -1);
	ck_assert_str_eq(error, "order \"a b\" is not valid: contains a space (use at most 64 visible characters, no spaces)");
	free(error);
	error = NULL;
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, t, DB_ORDER_SHIPMENT, "x\x7f", DESK_ORDER_CLI, "maildeskctl",
						&error), -1);
	free(error);
	assert_ticket(t, "coalesce(order_ref, '-') || ' ' || coalesce(shipment_ref, '-') || ' ' || sku", "- - K-9");
	assert_events(t, "order|mail|ES-1 (was none, by extract)\norder|ana@demo.example|ES-2 (was ES-1, by agent)\n"
			 "sku|rule:R|K-9 (was none, by rule)\norder|maildeskctl|cleared (was ES-2, by cli)");
}
END_TEST

/* One connection's claim inside its open transaction: the ticket ids. */
static size_t claim(struct db *c, int64_t *first_r)
{
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	char *error = NULL;

	ck_assert_msg(db_order_reminder_claim(c, 50, &refs, &n, &error) == 0, "%s", error);
	*first_r = n > 0 ? refs[0].ticket_id : 0;
	free(refs);
	return n;
}

START_TEST(test_reminder_claimed_once_by_two_connections)
{
	int64_t t = ticket_new(support, "no order"), other = ticket_new(support, "has an order"), id;
	int64_t off = ticket_new(support, "turned off"), young = ticket_new(billing, "other team");
	struct db *b = pg_connect();
	char *error = NULL;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(db_order_reminder_after_set(db, tenant, support, 3600, &error), 0);
	free(q("UPDATE tickets SET created_at = now() - interval '2 hours' WHERE tenant_id = $1", 1, I(tenant)));
	ck_assert_int_eq(desk_ticket_set_order(db, tenant, other, DB_ORDER_REF, "O-1", DESK_ORDER_CLI, "x", &error), 1);
	ck_assert_int_eq(desk_ticket_order_reminder_off(db, tenant, off, "rule:Quiet", &error), 1);
	ck_assert_int_eq(desk_ticket_order_reminder_off(db, tenant, off, "rule:Quiet", &error), 0);
	(void)young; /* Billing has no reminder */
	/* Two daemons at once: the second skips the row the first holds. */
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(claim(db, &id), 1);
	ck_assert_int_eq(id, t);
	ck_assert_int_eq(db_begin(b, &error), 0);
	ck_assert_int_eq(claim(b, &id), 0);
	ck_assert_int_eq(db_commit(db, &error), 0);
	/* After the first committed, the mark keeps it from the second. */
	ck_assert_int_eq(claim(b, &id), 0);
	ck_assert_int_eq(db_commit(b, &error), 0);
	ck_assert_int_eq(db_begin(db, &error), 0);
	ck_assert_int_eq(claim(db, &id), 0);
	ck_assert_int_eq(db_commit(db, &error), 0);
	assert_ticket(t, "order_reminder_at IS NOT NULL", "true");
	assert_ticket(off, "order_reminder_at IS NULL AND order_reminder_off", "true");
	db_close(&b);
}
END_TEST

START_TEST(test_order_subject)
{
	char *name = q("SELECT name FROM tenants WHERE id = $1", 1, I(tenant)), *subject = NULL, *error = NULL;

	ck_assert_int_eq(desk_order_subject(db, tenant, "ES-1", &subject, &error), 0);
	ck_assert_int_eq(db_order_subject_set(db, name, "Pedido {order} ({order}) {orden}", &error), 1);
	ck_assert_int_eq(desk_order_subject(db, tenant, "ES-1", &subject, &error), 1);
	ck_assert_str_eq(subject, "Pedido ES-1 (ES-1) {orden}");
	free(subject);
	free(name);
}
END_TEST

START_TEST(test_pattern_check_and_bounded_find)
{
	char *name = q("SELECT name FROM tenants WHERE id = $1", 1, I(tenant)), *why, *order = NULL, *error = NULL;
	const char *const pats[] = { "(a+)+b", "ref ([A-Z]+-[0-9]+)" };
	char *body = malloc(70000);
	int64_t version = qid("SELECT order_patterns_version FROM tenants WHERE id = $1", 1, I(tenant));

	why = desk_order_pattern_check("(x");
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, "order pattern \"(x\" does not compile at offset 2: missing closing parenthesis");
	free(why);
	ck_assert_ptr_null(desk_order_pattern_check(pats[0]));
	ck_assert_int_eq(version, 0);
	ck_assert_int_eq(db_order_patterns_set(db, name, pats, 2, &error), 1);
	version = qid("SELECT order_patterns_version FROM tenants WHERE id = $1", 1, I(tenant));
	memset(body, 'a', 69999);
	body[69999] = '\0';
	/* The backtracking pattern gives up; the second still finds nothing. */
	ck_assert_int_eq(desk_order_find(db, &settings, tenant, version, "hello", body, &order, &error), 0);
	memcpy(body + 100, " ref AB-12 ", 11);
	ck_assert_int_eq(desk_order_find(db, &settings, tenant, version, "hello", body, &order, &error), 1);
	ck_assert_str_eq(order, "AB-12");
	free(order);
	/* Past the first 64 KiB the body is not read. */
	memset(body, 'a', 69999);
	memcpy(body + 66000, " ref AB-12 ", 11);
	ck_assert_int_eq(desk_order_find(db, &settings, tenant, version, "hello", body, &order, &error), 0);
	/* The subject first. */
	ck_assert_int_eq(desk_order_find(db, &settings, tenant, version, "ref S-1", "ref B-2", &order, &error), 1);
	ck_assert_str_eq(order, "S-1");
	free(order);
	free(body);
	free(name);
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *order_suite(void)
{
	Suite *s = suite_create("pg-order");
	TCase *tc = tcase_create("orders");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_set_order_events_and_refusals);
	tcase_add_test(tc, test_reminder_claimed_once_by_two_connections);
	tcase_add_test(tc, test_order_subject);
	tcase_add_test(tc, test_pattern_check_and_bounded_find);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-order", order_suite);
}
