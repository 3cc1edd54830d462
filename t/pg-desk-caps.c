/* The automatic-mail counts of lib/db/db-desk-caps.c against a real
 * PostgreSQL (t/test-env exports MD_DATABASE): what lib/desk's hourly caps
 * and the acknowledgement window count, and what they leave out. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-desk-caps.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "db/db-outbound.h"

#define CUSTOMER "carla@customer.example"
#define AGENT "ana@support.example"

static struct db *db;
static int64_t tenant_id, team_id, ticket_a, ticket_b, other_team_ticket;

/* A team of the tenant, and a ticket of it for CUSTOMER. */
static int64_t team_ticket(int64_t *team_r, const char *team_name)
{
	char tn[24], tm[24], ct[24];
	const char *params[3] = { tn, team_name, NULL };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	*team_r = pg_int(db, "INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id", 2, params);
	snprintf(tm, sizeof(tm), "%" PRId64, *team_r);
	snprintf(ct, sizeof(ct), "%" PRId64,
		 pg_int(db, "INSERT INTO contacts (tenant_id, email) VALUES ($1, '" CUSTOMER "') ON CONFLICT (tenant_id,"
			" email) DO UPDATE SET email = excluded.email RETURNING id",
			1, params));
	params[1] = tm;
	params[2] = ct;
	return pg_int(db, "INSERT INTO tickets (tenant_id, team_id, subject, requester_id) VALUES ($1, $2, 'Lamp', $3)"
		      " RETURNING id",
		      3, params);
}

/* Each test: a migrated schema, a tenant of its own with an agent, two
 * tickets of one team and one of another team. */
