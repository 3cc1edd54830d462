/* lib/db's finding queries (db-find.h) against a private PostgreSQL: the
 * requester's statuses, search in the tenant's language with exact
 * matches first and paging, one tenant never seeing another's, the user's
 * text never read as SQL or breaking a query, a huge body still stored,
 * and a contact's tickets and orders. Fixtures from t/pg-rules-lib.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-find.h"

/* Column col of every row, joined with spaces (malloc'd). */
static char *column(const struct db_table *t, size_t col)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->n_rows; i++) {
		const char *v = db_table_get(t, i, col);
		buf_printf(&b, "%s%s", i > 0 ? " " : "", v != NULL ? v : "-");
	}
	return buf_steal(&b, NULL);
}

/* A ticket's number as text (one of a ring of buffers). */
static const char *num(int64_t ticket)
{
	static char ring[8][24];
	static unsigned next;
	char *b = ring[next++ % 8], *v = q("SELECT number FROM tickets WHERE id = $1", 1, I(ticket));

	snprintf(b, 24, "%s", v);
	free(v);
	return b;
}

/* The requester's list of carla with state (NULL: all): "number:status:state ...". */
static char *requester(const char *state)
{
	struct db_requester_filter f = { tenant, "Carla@Customer.example", state, 0, 0 };
	struct db_table *t = NULL;
	char *error = NULL, *n, *s, *st, *r;

	ck_assert_msg(db_find_requester_tickets(db, &f, &t, &error) == 0, "%s", error);
	n = column(t, 0), s = column(t, 2), st = column(t, 3);
	r = xasprintf("%s|%s|%s", n, s, st);
	free(n), free(s), free(st);
	db_table_free(&t);
	return r;
}

START_TEST(test_requester_statuses)
{
	static const char *const statuses[] = { "open", "snoozed", "pending", "solved", "closed", "merged" };
	int64_t t[6];
	char *got, *want;

	for (int i = 0; i < 6; i++) {
		t[i] = ticket_new(support, statuses[i]);
		/* Latest activity first: the first is the newest. */
		free(q("UPDATE tickets SET status = $2, last_activity_at = now() - make_interval(mins => $3::int)"
		       " WHERE id = $1",
		       3, I(t[i]), statuses[i], I(i)));
	}
	got = requester(NULL);
	want = xasprintf("%s %s %s %s %s|Open Open Awaiting your reply Solved Solved|open open awaiting solved solved",
			 num(t[0]), num(t[1]), num(t[2]), num(t[3]), num(t[4]));
	ck_assert_str_eq(got, want);
	free(got), free(want);
	got = requester("solved");
	want = xasprintf("%s %s|Solved Solved|solved solved", num(t[3]), num(t[4]));
	ck_assert_str_eq(got, want);
	free(got), free(want);
	got = requester("awaiting");
	want = xasprintf("%s|Awaiting your reply|awaiting", num(t[2]));
	ck_assert_str_eq(got, want);
	free(got), free(want);
}
END_TEST

/* Search in the tenant: "number:match ..." for text. */
static char *search(int64_t in_tenant, const char *text, unsigned limit, unsigned offset)
{
	struct db_search s = { in_tenant, text, 0, limit, offset };
	struct db_table *t = NULL;
	char *error = NULL, *n, *m, *r;

	if (strspn(text, "0123456789") == strlen(text) && text[0] != '\0')
		s.number = strtoll(text, NULL, 10);
	ck_assert_msg(db_find_search(db, &s, &t, &error) == 0, "%s", error);
	n = column(t, 0), m = column(t, 6);
	r = xasprintf("%s|%s", n, m);
	free(n), free(m);
	db_table_free(&t);
	return r;
}

/* The search config of a tenant: 1 set, 0 unknown; *n_r reindexed. */
static int config_set(int64_t in_tenant, const char *config, int64_t *n_r)
{
	char *error = NULL;
	int ret = db_find_search_config_set(db, in_tenant, config, n_r, &error);

	ck_assert_msg(ret >= 0, "%s", error);
	return ret;
}

/* search() in the test's tenant must give want. */
static void assert_search(const char *text, unsigned limit, unsigned offset, const char *want)
{
	char *got = search(tenant, text, limit, offset);

	ck_assert_msg(strcmp(got, want) == 0, "search \"%s\": expected '%s', got '%s'", text, want, got);
	free(got);
}

