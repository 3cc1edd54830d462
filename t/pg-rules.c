/* The rule engine's glue in lib/desk against a real PostgreSQL (t/test-env
 * starts a private cluster and exports MD_DATABASE): facts read from
 * stored tickets and messages, every action carried out and recorded with
 * the rule's name, tenant rules before team rules, and the per-thread
 * program cache. Assignment, SLA and delivery: pg-rules-assign.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static const char headers_sample[] = "Return-Path: <carla@customer.example>\r\n"
				     "From: Carla <carla@customer.example>\r\n"
				     "Subject: Invoice ORD-12345\r\n"
				     "X-Order:  A-7 \r\n"
				     "X-Long: one\r\n two\r\n";

START_TEST(test_facts_from_stored_message)
{
	int64_t t = ticket_new(support, "Invoice ORD-12345"), other = ticket_new(billing, "Older");
	int64_t m = message_new(t, "Invoice ORD-12345", "Please send the PDF", headers_sample);
	struct desk_rules_facts_store st;
	char *error = NULL;

	ticket_new(support, "closed one");
	free(q("UPDATE tickets SET status = 'closed' WHERE tenant_id = $1 AND subject = 'closed one'", 1, I(tenant)));
	free(q("UPDATE tickets SET priority = 2, assignee_id = $3 WHERE tenant_id = $1 AND id = $2", 3, I(tenant), I(t),
	       I(bob)));
	free(q("INSERT INTO ticket_tags (tenant_id, ticket_id, tag) VALUES ($1, $2, 'vip'), ($1, $2, 'billing')", 2,
	       I(tenant), I(t)));
	free(q("INSERT INTO blobs (tenant_id, sha256, size, data) VALUES ($1, repeat('a', 64), 1, 'x')", 1, I(tenant)));
	free(q("INSERT INTO attachments (tenant_id, message_id, filename, content_type, size, sha256) VALUES"
	       " ($1, $2, 'invoice.pdf', 'application/pdf', 1, repeat('a', 64)),"
	       " ($1, $2, 'logo.png', 'image/png', 1, repeat('a', 64))",
	       2, I(tenant), I(m)));
	ck_assert_msg(desk_rules_facts_load(db, tenant, t, m, RULES_EV_MESSAGE_RECEIVED, &st, &error) == 0, "%s", error);
	const struct rules_facts *f = &st.facts;
	ck_assert_int_eq(f->event, RULES_EV_MESSAGE_RECEIVED);
	ck_assert_str_eq(f->from, "carla@customer.example");
	ck_assert_str_eq(f->to, "support@demo.example");
	ck_assert_str_eq(f->subject, "Invoice ORD-12345");
	ck_assert_str_eq(f->body, "Please send the PDF");
	ck_assert_uint_eq(f->n_headers, 5);
	ck_assert_str_eq(f->headers[3].name, "X-Order");
	ck_assert_str_eq(f->headers[3].value, "A-7");
	ck_assert_str_eq(f->headers[4].value, "one two");
	ck_assert_uint_eq(f->n_attachments, 2);
	ck_assert_str_eq(f->attachments[0].name, "invoice.pdf");
	ck_assert_str_eq(f->attachments[1].type, "image/png");
	ck_assert_uint_eq(f->n_tags, 2);
	ck_assert_str_eq(f->tags[0], "billing");
	ck_assert_str_eq(f->tags[1], "vip");
	ck_assert_int_eq(f->priority, 2);
	ck_assert_str_eq(f->team, "Support");
	ck_assert_str_eq(f->status, "open");
	ck_assert_str_eq(f->assignee, "bob@demo.example");
	ck_assert(f->business_hours); /* no calendar: always open */
	ck_assert_uint_eq(f->customer_open_tickets, 1); /* "Older"; not the closed one, not itself */
	desk_rules_facts_free(&st);

	/* Without a message: the requester and the team's alias stand in. */
	ck_assert_msg(desk_rules_facts_load(db, tenant, other, 0, RULES_EV_TICKET_WOKE, &st, &error) == 0, "%s", error);
	ck_assert_str_eq(st.facts.from, "carla@customer.example");
	ck_assert_str_eq(st.facts.to, "");
	ck_assert_str_eq(st.facts.subject, "Older");
	ck_assert_str_eq(st.facts.assignee, "");
	ck_assert_uint_eq(st.facts.n_headers + st.facts.n_attachments + st.facts.n_tags, 0);
	ck_assert_uint_eq(st.facts.customer_open_tickets, 1);
	desk_rules_facts_free(&st);

	ck_assert_int_eq(desk_rules_facts_load(db, tenant, other + 1000, 0, RULES_EV_TICKET_WOKE, &st, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "not found"));
	free(error);
}
END_TEST

