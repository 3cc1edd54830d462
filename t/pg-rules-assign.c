/* Part of t/pg-rules: assignment strategies (only online agents, turns
 * that wrap, caps, the least loaded), SLA due times with and without
 * business hours, and rules on the delivery path. */
#include "config.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desk/desk-private.h"
#include "mime/mime-fields.h"

/* desk_assign_pick in a transaction; the agent id, or 0 for nobody. */
static int64_t pick(int64_t team, enum rules_strategy st, unsigned max_open, int64_t exclude)
{
	char *error = NULL;
	int64_t id = 0;
	int ret;

	ck_assert_msg(db_begin(db, &error) == 0, "%s", error);
	ret = desk_assign_pick(db, tenant, team, st, max_open, exclude, &id, &error);
	ck_assert_msg(ret >= 0, "desk_assign_pick: %s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "%s", error);
	return ret == 1 ? id : 0;
}

/* n open tickets of team assigned to agent. */
static void load_agent(int64_t team, int64_t agent, int n)
{
	for (int i = 0; i < n; i++)
		free(q("UPDATE tickets SET assignee_id = $3 WHERE tenant_id = $1 AND id = $2", 3, I(tenant),
		       I(ticket_new(team, "load")), I(agent)));
}

START_TEST(test_round_robin_cycles_online_agents)
{
	/* ana, bob, cy are online; dee (away) and eve (offline) never get one. */
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), ana);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), bob);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), cy);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), ana);
	assert_q(I(ana), "SELECT rr_last_agent_id FROM teams WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(support));
	/* With a cap of 2 open tickets, bob (2 open) is skipped; a closed
	 * ticket does not count. */
	load_agent(support, bob, 2);
	load_agent(support, cy, 1);
	free(q("UPDATE tickets SET status = 'closed' WHERE tenant_id = $1 AND assignee_id = $2", 2, I(tenant), I(cy)));
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 2, 0), cy);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 2, 0), ana);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, ana), bob); /* excluded ana; no cap */
	/* When an agent comes online, the turn reaches them. */
	free(q("UPDATE agents SET status = 'online' WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(dee)));
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), cy);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), dee);
	ck_assert_int_eq(pick(support, RULES_ROUND_ROBIN, 0, 0), ana);
}
END_TEST