START_TEST(test_search_language_and_ranking)
{
	int64_t a = ticket_new(support, "Pedido no recibido"), b = ticket_new(support, "Factura");
	int64_t c = ticket_new(support, "Otra"), merged = ticket_new(support, "Fusionado"), n = 0;
	char *want, *cfg = NULL, *error = NULL;

	message_new(a, "Pedido no recibido", "Mi pedido no ha llegado.", "");
	message_new(b, "Factura", "Me cobraron dos veces el pedido de ayer y el pedido de hoy.", "");
	message_new(merged, "Fusionado", "Otro pedido.", "");
	free(q("UPDATE tickets SET status = 'merged', merged_into_id = $2 WHERE id = $1", 2, I(merged), I(a)));
	/* simple (the default) does not stem: "pedidos" is not "pedido". */
	assert_search("pedidos", 20, 0, "|");
	ck_assert_int_eq(config_set(tenant, "klingon", &n), 0);
	ck_assert_int_eq(config_set(tenant, "spanish'; DROP TABLE tickets; --", &n), 0);
	ck_assert_int_eq(config_set(tenant, "spanish", &n), 1);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(db_find_search_config_get(db, tenant, &cfg, &error), 1);
	ck_assert_str_eq(cfg, "spanish");
	free(cfg);
	/* Spanish stems; the merged ticket never shows; b says it twice. */
	want = xasprintf("%s %s|text text", num(b), num(a));
	assert_search("pedidos", 20, 0, want);
	free(want);
	/* A new message is indexed in the tenant's language as it is stored
	 * (the insert copies the tenant's configuration). */
	free(q("INSERT INTO messages (tenant_id, ticket_id, team_id, direction, subject, text_body, search_config)"
	       " VALUES ($1, $2, $3, 'in', 'x', 'Quiero devoluciones', (SELECT search_config FROM tenants WHERE id = $1))",
	       3, I(tenant), I(c), I(support)));
	want = xasprintf("%s|text", num(c));
	assert_search("devolución", 20, 0, want);
	free(want);
	/* Exact matches first: the number, then text naming it. */
	message_new(c, "Re", "Como dije en el ticket 4242.", "");
	free(q("UPDATE tickets SET number = 4242 WHERE id = $1", 1, I(a)));
	want = xasprintf("4242 %s|number text", num(c));
	assert_search("4242", 20, 0, want);
	free(want);
	want = xasprintf("%s|text", num(c));
	assert_search("4242", 1, 1, want);
	free(want);
	/* Order reference, then requester (every ticket but the merged one). */
	free(q("UPDATE tickets SET order_ref = 'ORD-9' WHERE id = $1", 1, I(b)));
	want = xasprintf("%s|order", num(b));
	assert_search("ORD-9", 20, 0, want);
	free(want);
	{
		char *got = search(tenant, "CARLA@customer.example", 20, 0);
		ck_assert_msg(strstr(got, "|requester requester requester") != NULL, "%s", got);
		free(got);
	}
	/* The user's text is data: quotes, operators and SQL are no errors. */
	assert_search("'); DROP TABLE tickets; --", 20, 0, "|");
	assert_search("\"pedido no\" -factura", 20, 0, "4242|text");
}
END_TEST

