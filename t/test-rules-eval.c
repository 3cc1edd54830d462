/* The evaluator of lib/rules: a table of program + facts -> the actions
 * it decides and what happened to each rule. */
#include "config.h"
#include "rules/rules.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void add_eval_tests(TCase *tc);

static const struct rules_header hdrs[] = {
	{ "X-Priority", "1" },
	{ "Received", "from mx.good.example" },
	{ "Received", "from mx.evil.example" },
	{ "Message-Id", "<ORD-777@shop.example>" },
};
static const struct rules_attachment atts[] = {
	{ "invoice.PDF", "application/pdf" },
	{ "photo.jpg", "image/jpeg" },
};
static const char *const tags_vip[] = { "vip", "new" };
static char long_body[4096];

#define HDRS .headers = hdrs, .n_headers = 4
#define ATTS .attachments = atts, .n_attachments = 2
#define TAGS .tags = tags_vip, .n_tags = 2
#define R(cond) "rule \"r\" on ticket.created if " cond " then tag \"hit\" end"
#define HIT "+hit"

/* Each case: a program, the facts, the match limit (0: default), the
 * actions as fmt_actions() writes them, and one letter per rule:
 * M matched, N no match, E not this event, L limit, R not reached. */
static const struct {
	const char *prog;
	struct rules_facts f;
	uint32_t limit;
	const char *acts, *trace;
} cases[] = {
	/* text operators */
	{ R("subject contains \"invoice\""), { .subject = "Your INVOICE 42" }, 0, HIT, "M" },
	{ R("subject contains \"invoice\""), { .subject = "Your bill" }, 0, "", "N" },
	{ R("subject is \"hello\""), { .subject = "Hello" }, 0, HIT, "M" },
	{ R("subject is \"hello\""), { .subject = "hello world" }, 0, "", "N" },
	{ R("from.domain is not \"example.org\""), { .from = "x@example.org" }, 0, "", "N" },
	{ R("from.domain is not \"example.org\""), { .from = "x@example.com" }, 0, HIT, "M" },
	{ R("subject starts with \"re:\""), { .subject = "RE: lamp" }, 0, HIT, "M" },
	{ R("subject starts with \"lamp\""), { .subject = "RE: lamp" }, 0, "", "N" },
	{ R("from ends with \".example\""), { .from = "carla@customer.example" }, 0, HIT, "M" },
	{ R("subject matches \"ORD-[0-9]+\""), { .subject = "about ord-12" }, 0, "", "N" },
	{ R("subject matches \"(?i)ORD-[0-9]+\""), { .subject = "about ord-12" }, 0, HIT, "M" },
	{ R("from.domain in (\"a.example\", \"Customer.Example\")"), { .from = "c@customer.example" }, 0, HIT, "M" },
	{ R("from in (\"a@b\")"), { .from = "a@bc" }, 0, "", "N" },
	{ R("to is \"support@demo.example\""), { .to = "support@demo.example" }, 0, HIT, "M" },
	{ R("team is \"Support\""), { .team = "support" }, 0, HIT, "M" },
	{ R("body contains \"refund\""), { .body = "line one\nplease REFUND me\n" }, 0, HIT, "M" },
	{ R("subject is \"\""), { .subject = NULL }, 0, HIT, "M" },
	/* Unicode case-insensitivity */
	{ R("subject contains \"école\""), { .subject = "NOUVELLE ÉCOLE" }, 0, HIT, "M" },
	{ R("subject is \"straße\""), { .subject = "STRAßE" }, 0, HIT, "M" },
	{ R("subject matches \"^\\\\w+$\""), { .subject = "Ünïcödé" }, 0, HIT, "M" },
	/* multi-valued fields */
	{ R("header \"Received\" contains \"evil\""), { HDRS }, 0, HIT, "M" },
	{ R("header \"x-priority\" is \"1\""), { HDRS }, 0, HIT, "M" },
	{ R("header \"X-None\" is \"\""), { HDRS }, 0, HIT, "M" },
	{ R("header \"X-None\" exists"), { HDRS }, 0, "", "N" },
	{ R("header \"RECEIVED\" exists"), { HDRS }, 0, HIT, "M" },
	{ R("header \"Received\" is not \"from mx.evil.example\""), { HDRS }, 0, "", "N" },
	{ R("attachment exists"), { ATTS }, 0, HIT, "M" },
	{ R("attachment exists"), { .subject = "x" }, 0, "", "N" },
	{ R("attachment.type is \"image/jpeg\""), { ATTS }, 0, HIT, "M" },
	{ R("attachment.name ends with \".pdf\""), { ATTS }, 0, HIT, "M" },
	{ R("attachment.name is \"x\""), { .subject = "x" }, 0, "", "N" },
	{ R("tag is \"VIP\""), { TAGS }, 0, HIT, "M" },
	{ R("tag is not \"vip\""), { TAGS }, 0, "", "N" },
	{ R("tag is not \"vip\""), { .subject = "x" }, 0, HIT, "M" },
	/* priority, status, counts, assignee, business hours */
	{ R("priority >= high"), { .priority = 2 }, 0, HIT, "M" },
	{ R("priority < 1"), { .priority = 2 }, 0, "", "N" },
	{ R("priority > medium and priority <= 3"), { .priority = 3 }, 0, HIT, "M" },
	{ R("priority is not urgent"), { .priority = 3 }, 0, "", "N" },
	{ R("priority is 0"), { .priority = 0 }, 0, HIT, "M" },
	{ R("priority in (low, urgent)"), { .priority = 3 }, 0, HIT, "M" },
	{ R("priority in (low, urgent)"), { .priority = 1 }, 0, "", "N" },
	{ R("status is open"), { .status = "open" }, 0, HIT, "M" },
	{ R("status is not \"open\""), { .status = "open" }, 0, "", "N" },
	{ R("customer.open_tickets > 2"), { .customer_open_tickets = 3 }, 0, HIT, "M" },
	{ R("customer.open_tickets = 0"), { .customer_open_tickets = 3 }, 0, "", "N" },
	{ R("customer.open_tickets is 3 and customer.open_tickets >= 3"), { .customer_open_tickets = 3 }, 0, HIT, "M" },
	{ R("assignee is none"), { .assignee = "" }, 0, HIT, "M" },
	{ R("assignee is none"), { .assignee = "ana@demo.example" }, 0, "", "N" },
	{ R("assignee is not none and assignee is \"ana@demo.example\""), { .assignee = "ana@demo.example" }, 0, HIT, "M" },
	{ R("business_hours"), { .business_hours = true }, 0, HIT, "M" },
	/* the order (issue 12) */
	{ R("order is empty"), { .order = "" }, 0, HIT, "M" },
	{ R("order is empty"), { .order = NULL }, 0, HIT, "M" },
	{ R("order is empty"), { .order = "1042" }, 0, "", "N" },
	{ R("order is not empty"), { .order = "1042" }, 0, HIT, "M" },
	{ R("order is not empty"), { .order = "" }, 0, "", "N" },
	{ R("order matches \"^ES-[0-9]+$\""), { .order = "ES-1042" }, 0, HIT, "M" },
	{ R("order matches \"^ES-[0-9]+$\""), { .order = "FR-1042" }, 0, "", "N" },
	{ R("order is \"es-1042\""), { .order = "ES-1042" }, 0, HIT, "M" },
	/* a request's reason (issue 12); "" for a ticket that is no request */
	{ R("reason is \"Cambiar dirección\""), { .reason = "Cambiar dirección" }, 0, HIT, "M" },
	{ R("reason is \"Cambiar dirección\""), { .reason = "Pedido no recibido" }, 0, "", "N" },
	{ R("reason is \"\""), { .subject = "x" }, 0, HIT, "M" },
	{ R("not business_hours"), { .business_hours = true }, 0, "", "N" },
	/* and / or / not and parentheses */
	{ R("subject contains \"x\" or subject contains \"y\" and subject contains \"z\""), { .subject = "x" }, 0, HIT, "M" },
	{ R("(subject contains \"x\" or subject contains \"y\") and subject contains \"z\""), { .subject = "x" }, 0, "", "N" },
	{ R("not subject contains \"a\" and subject contains \"b\""), { .subject = "b" }, 0, HIT, "M" },
	{ R("not subject contains \"a\" and subject contains \"b\""), { .subject = "ab" }, 0, "", "N" },
	{ R("not (subject contains \"a\" or subject contains \"b\")"), { .subject = "c" }, 0, HIT, "M" },
	{ R("not not subject contains \"c\""), { .subject = "c" }, 0, HIT, "M" },
	/* events */
	{ "rule \"a\" on ticket.woke then close end", { .event = RULES_EV_TICKET_CREATED }, 0, "", "E" },
	{ "rule \"a\" on ticket.woke, sla.breached then close end", { .event = RULES_EV_SLA_BREACHED }, 0, "close", "M" },
	{ "rule \"a\" on tag.added if added_tag is \"vip\" then set priority urgent end",
	  { .event = RULES_EV_TAG_ADDED, .added_tag = "vip" }, 0, "prio=3", "M" },
	{ "rule \"a\" on external.event if event.name starts with \"crm.\" then note \"synced\" end",
	  { .event = RULES_EV_EXTERNAL, .event_name = "crm.sync" }, 0, "note=synced", "M" },
	/* every action, in order */
	{ "rule \"all\" on ticket.created then\n move to team \"Billing\"\n assign to \"Ana@Demo.Example\"\n"
	  " assign round-robin max 10\n assign least-open\n unassign\n tag \"a\", \"b\"\n untag \"a\"\n"
	  " set priority high\n snooze for 1d12h\n snooze until \"2025-01-31 08:00\"\n close\n"
	  " reply with template \"ack\"\n note \"n \\\"q\\\"\"\n notify \"Boss@X.example\"\n"
	  " set field \"k\" to \"v\"\nend",
	  { .subject = "x" }, 0,
	  "team=Billing;assign=ana@demo.example;rr/10;lo/0;unassign;+a;+b;-a;prio=2;snooze=129600;"
	  "until=2025-01-31 08:00;close;reply=ack;note=n \"q\";notify=boss@x.example;field:k=v",
	  "M" },
	/* set field from a capture */
	{ "rule \"o\" on ticket.created then set field \"order\" from subject matching \"ORD-([0-9]+)\" end",
	  { .subject = "About ORD-12345 again" }, 0, "field:order=12345", "M" },
	{ "rule \"o\" on ticket.created then set field \"order\" from body matching \"ORD-[0-9]+\" end",
	  { .body = "see ORD-9 and ORD-10" }, 0, "field:order=ORD-9", "M" },
	{ "rule \"o\" on ticket.created then\n set field \"order\" from subject matching \"ORD-([0-9]+)\"\n tag \"x\"\nend",
	  { .subject = "nothing" }, 0, "+x", "M" },
	{ "rule \"o\" on ticket.created then set field \"mid\" from header \"message-id\" matching \"<([^@]+)@\" end",
	  { HDRS }, 0, "field:mid=ORD-777", "M" },
	{ "rule \"o\" on ticket.created then set field \"u\" from from matching \"^([^@]+)\" end",
	  { .from = "carla@customer.example" }, 0, "field:u=carla", "M" },
	/* stop, no "if", effects seen by later rules */
	{ "rule \"a\" on ticket.created then tag \"a\"\n stop\nend\nrule \"b\" on ticket.created then tag \"b\" end\n"
	  "rule \"c\" on ticket.woke then close end",
	  { .subject = "x" }, 0, "+a", "MRR" },
	{ "rule \"a\" on ticket.created if subject is \"no\" then stop end\nrule \"b\" on ticket.created then tag \"b\" end",
	  { .subject = "x" }, 0, "+b", "NM" },
	{ "rule \"a\" on ticket.created then tag \"vip\" end\n"
	  "rule \"b\" on ticket.created if tag is \"vip\" then set priority urgent end\n"
	  "rule \"c\" on ticket.created if priority is urgent then move to team \"VIP\" end\n"
	  "rule \"d\" on ticket.created if team is \"vip\" then assign round-robin end\n"
	  "rule \"e\" on ticket.created if assignee is none then note \"nobody\" end\n",
	  { .team = "support" }, 0, "+vip;prio=3;team=VIP;rr/0", "MMMMN" },
	{ "rule \"a\" on ticket.created then untag \"new\"\n assign to \"ana@x.example\"\nend\n"
	  "rule \"b\" on ticket.created if tag is \"new\" then close end\n"
	  "rule \"c\" on ticket.created if assignee is \"ana@x.example\" and tag is \"vip\" then unassign end\n"
	  "rule \"d\" on ticket.created if assignee is none then note \"free\" end",
	  { TAGS }, 0, "-new;assign=ana@x.example;unassign;note=free", "MNMM" },
	{ "rule \"a\" on ticket.created then snooze for 4h end\n"
	  "rule \"b\" on ticket.created if status is snoozed then close end\n"
	  "rule \"c\" on ticket.created if status is closed then note \"done\" end",
	  { .status = "open" }, 0, "snooze=14400;close;note=done", "MMM" },
	/* the match limit: no match, reported, and the next rule still runs */
	{ "rule \"slow\" on ticket.created if body matches \"(a+)+$\" then close end\n"
	  "rule \"next\" on ticket.created then tag \"after\" end",
	  { .body = long_body }, 1000, "+after", "LM" },
	{ "rule \"slow\" on ticket.created if not body matches \"(a+)+$\" then close end",
	  { .body = long_body }, 1000, "", "L" },
	{ "rule \"ok\" on ticket.created if body matches \"(a+)+b$\" then close end", { .body = long_body }, 1000, "close", "M" },
	/* set order, clear order, no order reminder; later rules see the order */
	{ "rule \"a\" on ticket.created if order is empty then set order \"X-1\" end\n"
	  "rule \"b\" on ticket.created if order is \"X-1\" then no order reminder\n clear order\nend\n"
	  "rule \"c\" on ticket.created if order is empty then tag \"none\" end",
	  { .order = "" }, 0, "order=X-1;noremind;clearorder;+none", "MMM" },
	/* nothing to do */
	{ "", { .subject = "x" }, 0, "", "" },
};