static void setup(void)
{
	char name[64], tn[24];
	const char *params[1] = { name };
	int64_t other_team;

	db = pg_connect_migrated();
	snprintf(name, sizeof(name), "caps-%ld-%d", (long)getpid(), rand());
	tenant_id = pg_int(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	params[0] = tn;
	pg_int(db, "INSERT INTO agents (tenant_id, email) VALUES ($1, '" AGENT "') RETURNING id", 1, params);
	ticket_a = team_ticket(&team_id, "support");
	ticket_b = pg_int(db, "INSERT INTO tickets (tenant_id, team_id, subject, requester_id)"
			  " SELECT tenant_id, team_id, 'Chair', requester_id FROM tickets WHERE tenant_id = $1"
			  " RETURNING id",
			  1, params);
	other_team_ticket = team_ticket(&other_team, "sales");
}

static void teardown(void)
{
	db_close(&db);
}

/* Queues one mail (committed); minutes_ago > 0 backdates it. */
static void queue(int64_t ticket_id, enum db_outbound_kind kind, const char *rcpt, int minutes_ago)
{
	const char *rcpts[1] = { rcpt };
	struct db_outbound_in o = { .tenant_id = tenant_id, .ticket_id = ticket_id, .kind = kind, .envelope_from = "",
				    .rcpts = rcpts, .n_rcpts = 1, .data = "Subject: x\r\n\r\nx\r\n", .len = 17,
				    .message_id = "x@test" };
	char *error = NULL, id[24], ago[24];
	const char *params[2] = { id, ago };
	int64_t row;

	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	ck_assert_msg(db_outbound_enqueue(db, &o, &row, &error) == 0, "%s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	snprintf(id, sizeof(id), "%" PRId64, row);
	snprintf(ago, sizeof(ago), "%d", minutes_ago);
	if (minutes_ago > 0)
		pg_int(db, "UPDATE outbound SET created_at = now() - make_interval(mins => $2::int) WHERE id = $1", 2, params);
}

/* The counts for a mail about ticket_id to rcpt. */
static struct db_desk_auto_counts counts(int64_t ticket_id, const char *rcpt, bool team_acks)
{
	struct db_desk_auto_counts c;
	char *error = NULL;

	ck_assert_msg(db_desk_auto_counts(db, tenant_id, ticket_id, rcpt, team_acks, &c, &error) == 0, "%s", error);
	return c;
}

START_TEST(test_counts_only_automatic_mail_of_the_last_hour)
{
	struct db_desk_auto_counts c;

	queue(ticket_a, DB_OUTBOUND_NOTIFICATION, AGENT, 0);
	queue(ticket_a, DB_OUTBOUND_ACK, CUSTOMER, 0);
	queue(ticket_a, DB_OUTBOUND_EXPLANATION, AGENT, 0);
	queue(ticket_a, DB_OUTBOUND_REPLY, CUSTOMER, 0); /* an agent's answer: never counted */
	queue(ticket_a, DB_OUTBOUND_ACK, CUSTOMER, 61);  /* older than an hour */
	queue(ticket_b, DB_OUTBOUND_ACK, CUSTOMER, 0);
	queue(other_team_ticket, DB_OUTBOUND_ACK, CUSTOMER, 0);

	c = counts(ticket_a, CUSTOMER, true);
	ck_assert_int_eq(c.per_ticket, 3);
	ck_assert_int_eq(c.per_address, 3); /* acks of tickets a, b and the other team's */
	ck_assert_int_eq(c.per_team, 2);    /* acks of a and b: the other team's is its own */
	/* The address is compared in lower case; per team only for acks. */
	c = counts(ticket_b, "Carla@Customer.Example", false);
	ck_assert_int_eq(c.per_ticket, 1);
	ck_assert_int_eq(c.per_address, 3);
	ck_assert_int_eq(c.per_team, 0);
}
END_TEST

START_TEST(test_agents_are_never_counted_per_address)
{
	struct db_desk_auto_counts c;

	for (int i = 0; i < 3; i++)
		queue(ticket_b, DB_OUTBOUND_NOTIFICATION, AGENT, 0);
	c = counts(ticket_a, AGENT, false);
	ck_assert_int_eq(c.per_ticket, 0);
	ck_assert_int_eq(c.per_address, 0);
	c = counts(ticket_a, "someone@else.example", false);
	ck_assert_int_eq(c.per_address, 0);
}
END_TEST

START_TEST(test_other_tenants_mail_is_not_counted)
{
	struct db_desk_auto_counts c;
	int64_t mine = tenant_id, mine_ticket = ticket_a;

	queue(ticket_a, DB_OUTBOUND_ACK, CUSTOMER, 0);
	teardown();
	setup(); /* a second tenant */
	c = counts(ticket_a, CUSTOMER, true);
	ck_assert_int_eq(c.per_ticket, 0);
	ck_assert_int_eq(c.per_address, 0);
	ck_assert_int_eq(c.per_team, 0);
	ck_assert(mine != tenant_id && mine_ticket != ticket_a);
}
END_TEST

/* db_desk_ack_recent() with window_s, in a transaction of its own. */
static int ack_recent(int64_t team, const char *rcpt, unsigned window_s)
{
	char *error = NULL;
	int r;

	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	r = db_desk_ack_recent(db, tenant_id, team, rcpt, window_s, &error);
	ck_assert_msg(r >= 0, "%s", error);
	db_rollback(db);
	return r;
}

START_TEST(test_ack_window_sees_only_the_teams_acks_to_that_address)
{
	int64_t other_team = 0;
	char tk[24];
	const char *params[1] = { tk };

	ck_assert_int_eq(ack_recent(team_id, CUSTOMER, 3600), 0);
	queue(ticket_a, DB_OUTBOUND_NOTIFICATION, CUSTOMER, 0); /* not an ack */
	ck_assert_int_eq(ack_recent(team_id, CUSTOMER, 3600), 0);
	queue(ticket_a, DB_OUTBOUND_ACK, CUSTOMER, 10);
	ck_assert_int_eq(ack_recent(team_id, CUSTOMER, 3600), 1);
	ck_assert_int_eq(ack_recent(team_id, CUSTOMER, 300), 0); /* ten minutes ago: outside five */
	ck_assert_int_eq(ack_recent(team_id, "dan@customer.example", 3600), 0);
	snprintf(tk, sizeof(tk), "%" PRId64, other_team_ticket);
	other_team = pg_int(db, "SELECT team_id FROM tickets WHERE id = $1", 1, params);
	ck_assert_int_eq(ack_recent(other_team, CUSTOMER, 3600), 0);
}
END_TEST

static Suite *caps_suite(void)
{
	Suite *s = suite_create("pg-desk-caps");
	TCase *tc = tcase_create("counts");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_counts_only_automatic_mail_of_the_last_hour);
	tcase_add_test(tc, test_agents_are_never_counted_per_address);
	tcase_add_test(tc, test_other_tenants_mail_is_not_counted);
	tcase_add_test(tc, test_ack_window_sees_only_the_teams_acks_to_that_address);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-desk-caps", caps_suite);
}
