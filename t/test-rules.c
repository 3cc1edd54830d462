/* The rule language (lib/rules): which programs compile, which are refused
 * with which line, column and message, and what a program decides for
 * given facts (actions and the rule-by-rule trace). */
#include "config.h"
#include "rules/rules.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* ---- Good programs: compile, with this many rules ---- */
static const struct {
	const char *text;
	size_t n_rules;
} good[] = {
	{ "", 0 },
	{ "# only a comment\n\n", 0 },
	{ "rule \"a\" on ticket.created then close end", 1 },
	{ "rule \"Invoices go to billing\" on ticket.created, message.received\n"
	  "  if subject contains \"invoice\" and not from.domain is \"example.org\"\n"
	  "  then\n"
	  "    move to team \"Billing\"\n"
	  "    assign round-robin max 10\n"
	  "    tag \"billing\", \"money\"\n"
	  "    set priority high\n"
	  "    set field \"order\" from subject matching \"ORD-([0-9]+)\"\n"
	  "    stop\n"
	  "end\n",
	  1 },
	{ "rule \"x\" on agent.replied if header \"X-Spam\" exists or attachment exists then unassign end\n"
	  "rule \"y\" on ticket.woke if (priority >= 2 or priority in (low, 1)) and business_hours then\n"
	  "  snooze for 1d12h\nend\n"
	  "rule \"z\" on sla.breached if customer.open_tickets > 3 and status is not closed then\n"
	  "  snooze until \"2024-02-29 09:30\"\n  reply with template \"late\"\n  note \"a \\\"quoted\\\" note\"\n"
	  "  notify \"Boss@Example.ORG\"\nend\n",
	  3 },
	{ "rule \"t\" on tag.added if added_tag is \"vip\" then set priority urgent end\n"
	  "rule \"e\" on external.event if event.name in (\"crm.sync\", \"x\") then set field \"crm\" to \"yes\" end\n"
	  "rule \"h\" on ticket.created if attachment.type starts with \"image/\" or attachment.name ends with \".pdf\"\n"
	  "  then assign least-open\nend\n"
	  "rule \"s\" on ticket.created if status in (open, \"pending\") and assignee is none and to is \"a@b\"\n"
	  "  then assign to \"ana@demo.example\"\nend\n"
	  "rule \"u\" on message.received if tag is \"vip\" and team is \"support\" and customer.open_tickets = 0"
	  " then untag \"new\", \"x.y-z_1\"\nend\n",
	  5 },
	{ "rule \"ünïcödé name\" on ticket.created if body matches \"(?i)straße\\\\s+\\d+\" then tag \"addr\" end", 1 },
};