/* One action as the table writes it. */
static void fmt_action(struct buf *b, const struct rules_action *a)
{
	switch (a->kind) {
	case RULES_ACT_MOVE_TEAM: buf_printf(b, "team=%s", a->text); break;
	case RULES_ACT_ASSIGN: buf_printf(b, "assign=%s", a->text); break;
	case RULES_ACT_ASSIGN_STRATEGY:
		buf_printf(b, "%s/%u", a->strategy == RULES_ROUND_ROBIN ? "rr" : "lo", a->max_open);
		break;
	case RULES_ACT_UNASSIGN: buf_printf(b, "unassign"); break;
	case RULES_ACT_TAG_ADD: buf_printf(b, "+%s", a->text); break;
	case RULES_ACT_TAG_REMOVE: buf_printf(b, "-%s", a->text); break;
	case RULES_ACT_SET_PRIORITY: buf_printf(b, "prio=%d", a->priority); break;
	case RULES_ACT_SNOOZE_FOR: buf_printf(b, "snooze=%lld", a->seconds); break;
	case RULES_ACT_SNOOZE_UNTIL: buf_printf(b, "until=%s", a->text); break;
	case RULES_ACT_CLOSE: buf_printf(b, "close"); break;
	case RULES_ACT_REPLY_TEMPLATE: buf_printf(b, "reply=%s", a->text); break;
	case RULES_ACT_NOTE: buf_printf(b, "note=%s", a->text); break;
	case RULES_ACT_NOTIFY: buf_printf(b, "notify=%s", a->text); break;
	case RULES_ACT_SET_FIELD: buf_printf(b, "field:%s=%s", a->text, a->value); break;
	case RULES_ACT_SET_ORDER: buf_printf(b, "order=%s", a->text); break;
	case RULES_ACT_CLEAR_ORDER: buf_printf(b, "clearorder"); break;
	case RULES_ACT_NO_ORDER_REMINDER: buf_printf(b, "noremind"); break;
	}
}