START_TEST(test_least_open_and_nobody)
{
	load_agent(support, ana, 2);
	load_agent(support, bob, 1);
	ck_assert_int_eq(pick(support, RULES_LEAST_OPEN, 0, 0), cy);
	load_agent(support, cy, 1);
	ck_assert_int_eq(pick(support, RULES_LEAST_OPEN, 0, 0), bob); /* bob and cy tie at 1: lowest id */
	ck_assert_int_eq(pick(support, RULES_LEAST_OPEN, 0, bob), cy);
	ck_assert_int_eq(pick(support, RULES_LEAST_OPEN, 1, 0), 0); /* everyone is at the cap */
	ck_assert_int_eq(pick(support, RULES_LEAST_OPEN, 3, 0), bob);
	/* Billing's only agent is away: nobody. */
	free(q("UPDATE agents SET status = 'away' WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(fay)));
	ck_assert_int_eq(pick(billing, RULES_ROUND_ROBIN, 0, 0), 0);
	ck_assert_int_eq(pick(billing, RULES_LEAST_OPEN, 0, 0), 0);
}
END_TEST

START_TEST(test_rule_strategy_and_ticket_assign)
{
	int64_t t1 = ticket_new(support, "a"), t2 = ticket_new(billing, "b");
	char *error = NULL;

	rules_store(0, "rule \"Spread\" on ticket.created then\n  assign round-robin max 5\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_TICKET_CREATED, t1, 0));
	assert_events(t1, "assigned|rule:Spread|ana@demo.example by round-robin");
	free(q("UPDATE agents SET status = 'offline' WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(fay)));
	ck_assert(!run(RULES_EV_TICKET_CREATED, t2, 0));
	assert_events(t2, "rule.failed|rule:Spread|no agent available for round-robin");

	/* desk_ticket_assign: offline eve is not mailed, online bob is; the
	 * same assignee again changes nothing; an unknown agent is an error. */
	ck_assert(db_begin(db, &error) == 0);
	ck_assert_int_eq(desk_ticket_assign(db, &settings, tenant, t1, fay + 1000, "x", &error), -1);
	ck_assert_ptr_nonnull(error);
	db_rollback(db);
	free(error);
	error = NULL;
	ck_assert(db_begin(db, &error) == 0);
	ck_assert(desk_ticket_assign(db, &settings, tenant, t1, eve, "ana@demo.example", &error) == 0);
	ck_assert(desk_ticket_assign(db, &settings, tenant, t1, bob, "ana@demo.example", &error) == 0);
	ck_assert(desk_ticket_assign(db, &settings, tenant, t1, bob, "ana@demo.example", &error) == 0);
	ck_assert(desk_ticket_assign(db, &settings, tenant, t1, 0, "ana@demo.example", &error) == 0);
	ck_assert(db_commit(db, &error) == 0);
	assert_events(t1, "assigned|rule:Spread|ana@demo.example by round-robin\n"
			  "assigned|ana@demo.example|eve@demo.example\n"
			  "assigned|ana@demo.example|bob@demo.example\n"
			  "unassigned|ana@demo.example|");
	assert_q("ana@demo.example,bob@demo.example",
		 "SELECT string_agg(array_to_string(rcpts, ','), ',' ORDER BY id) FROM outbound WHERE tenant_id = $1"
		 " AND ticket_id = $2 AND kind = 'explanation'",
		 2, I(tenant), I(t1));
	assert_ticket(t1, "assignee_id", NULL);
}
END_TEST

/* Business hours Monday to Friday 09:00-17:00 in Madrid for support. */
static void madrid_hours(void)
{
	free(q("UPDATE teams SET time_zone = 'Europe/Madrid' WHERE tenant_id = $1 AND id = $2", 2, I(tenant),
	       I(support)));
	free(q("INSERT INTO team_hours (tenant_id, team_id, dow, opens, closes)"
	       " SELECT $1, $2, d, '09:00', '17:00' FROM generate_series(1, 5) d",
	       2, I(tenant), I(support)));
}

START_TEST(test_sla_plain_and_business_hours)
{
	int64_t t1 = ticket_new(support, "plain"), t2;

	free(q("INSERT INTO sla_policies (tenant_id, team_id, priority, first_response_minutes, resolution_minutes)"
	       " VALUES ($1, $2, 1, 60, 240), ($1, $2, 3, 30, NULL)",
	       2, I(tenant), I(support)));
	free(q("UPDATE tickets SET created_at = '2026-11-20 10:00Z' WHERE tenant_id = $1 AND id = $2", 2, I(tenant),
	       I(t1)));
	run(RULES_EV_TICKET_CREATED, t1, 0); /* no rules: still the due times */
	assert_ticket(t1, "first_response_due = '2026-11-20 11:00Z' AND resolution_due = '2026-11-20 14:00Z'", "true");

	madrid_hours();
	/* Friday 16:30 (the day before DST ends): 30 minutes on Friday, the
	 * rest on Monday morning. */
	t2 = ticket_new(support, "friday");
	free(q("UPDATE tickets SET created_at = '2026-10-23 16:30'::timestamp AT TIME ZONE 'Europe/Madrid'"
	       " WHERE tenant_id = $1 AND id = $2",
	       2, I(tenant), I(t2)));
	run(RULES_EV_TICKET_CREATED, t2, 0);
	assert_ticket(t2, "first_response_due AT TIME ZONE 'Europe/Madrid'", "2026-10-26 09:30:00");
	assert_ticket(t2, "resolution_due AT TIME ZONE 'Europe/Madrid'", "2026-10-26 12:30:00");
	/* Priority urgent: 30 minutes, due at Friday's closing; no resolution target. */
	rules_store(support, "rule \"Urgent\" on message.received then\n  set priority urgent\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t2, 0));
	assert_ticket(t2, "first_response_due AT TIME ZONE 'Europe/Madrid'", "2026-10-23 17:00:00");
	assert_ticket(t2, "resolution_due", NULL);
	/* Priority low has no policy: no due times. */
	rules_store(support, "rule \"Low\" on message.received then\n  set priority low\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t2, 0));
	assert_ticket(t2, "coalesce(first_response_due, resolution_due)", NULL);

	assert_q("t f f t",
		 "SELECT concat_ws(' ', md_in_business_hours($1, $2, '2026-10-23 16:59'::timestamp AT TIME ZONE 'Europe/Madrid'),"
		 " md_in_business_hours($1, $2, '2026-10-23 17:00'::timestamp AT TIME ZONE 'Europe/Madrid'),"
		 " md_in_business_hours($1, $2, '2026-10-24 10:00'::timestamp AT TIME ZONE 'Europe/Madrid'),"
		 " md_in_business_hours($1, $2 + 1000, now()))",
		 2, I(tenant), I(support));
}
END_TEST

START_TEST(test_first_response_recorded_once)
{
	int64_t t = ticket_new(support, "x");
	char *error = NULL, *first;

	ck_assert(desk_sla_first_response(db, tenant, t, &error) == 0);
	first = q("SELECT first_response_at::text FROM tickets WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(t));
	ck_assert_ptr_nonnull(first);
	free(q("SELECT pg_sleep(0.01)", 0));
	ck_assert(desk_sla_first_response(db, tenant, t, &error) == 0);
	assert_ticket(t, "first_response_at", first);
	free(first);
}
END_TEST

/* A mail from `from` delivered to rcpt (an alias of support, or a reply
 * address: extension its token), through the delivery hook. */
static struct db_delivery_result deliver_from(const char *from, const char *rcpt, const char *extension,
					      const char *subject, const char *extra_header, const char *body)
{
	static unsigned seq;
	char raw[1024], sha[65], headers[256], *error = NULL;
	struct db_delivery_result r;

	snprintf(headers, sizeof(headers), "From: <%s>\r\n%s", from, extra_header);
	snprintf(raw, sizeof(raw), "%sSubject: %s\r\nX-Seq: %ld-%u\r\n\r\n%s", headers, subject, (long)getpid(), ++seq,
		 body);
	snprintf(sha, sizeof(sha), "%056lx%08x", (unsigned long)getpid(), seq);
	struct db_message_in m = {
		.raw = raw, .raw_len = strlen(raw), .raw_sha256_hex = sha, .envelope_from = from, .from_addr = from,
		.subject = subject, .header_block = headers, .text_body = body, .defects_str = "",
		.rcpt_extension = extension,
	};
	ck_assert_msg(desk_deliver(db, &settings, tenant, support, rcpt, &m, &r, &error) == 0, "deliver: %s", error);
	return r;
}

/* A customer's mail to the support alias. */
static struct db_delivery_result deliver(const char *alias, const char *subject, const char *extra_header)
{
	return deliver_from("carla@customer.example", alias, NULL, subject, extra_header, "hello\n");
}

/* The delivery reads whether the team has an SLA policy and skips the
 * update when it has none; a rule that moves the new ticket to a team
 * with one still gets it its due times. */
START_TEST(test_delivery_sla_skip_and_move)
{
	char *alias = q("SELECT address FROM team_aliases WHERE tenant_id = $1", 1, I(tenant));
	struct db_delivery_result r1, r2, r3;

	r1 = deliver(alias, "No policy", "");
	assert_ticket(r1.ticket_id, "coalesce(first_response_due, resolution_due)", NULL);
	free(q("INSERT INTO sla_policies (tenant_id, team_id, priority, first_response_minutes, resolution_minutes)"
	       " VALUES ($1, $2, 1, 60, 240)",
	       2, I(tenant), I(support)));
	r2 = deliver(alias, "Support policy", "");
	assert_ticket(r2.ticket_id, "first_response_due - created_at", "01:00:00");
	free(q("DELETE FROM sla_policies WHERE tenant_id = $1", 1, I(tenant)));
	free(q("INSERT INTO sla_policies (tenant_id, team_id, priority, first_response_minutes, resolution_minutes)"
	       " VALUES ($1, $2, 1, 30, NULL)",
	       2, I(tenant), I(billing)));
	rules_store(0, "rule \"Bills\" on ticket.created then\n  move to team \"Billing\"\nend\n");
	desk_rules_changed();
	r3 = deliver(alias, "Moved", "");
	assert_ticket(r3.ticket_id, "team_id", I(billing));
	assert_ticket(r3.ticket_id, "first_response_due - created_at", "00:30:00");
	free(alias);
}
END_TEST

START_TEST(test_delivery_runs_rules_before_notifying)
{
	char *alias = q("SELECT address FROM team_aliases WHERE tenant_id = $1", 1, I(tenant));
	struct db_delivery_result r1, r2, r3;

	rules_store(0, "rule \"Spread\" on ticket.created then\n  assign round-robin\n  tag \"new\"\nend\n"
		       "rule \"Reply\" on message.received then\n  tag \"replied\"\nend\n");
	desk_rules_changed();
	r1 = deliver(alias, "Printer", "");
	r2 = deliver(alias, "Scanner", "");
	ck_assert(r1.new_ticket && r2.new_ticket);
	assert_ticket(r1.ticket_id, "assignee_id", I(ana));
	assert_ticket(r2.ticket_id, "assignee_id", I(bob));
	assert_tags(r1.ticket_id, "new");
	/* Only the assignee chosen by the rule was notified. */
	assert_q("ana@demo.example", "SELECT string_agg(array_to_string(rcpts, ','), ',') FROM outbound"
				     " WHERE tenant_id = $1 AND ticket_id = $2 AND kind = 'notification'",
		 2, I(tenant), I(r1.ticket_id));
	/* A follow-up (by subject tag) runs message.received, even when it
	 * is automatic mail. */
	char subject[64];
	snprintf(subject, sizeof(subject), "Re: [#%lld] Printer", (long long)r1.ticket_number);
	r3 = deliver(alias, subject, "Auto-Submitted: auto-replied\r\n");
	ck_assert_int_eq(r3.ticket_id, r1.ticket_id);
	ck_assert(!r3.new_ticket);
	assert_tags(r1.ticket_id, "new replied");
	free(alias);
}
END_TEST

/* On a delivery the rules read the header fields the delivery parsed (in
 * memory: here they differ from the stored block on purpose, which a real
 * delivery never does); an event on the stored message later reads the
 * stored block. */
START_TEST(test_delivery_rules_read_fields_in_memory)
{
	char *alias = q("SELECT address FROM team_aliases WHERE tenant_id = $1", 1, I(tenant));
	const char *raw = "From: <carla@customer.example>\r\nX-Order: stored\r\nSubject: Fields\r\n\r\nhi\n";
	struct mime_field fields[] = { { "From", "<carla@customer.example>" }, { "X-Order", "memory" } };
	struct db_message_in m = {
		.raw = raw, .raw_len = strlen(raw), .raw_sha256_hex = "f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1d5f1e1",
		.envelope_from = "carla@customer.example", .from_addr = "carla@customer.example", .subject = "Fields",
		.header_block = "From: <carla@customer.example>\r\nX-Order: stored\r\nSubject: Fields\r\n",
		.text_body = "hi\n", .defects_str = "", .fields = fields, .n_fields = 2,
	};
	struct db_delivery_result r;
	char *error = NULL;

	rules_store(0, "rule \"Mem\" on ticket.created if header \"X-Order\" is \"memory\" then tag \"mem\" end\n"
		       "rule \"Stored\" on message.received if header \"X-Order\" is \"stored\" then tag \"stored\" end\n");
	desk_rules_changed();
	ck_assert_msg(desk_deliver(db, &settings, tenant, support, alias, &m, &r, &error) == 0, "deliver: %s", error);
	ck_assert(r.new_ticket);
	assert_tags(r.ticket_id, "mem");
	run(RULES_EV_MESSAGE_RECEIVED, r.ticket_id, r.message_id);
	assert_tags(r.ticket_id, "mem stored");
	free(alias);
}
END_TEST

START_TEST(test_agent_answer_runs_tag_and_reply_rules)
{
	char *alias = q("SELECT address FROM team_aliases WHERE tenant_id = $1", 1, I(tenant)), *reply_addr;
	struct db_delivery_result r1, r2;
	struct desk_ticket t;
	char *error = NULL;

	rules_store(support, "rule \"VIP\" on tag.added if added_tag is \"vip\" then\n  set priority urgent\nend\n"
			     "rule \"Answered\" on agent.replied if from is \"ana@demo.example\" then\n  tag \"answered\"\nend\n");
	desk_rules_changed();
	r1 = deliver(alias, "Broken", "");
	assert_ticket(r1.ticket_id, "first_response_at", NULL);
	ck_assert(desk_ticket_load(db, &settings, tenant, r1.ticket_id, &t, &error) == 0);
	reply_addr = desk_reply_address(&settings, tenant, &t, ana);
	char *plus = strchr(reply_addr, '+'), *at = strrchr(reply_addr, '@');
	ck_assert(plus != NULL && at != NULL);
	char *token = strndup(plus + 1, (size_t)(at - plus - 1));
	r2 = deliver_from("ana@demo.example", reply_addr, token, "Re: Broken", "", "#tag vip\n\nFixed it.\n");
	ck_assert_int_eq(r2.ticket_id, r1.ticket_id);
	assert_ticket(r1.ticket_id, "priority", "3");
	assert_tags(r1.ticket_id, "answered vip");
	assert_ticket(r1.ticket_id, "first_response_at IS NOT NULL", "true");
	/* #tag of a tag the ticket has already: no tag.added rules. */
	free(q("UPDATE tickets SET priority = 0 WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(r1.ticket_id)));
	r2 = deliver_from("ana@demo.example", reply_addr, token, "Re: Broken", "", "#tag vip\n\nStill fixed.\n");
	ck_assert_int_eq(r2.ticket_id, r1.ticket_id);
	assert_ticket(r1.ticket_id, "priority", "0");
	free(token);
	free(reply_addr);
	desk_ticket_free(&t);
	free(alias);
}
END_TEST

TCase *rules_assign_tcase(void)
{
	TCase *tc = tcase_create("assign");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_robin_cycles_online_agents);
	tcase_add_test(tc, test_least_open_and_nobody);
	tcase_add_test(tc, test_rule_strategy_and_ticket_assign);
	tcase_add_test(tc, test_sla_plain_and_business_hours);
	tcase_add_test(tc, test_delivery_sla_skip_and_move);
	tcase_add_test(tc, test_first_response_recorded_once);
	tcase_add_test(tc, test_delivery_runs_rules_before_notifying);
	tcase_add_test(tc, test_delivery_rules_read_fields_in_memory);
	tcase_add_test(tc, test_agent_answer_runs_tag_and_reply_rules);
	return tc;
}