START_TEST(compiles_good_programs)
{
	struct rules_error err;
	struct rules_program *p = rules_compile(good[_i].text, strlen(good[_i].text), NULL, &err);

	ck_assert_msg(p != NULL, "case %d: %u:%u: %s", _i, err.line, err.column, err.message);
	ck_assert_uint_eq(rules_count(p), good[_i].n_rules);
	rules_program_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

/* ---- Bad programs: the first error's line, column and message ---- */
static const struct {
	const char *text;
	unsigned line, column;
	const char *message;
} bad[] = {
	{ "rule \"a\" on ticket.created if subject contains \"x\" close end", 1, 52,
	  "expected 'then' after the condition" },
	{ "rule \"a\" on ticket.create then close end", 1, 13, "unknown event 'ticket.create' (did you mean ticket.created?)" },
	{ "rule \"a\" on ticket.created if priority contains \"x\" then close end", 1, 40,
	  "priority takes is, is not, <, <=, >, >=, in" },
	{ "rule \"a\" on ticket.created then set priority superhigh end", 1, 46, "unknown priority 'superhigh'" },
	{ "rule \"a\" on ticket.created if priority is 4 then close end", 1, 43, "unknown priority '4'" },
	{ "rule \"a\" on ticket.created if status is lost then close end", 1, 41, "unknown status 'lost'" },
	{ "rule \"a\" on ticket.created if status in (open, \"gone\") then close end", 1, 48, "unknown status 'gone'" },
	{ "rule \"a\" on ticket.created then tag \"Billing\" end", 1, 37, "tag must match [a-z0-9][a-z0-9_.-]{0,63}" },
	{ "rule \"a\" on ticket.created then\n  untag \"ok\", \"-bad\"\nend", 2, 15, "tag must match" },
	{ "rule \"a\" on ticket.created then close end\nrule \"a\" on ticket.woke then close end", 2, 6,
	  "duplicate rule name \"a\" (first used on line 1)" },
	{ "rule \"a\" on ticket.created if customer.open_tickets > many then close end", 1, 55, "number expected" },
	{ "rule \"a\" on ticket.created if subject contains \"abc then close end", 1, 48, "unterminated string" },
	{ "rule \"a\" on ticket.created if subject matches \"ab(c\" then close end", 1, 52,
	  "bad regular expression: missing closing parenthesis" },
	{ "rule \"é\" on ticket.created if body matches \"é[z-a]\" then close end", 1, 49,
	  "bad regular expression: range out of order" },
	{ "rule \"a\" on ticket.created then snooze for 30x end", 1, 44, "snooze duration '30x' must be like" },
	{ "rule \"a\" on ticket.created then snooze for 400d end", 1, 44, "at most 366 days" },
	{ "rule \"a\" on ticket.created then snooze until \"2024-02-30 10:00\" end", 1, 46,
	  "snooze until takes \"YYYY-MM-DD HH:MM\"" },
	{ "rule \"a\" on ticket.created if subjet contains \"x\" then close end", 1, 31,
	  "unknown condition 'subjet' (did you mean subject?)" },
	{ "rule \"a\" on ticket.created then clos end", 1, 33, "unknown action 'clos' (did you mean close?)" },
	{ "rule \"a\" on ticket.created then set order \"a b\" end", 1, 43,
	  "order \"a b\" is not valid: contains a space" },
	{ "rule \"a\" on ticket.created then clear orders end", 1, 39, "expected 'order' after 'clear'" },
	{ "rule \"a\" on ticket.created then no order remind end", 1, 42, "expected 'reminder' after 'no order'" },
	{ "rule \"a\" on ticket.created if order is empty then set order end", 1, 61,
	  "expected the order reference in double quotes" },
	{ "rule \"a\" on ticket.created then close stop end", 1, 39, "expected a new line before the next action" },
	{ "rule \"a\" on ticket.created then stop\n close end", 2, 2, "'stop' must be the last action" },
	{ "rule \"a\" on ticket.created then end", 1, 33, "expected an action after 'then'" },
	{ "rule \"a\" on ticket.created then close", 1, 38, "expected an action or 'end', found the end of the file" },
	{ "rule \"a\" ticket.created then close end", 1, 10, "expected 'on' after the rule's name" },
	{ "rule a on ticket.created then close end", 1, 6, "expected the rule's name in double quotes" },
	{ "rule \"\" on ticket.created then close end", 1, 6, "must not be empty" },
	{ "close", 1, 1, "expected 'rule', found 'close'" },
	{ "rule \"a\" on ticket.created if (subject is \"x\" then close end", 1, 47, "expected ')' to close the '('" },
	{ "rule \"a\" on ticket.created if subject equals \"x\" then close end", 1, 39,
	  "expected is, is not, contains, starts with, ends with, matches or in after 'subject'" },
	{ "rule \"a\" on ticket.created if subject starts \"x\" then close end", 1, 46, "expected 'with' after 'starts'" },
	{ "rule \"a\" on ticket.created if added_tag is \"x\" then close end", 1, 31, "added_tag is only set on tag.added" },
	{ "rule \"a\" on ticket.created if subject is \"x\" and then close end", 1, 50, "expected a condition" },
	{ "rule \"a\" on ticket.created\n\tif subject is \"ü\" & body is \"x\" then close end", 2, 20,
	  "unexpected character '&'" },
	{ "rule \"a\" on ticket.created then assign to \"nobody\" end", 1, 43, "not a mail address" },
	{ "rule \"a\" on ticket.created then assign everyone end", 1, 40, "expected 'to', 'round-robin' or 'least-open'" },
	{ "rule \"a\" on ticket.created then assign round-robin max 0 end", 1, 56, "max takes 1 to" },
	{ "rule \"a\" on ticket.created then set field \"a b\" to \"x\" end", 1, 43, "a field name must match" },
	{ "rule \"a\" on ticket.created then set field \"n\" from team matching \"x\" end", 1, 52,
	  "expected subject, body, from or header \"Name\" after 'from'" },
	{ "rule \"a\" on ticket.created then set field \"n\" from body matching \"(\" end", 1, 68,
	  "bad regular expression" },
	{ "rule \"a\" on ticket.created then move to \"Billing\" end", 1, 41, "expected 'team' after 'move to'" },
	{ "rule \"a\" on ticket.created if customer.open_tickets contains 1 then close end", 1, 53,
	  "customer.open_tickets takes =, is, <, <=, >, >=" },
	{ "rule \"a\" on ticket.created then note \"x\\q\" end\nrule \"b\" on ticket.created then reply template \"t\" end",
	  2, 39, "expected 'with' after 'reply'" },
	{ "rule \"a\" on ticket.created then close end\nrule \"b\" on\n", 3, 1, "expected an event" },
	{ "rule \"a\" on ticket.created then close end\n\xff", 2, 1, "invalid UTF-8" },
	{ "rule \"a\" on ticket.created then note \"é\xc3\" end", 1, 40, "invalid UTF-8" },
	{ "rule \"a\" on ticket.created then note \"\xed\xa0\x80\" end", 1, 39, "invalid UTF-8" },
	{ "rule \"a\" on ticket.created then tag \"x\", end", 1, 42, "expected a tag in double quotes" },
};

START_TEST(refuses_bad_programs)
{
	struct rules_error err;
	struct rules_program *p = rules_compile(bad[_i].text, strlen(bad[_i].text), NULL, &err);

	ck_assert_msg(p == NULL, "case %d compiled", _i);
	ck_assert_msg(strstr(err.message, bad[_i].message) != NULL, "case %d: message \"%s\", expected \"%s\"", _i,
		      err.message, bad[_i].message);
	ck_assert_msg(err.line == bad[_i].line && err.column == bad[_i].column, "case %d (%s): at %u:%u, expected %u:%u",
		      _i, err.message, err.line, err.column, bad[_i].line, bad[_i].column);
}
END_TEST

/* Every prefix of a good program either compiles or fails cleanly (no
 * crash, a position inside the text). */
START_TEST(every_prefix_fails_cleanly)
{
	const char *text = good[3].text;
	size_t len = strlen(text);

	for (size_t n = 0; n < len; n++) {
		struct rules_error err;
		struct rules_program *p = rules_compile(text, n, NULL, &err);
		if (p == NULL)
			ck_assert_msg(err.line >= 1 && err.column >= 1 && err.message[0], "prefix %zu", n);
		rules_program_free(&p);
	}
}
END_TEST

/* The program is UTF-8 text of len bytes: a NUL inside is refused. */
START_TEST(refuses_nul_bytes)
{
	static const char text[] = "rule \"a\" on ticket.created\n then note \"x\0y\" end";
	struct rules_error err;
	struct rules_program *p = rules_compile(text, sizeof(text) - 1, NULL, &err);

	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.message, "NUL byte in the program");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.column, 14);
	p = rules_compile(text, 27, NULL, &err); /* up to the line end: fine so far */
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.message, "expected 'if' or 'then'") != NULL, "%s", err.message);
}
END_TEST