static char *fmt_actions(const struct rules_result *r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "");
	for (size_t i = 0; i < r->n_actions; i++) {
		if (i > 0)
			buf_append_str(&b, ";");
		fmt_action(&b, &r->actions[i]);
	}
	return buf_steal(&b, NULL);
}

static char *fmt_trace(const struct rules_result *r)
{
	char *s = calloc(r->n_trace + 1, 1);

	for (size_t i = 0; i < r->n_trace; i++)
		s[i] = "NMENLR"[r->trace[i].outcome == RULES_NOT_THIS_EVENT ? 2
				 : r->trace[i].outcome == RULES_NO_MATCH    ? 0
				 : r->trace[i].outcome == RULES_MATCHED     ? 1
				 : r->trace[i].outcome == RULES_LIMIT	    ? 4
									    : 5];
	return s;
}

START_TEST(decides)
{
	struct rules_limits limits = { .match_limit = cases[_i].limit };
	struct rules_error err;
	struct rules_program *p;
	struct rules_result r;
	char *acts, *trace;

	memset(long_body, 'a', sizeof(long_body) - 2);
	long_body[sizeof(long_body) - 2] = 'b';
	p = rules_compile(cases[_i].prog, strlen(cases[_i].prog), &limits, &err);
	ck_assert_msg(p != NULL, "case %d: %u:%u: %s", _i, err.line, err.column, err.message);
	ck_assert_int_eq(rules_eval(p, &cases[_i].f, &r), 0);
	acts = fmt_actions(&r);
	trace = fmt_trace(&r);
	ck_assert_msg(strcmp(acts, cases[_i].acts) == 0, "case %d: actions \"%s\", expected \"%s\"", _i, acts,
		      cases[_i].acts);
	ck_assert_msg(strcmp(trace, cases[_i].trace) == 0, "case %d: trace \"%s\", expected \"%s\"", _i, trace,
		      cases[_i].trace);
	/* Rules not reached mean a rule said stop. */
	if (strchr(trace, 'R') != NULL)
		ck_assert_msg(r.stopped, "case %d: not reached, but not stopped", _i);
	for (size_t i = 0; i < r.n_actions; i++) {
		ck_assert_ptr_nonnull(r.actions[i].rule);
		ck_assert_uint_ge(r.actions[i].line, 1);
	}
	free(acts);
	free(trace);
	rules_result_free(&r);
	rules_program_free(&p);
}
END_TEST