START_TEST(test_ticket_actions_recorded_with_rule_name)
{
	int64_t t = ticket_new(support, "Invoice ORD-12345"), m = message_new(t, "Invoice ORD-12345", "hi", "");

	free(q("INSERT INTO ticket_tags (tenant_id, ticket_id, tag) VALUES ($1, $2, 'old')", 2, I(tenant), I(t)));
	rules_store(0, "rule \"Billing\" on ticket.created\n"
		       "  if subject contains \"invoice\"\n"
		       "  then\n"
		       "    tag \"billing\", \"vip\"\n"
		       "    untag \"old\"\n"
		       "    set priority urgent\n"
		       "    set field \"order\" from subject matching \"ORD-([0-9]+)\"\n"
		       "    set field \"channel\" to \"mail\"\n"
		       "    note \"Looks like billing\"\n"
		       "end\n"
		       "rule \"Never\" on message.received then\n  close\nend\n");
	ck_assert(run(RULES_EV_TICKET_CREATED, t, m));
	assert_tags(t, "billing vip");
	assert_ticket(t, "priority", "3");
	assert_ticket(t, "fields->>'order'", "12345");
	assert_ticket(t, "fields->>'channel'", "mail");
	assert_ticket(t, "status", "open");
	assert_q("Looks like billing|note|rule:Billing",
		 "SELECT text_body || '|' || kind || '|' || from_name FROM messages WHERE tenant_id = $1"
		 " AND ticket_id = $2 AND kind = 'note'",
		 2, I(tenant), I(t));
	assert_events(t, "tagged|rule:Billing|billing\n"
			 "tagged|rule:Billing|vip\n"
			 "untagged|rule:Billing|old\n"
			 "priority|rule:Billing|urgent\n"
			 "field|rule:Billing|order = 12345\n"
			 "field|rule:Billing|channel = mail\n"
			 "note|rule:Billing|internal note");
	/* Nothing to do a second time: no change, no event. */
	rules_store(0, "rule \"Again\" on ticket.created then\n  tag \"vip\"\n  set priority urgent\nend\n");
	desk_rules_changed();
	ck_assert(!run(RULES_EV_TICKET_CREATED, t, m));
}
END_TEST