START_TEST(lists_rules_and_refs)
{
	static const char text[] = "rule \"one\" on ticket.created, tag.added then\n"
				   "  move to team \"Billing\"\n  assign to \"Ana@Demo.Example\"\nend\n"
				   "rule \"two\" on sla.breached then reply with template \"sorry\"\nend\n";
	struct rules_error err;
	struct rules_program *p = rules_compile(text, strlen(text), NULL, &err);
	const struct rules_ref *refs;
	size_t n;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(rules_count(p), 2);
	ck_assert_str_eq(rules_name(p, 1), "two");
	ck_assert_uint_eq(rules_line(p, 1), 5);
	ck_assert_uint_eq(rules_events(p, 0), 1u << RULES_EV_TICKET_CREATED | 1u << RULES_EV_TAG_ADDED);
	refs = rules_refs(p, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(refs[0].kind, RULES_REF_TEAM);
	ck_assert_str_eq(refs[0].name, "Billing");
	ck_assert_uint_eq(refs[0].line, 2);
	ck_assert_uint_eq(refs[0].column, 16);
	ck_assert_int_eq(refs[1].kind, RULES_REF_AGENT);
	ck_assert_str_eq(refs[1].name, "ana@demo.example");
	ck_assert_int_eq(refs[2].kind, RULES_REF_TEMPLATE);
	ck_assert_str_eq(refs[2].name, "sorry");
	ck_assert_uint_eq(refs[2].line, 5);
	ck_assert_uint_eq(refs[2].column, 53);
	rules_program_free(&p);
}
END_TEST

START_TEST(names_and_durations)
{
	ck_assert_str_eq(rules_event_name(RULES_EV_SLA_BREACHED), "sla.breached");
	ck_assert_int_eq(rules_event_parse("external.event"), RULES_EV_EXTERNAL);
	ck_assert_int_eq(rules_event_parse("ticket.create"), -1);
	ck_assert_str_eq(rules_priority_name(3), "urgent");
	ck_assert_int_eq(rules_priority_parse("medium"), 1);
	ck_assert_int_eq(rules_priority_parse("2"), 2);
	ck_assert_int_eq(rules_priority_parse("4"), -1);
	ck_assert_int_eq(rules_priority_parse("High"), -1);
	ck_assert_int_eq(rules_duration_parse("30m"), 1800);
	ck_assert_int_eq(rules_duration_parse("1d12h"), 129600);
	ck_assert_int_eq(rules_duration_parse("1w"), 604800);
	ck_assert_int_eq(rules_duration_parse("366d"), 366 * 86400);
	ck_assert_int_eq(rules_duration_parse("367d"), -1);
	ck_assert_int_eq(rules_duration_parse("30"), -1);
	ck_assert_int_eq(rules_duration_parse("m"), -1);
	ck_assert_int_eq(rules_duration_parse("0m"), -1);
	ck_assert_int_eq(rules_duration_parse(""), -1);
}
END_TEST

/* The evaluator's tables, in t/test-rules-eval.c. */
void add_eval_tests(TCase *tc);

int main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, compiles_good_programs, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, refuses_bad_programs, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, every_prefix_fails_cleanly);
	tcase_add_test(tc, refuses_nul_bytes);
	tcase_add_test(tc, lists_rules_and_refs);
	tcase_add_test(tc, names_and_durations);
	add_eval_tests(tc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