START_TEST(test_search_tenants_and_huge_body)
{
	int64_t mine = ticket_new(support, "mine"), other_tenant, other_team, other_ticket, other_carla, n;
	char *name = pg_unique_name("find");
	struct buf big;

	message_new(mine, "Parcel", "The parcel was shipped.", "");
	other_tenant = qid("INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, name);
	free(name);
	other_team = qid("INSERT INTO teams (tenant_id, name) VALUES ($1, 'Help') RETURNING id", 1, I(other_tenant));
	other_carla = qid("INSERT INTO contacts (tenant_id, email) VALUES ($1, 'carla@customer.example') RETURNING id",
			  1, I(other_tenant));
	other_ticket = qid("INSERT INTO tickets (tenant_id, team_id, subject, requester_id) VALUES ($1, $2, 'theirs', $3)"
			   " RETURNING id",
			   3, I(other_tenant), I(other_team), I(other_carla));
	free(q("INSERT INTO messages (tenant_id, ticket_id, team_id, direction, subject, text_body)"
	       " VALUES ($1, $2, $3, 'in', 'Parcel', 'Their parcel was shipped too.')",
	       3, I(other_tenant), I(other_ticket), I(other_team)));
	ck_assert_int_eq(config_set(tenant, "english", &n), 1);
	{
		char *want = xasprintf("%s|text", num(mine)), *got = search(tenant, "shipping", 20, 0);
		ck_assert_str_eq(got, want);
		free(got), free(want);
		/* The other tenant is still "simple": no stemming there. */
		got = search(other_tenant, "shipping", 20, 0);
		ck_assert_str_eq(got, "|");
		free(got);
		want = xasprintf("%s|requester", num(other_ticket));
		got = search(other_tenant, "carla@customer.example", 20, 0);
		ck_assert_str_eq(got, want);
		free(got), free(want);
	}
	/* A body far past what a tsvector holds (1 MB) is stored all the
	 * same: only its first 100000 characters are indexed. */
	buf_init(&big, 0);
	for (int i = 0; i < 200000; i++)
		buf_printf(&big, "w%dx ", i);
	buf_append_str(&big, "needleword");
	message_new(mine, "Big", big.data, "");
	buf_free(&big);
	assert_q("1", "SELECT count(*) FROM messages WHERE tenant_id = $1 AND length(text_body) > 1000000", 1, I(tenant),
		 NULL);
	{
		char *got = search(tenant, "w12x", 20, 0), *want = xasprintf("%s|text", num(mine));
		ck_assert_str_eq(got, want);
		free(got), free(want);
		got = search(tenant, "needleword", 20, 0);
		ck_assert_str_eq(got, "|");
		free(got);
	}
}
END_TEST

START_TEST(test_contact_report)
{
	int64_t a = ticket_new(support, "first"), b = ticket_new(support, "second"), c = ticket_new(billing, "cc'd");
	int64_t dora = qid("INSERT INTO contacts (tenant_id, email) VALUES ($1, 'dora@customer.example') RETURNING id",
			   1, I(tenant));
	struct db_contact_report r;
	char *error = NULL, *got, *want;

	free(q("UPDATE tickets SET order_ref = 'A-1', last_activity_at = now() - interval '2 days' WHERE id = $1", 1,
	       I(a)));
	free(q("UPDATE tickets SET order_ref = 'A-2', last_activity_at = now() - interval '1 day' WHERE id = $1", 1,
	       I(b)));
	/* carla takes part in dora's ticket c. */
	free(q("UPDATE tickets SET requester_id = $2, order_ref = 'A-1' WHERE id = $1", 2, I(c), I(dora)));
	free(q("INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id) VALUES ($1, $2, $3)", 3, I(tenant),
	       I(c), I(carla)));
	ck_assert_msg(db_find_contact(db, tenant, "carla@CUSTOMER.example", &r, &error) == 1, "%s", error);
	ck_assert_str_eq(db_table_get(r.contact, 0, 0), "carla@customer.example");
	ck_assert_str_eq(db_table_get(r.contact, 0, 1), "Carla");
	got = column(r.tickets, 0);
	want = xasprintf("%s %s %s", num(c), num(b), num(a));
	ck_assert_str_eq(got, want);
	free(got), free(want);
	got = column(r.tickets, 1);
	ck_assert_str_eq(got, "participant requester requester");
	free(got);
	got = column(r.orders, 0);
	ck_assert_str_eq(got, "A-1 A-2");
	free(got);
	got = column(r.orders, 1);
	ck_assert_str_eq(got, "2 1");
	free(got);
	/* Last activity: of the tickets carla asked for. */
	assert_q("t", "SELECT $1::timestamptz = (SELECT date_trunc('second', max(last_activity_at)) FROM tickets"
		 " WHERE requester_id = $2)", 2,
		 db_table_get(r.contact, 0, 3), I(carla));
	db_contact_report_free(&r);
	ck_assert_int_eq(db_find_contact(db, tenant, "nobody@customer.example", &r, &error), 0);
	db_contact_report_free(&r);
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *find_suite(void)
{
	Suite *s = suite_create("pg-find");
	TCase *tc = tcase_create("find");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_requester_statuses);
	tcase_add_test(tc, test_search_language_and_ranking);
	tcase_add_test(tc, test_search_tenants_and_huge_body);
	tcase_add_test(tc, test_contact_report);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-find", find_suite);
}