START_TEST(test_snooze_close_move_assign)
{
	int64_t t1 = ticket_new(support, "one"), t2 = ticket_new(support, "two"), t3 = ticket_new(support, "three");
	int64_t t4 = ticket_new(support, "four");

	free(q("UPDATE teams SET time_zone = 'Europe/Madrid' WHERE tenant_id = $1", 1, I(tenant)));
	rules_store(0, "rule \"Later\" on ticket.woke if subject is \"one\" then\n  snooze for 2h\nend\n"
		       "rule \"Winter\" on ticket.woke if subject is \"two\" then\n"
		       "  snooze until \"2030-01-15 09:00\"\nend\n"
		       "rule \"Done\" on ticket.woke if subject is \"three\" then\n  close\nend\n"
		       "rule \"Past\" on ticket.woke if subject is \"four\" then\n  snooze until \"2001-01-01 09:00\"\nend\n"
		       "rule \"Route\" on message.received then\n  move to team \"billing\"\n  assign to \"fay@demo.example\"\n"
		       "  assign to \"nobody@demo.example\"\n  move to team \"Nowhere\"\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_TICKET_WOKE, t1, 0));
	assert_ticket(t1, "status", "snoozed");
	assert_ticket(t1, "snooze_until BETWEEN now() + interval '1 hour' AND now() + interval '3 hours'", "true");
	ck_assert(run(RULES_EV_TICKET_WOKE, t2, 0));
	assert_ticket(t2, "snooze_until = '2030-01-15 08:00:00+00'", "true"); /* 09:00 in Madrid, winter */
	assert_events(t2, "snoozed|rule:Winter|until 2030-01-15 09:00 Europe/Madrid");
	ck_assert(run(RULES_EV_TICKET_WOKE, t3, 0));
	assert_ticket(t3, "status || ' ' || (closed_at IS NOT NULL)", "closed true");
	assert_events(t3, "closed|rule:Done|");
	/* A time already past would wake the ticket again at once, forever. */
	ck_assert(!run(RULES_EV_TICKET_WOKE, t4, 0)); /* a failed action is no change */
	assert_ticket(t4, "status", "open");
	assert_events(t4, "rule.failed|rule:Past|snooze until \"2001-01-01 09:00\": that time has passed");

	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t3, 0));
	assert_ticket(t3, "team_id", I(billing));
	assert_ticket(t3, "assignee_id", I(fay));
	assert_q("assigned|rule:Route|fay@demo.example\nrule.failed|rule:Route|nobody@demo.example is not an agent of this "
		 "tenant\nrule.failed|rule:Route|no team \"Nowhere\"",
		 "SELECT string_agg(kind || '|' || actor || '|' || detail, E'\\n' ORDER BY id) FROM ticket_events"
		 " WHERE tenant_id = $1 AND ticket_id = $2 AND actor = 'rule:Route' AND kind <> 'moved'",
		 2, I(tenant), I(t3));
	/* fay is online: told by mail that the ticket is hers. */
	assert_q("explanation fay@demo.example",
		 "SELECT kind || ' ' || array_to_string(rcpts, ',') FROM outbound WHERE tenant_id = $1 AND ticket_id = $2",
		 2, I(tenant), I(t3));
}
END_TEST