/* Actions carry their rule's name and source line. */
START_TEST(actions_name_their_rule)
{
	static const char text[] = "rule \"first\" on ticket.created then close end\n"
				   "rule \"second\" on ticket.created then\n  tag \"a\"\n  note \"b\"\nend\n";
	struct rules_facts f = { .subject = "x" };
	struct rules_error err;
	struct rules_program *p = rules_compile(text, strlen(text), NULL, &err);
	struct rules_result r;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(rules_eval(p, &f, &r), 0);
	ck_assert_uint_eq(r.n_actions, 3);
	ck_assert_str_eq(r.actions[0].rule, "first");
	ck_assert_uint_eq(r.actions[0].line, 1);
	ck_assert_str_eq(r.actions[2].rule, "second");
	ck_assert_uint_eq(r.actions[2].line, 4);
	ck_assert_uint_eq(r.n_trace, 2);
	ck_assert_str_eq(r.trace[1].rule, "second");
	ck_assert_uint_eq(r.trace[1].line, 2);
	ck_assert(!r.stopped);
	rules_result_free(&r);
	rules_program_free(&p);
}
END_TEST

/* A stop in the last rule is still a stop: the caller (tenant-wide rules
 * before a team's) must learn of it though no rule is left unreached. */
START_TEST(stop_in_last_rule_is_reported)
{
	static const char text[] = "rule \"only\" on ticket.created then\n tag \"a\"\n stop\nend\n";
	struct rules_facts f = { .subject = "x" };
	struct rules_error err;
	struct rules_program *p = rules_compile(text, strlen(text), NULL, &err);
	struct rules_result r;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(rules_eval(p, &f, &r), 0);
	ck_assert(r.stopped);
	rules_result_free(&r);
	f.event = RULES_EV_MESSAGE_RECEIVED;
	ck_assert_int_eq(rules_eval(p, &f, &r), 0);
	ck_assert(!r.stopped);
	rules_result_free(&r);
	rules_program_free(&p);
}
END_TEST

void add_eval_tests(TCase *tc)
{
	tcase_add_loop_test(tc, decides, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, actions_name_their_rule);
	tcase_add_test(tc, stop_in_last_rule_is_reported);
}