START_TEST(test_mail_actions_and_rfc3834)
{
	int64_t t = ticket_new(support, "Help"), m = message_new(t, "Help", "hello", "From: carla@customer.example\n");
	int64_t t2 = ticket_new(support, "Away"), m2;
	char *data;

	free(q("INSERT INTO templates (tenant_id, team_id, name, body) VALUES ($1, $2, 'thanks',"
	       " 'Hello {{customer.name}}, ticket {{ticket.number}} is with {{agent.name}}.')",
	       2, I(tenant), I(support)));
	rules_store(support, "rule \"Answer\" on message.received then\n  reply with template \"thanks\"\n"
			     "  notify \"Boss@Acme.example\"\n  reply with template \"missing\"\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t, m));
	data = q("SELECT convert_from(data, 'UTF8') FROM outbound WHERE tenant_id = $1 AND ticket_id = $2 AND kind = 'ack'"
		 " AND rcpts = '{carla@customer.example}' AND envelope_from = ''",
		 2, I(tenant), I(t));
	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(strstr(data, "Auto-Submitted: auto-replied"));
	ck_assert_ptr_nonnull(strstr(data, "Hello Carla, ticket"));
	ck_assert_ptr_nonnull(strstr(data, "is with Support."));
	free(data);
	assert_q("1", "SELECT count(*) FROM outbound WHERE tenant_id = $1 AND ticket_id = $2 AND kind = 'explanation'"
		      " AND rcpts = '{boss@acme.example}'",
		 2, I(tenant), I(t));
	assert_events(t, "replied|rule:Answer|template thanks to carla@customer.example\n"
			 "notified|rule:Answer|boss@acme.example\n"
			 "rule.failed|rule:Answer|team Support has no template \"missing\"");

	/* An auto-reply from the customer gets no answer and no notice. */
	m2 = message_new(t2, "Away", "I am away", "From: carla@customer.example\nAuto-Submitted: auto-replied\n");
	ck_assert(!run(RULES_EV_MESSAGE_RECEIVED, t2, m2));
	assert_q("0", "SELECT count(*) FROM outbound WHERE tenant_id = $1 AND ticket_id = $2", 2, I(tenant), I(t2));
	assert_q("rule.suppressed|reply with template not sent: Auto-Submitted is present and not \"no\"",
		 "SELECT kind || '|' || detail FROM ticket_events WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY id LIMIT 1",
		 2, I(tenant), I(t2));
}
END_TEST

START_TEST(test_tenant_rules_before_team_rules_and_stop)
{
	int64_t t1 = ticket_new(support, "first"), t2 = ticket_new(support, "second"), t3 = ticket_new(billing, "third");

	rules_store(0, "rule \"Tenant\" on message.received then\n  tag \"a\"\nend\n");
	rules_store(support, "rule \"Team\" on message.received if tag is \"a\" then\n  tag \"b\"\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t1, 0));
	assert_events(t1, "tagged|rule:Tenant|a\ntagged|rule:Team|b");

	/* A stop in the tenant's (last) rule ends the run. */
	rules_store(0, "rule \"Tenant\" on message.received then\n  tag \"a\"\n  stop\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t2, 0));
	assert_events(t2, "tagged|rule:Tenant|a");

	/* A tenant rule that moves the ticket hands it to the new team's rules. */
	rules_store(0, "rule \"Move\" on message.received if team is \"billing\" then\n  move to team \"Support\"\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t3, 0));
	assert_events(t3, "moved|rule:Move|to team Support");
	rules_store(0, "rule \"Move\" on message.received if team is \"support\" then\n  tag \"a\"\n  move to team \"Billing\"\nend\n");
	rules_store(billing, "rule \"Billing\" on message.received if tag is \"a\" then\n  tag \"c\"\nend\n");
	desk_rules_changed();
	ck_assert(run(RULES_EV_MESSAGE_RECEIVED, t3, 0));
	assert_tags(t3, "a c");
}
END_TEST

START_TEST(test_cache_trusts_until_told)
{
	struct desk_rules_cache *cache = desk_rules_cache_new(0);
	int64_t t1 = ticket_new(support, "1"), t2 = ticket_new(support, "2"), t3 = ticket_new(support, "3");
	int64_t t4 = ticket_new(support, "4"), t5 = ticket_new(support, "5");

	ck_assert(!run_with(cache, RULES_EV_TICKET_CREATED, t1, 0)); /* no rule set: remembered */
	rules_store(support, "rule \"One\" on ticket.created then\n  tag \"one\"\nend\n");
	ck_assert(!run_with(cache, RULES_EV_TICKET_CREATED, t1, 0));
	desk_rules_changed();
	ck_assert(run_with(cache, RULES_EV_TICKET_CREATED, t2, 0));
	assert_tags(t2, "one");
	rules_store(support, "rule \"Two\" on ticket.created then\n  tag \"two\"\nend\n");
	ck_assert(run_with(cache, RULES_EV_TICKET_CREATED, t3, 0));
	assert_tags(t3, "one"); /* not told yet: the old program */
	desk_rules_changed();
	ck_assert(run_with(cache, RULES_EV_TICKET_CREATED, t4, 0));
	assert_tags(t4, "two");
	/* A stored program that does not compile is skipped, not an error. */
	free(q("UPDATE rule_sets SET source = 'rule oops', version = version + 1 WHERE tenant_id = $1", 1, I(tenant)));
	desk_rules_changed();
	ck_assert(!run_with(cache, RULES_EV_TICKET_CREATED, t5, 0));
	assert_tags(t5, NULL);
	desk_rules_cache_free(&cache);
	ck_assert_ptr_null(cache);
	desk_rules_cache_free(&cache);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("pg-rules");
	TCase *tc = tcase_create("rules");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_facts_from_stored_message);
	tcase_add_test(tc, test_ticket_actions_recorded_with_rule_name);
	tcase_add_test(tc, test_snooze_close_move_assign);
	tcase_add_test(tc, test_mail_actions_and_rfc3834);
	tcase_add_test(tc, test_tenant_rules_before_team_rules_and_stop);
	tcase_add_test(tc, test_cache_trusts_until_told);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, rules_assign_tcase());
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-rules", rules_suite);
}
