/* Templates (lib/desk/desk-template.c): what expands to what, and which
 * mistakes are refused with which line, column and message. */
#include "config.h"
#include "desk/desk.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct desk_template_vars vars = {
	.ticket_number = "1042",
	.ticket_subject = "Lamp broken",
	.customer_name = "Carla",
	.customer_email = "carla@customer.example",
	.agent_name = "Ana",
	.agent_email = "ana@demo.example",
	.team_name = "support",
	.ticket_order = "ES-1042",
};

static const struct {
	const char *in, *out;
} good[] = {
	{ "", "" },
	{ "plain text\n", "plain text\n" },
	{ "{{ticket.number}}", "1042" },
	{ "{{ticket.subject}}", "Lamp broken" },
	{ "{{customer.name}}", "Carla" },
	{ "{{customer.email}}", "carla@customer.example" },
	{ "{{agent.name}}", "Ana" },
	{ "{{agent.email}}", "ana@demo.example" },
	{ "{{team.name}}", "support" },
	{ "Order {{ ticket.order }}.", "Order ES-1042." },
	{ "Hello {{customer.name}},\nticket {{ticket.number}}.\n", "Hello Carla,\nticket 1042.\n" },
	{ "{{ ticket.number }}", "1042" },
	{ "{{\tticket.number\t}}", "1042" },
	{ "{{ticket.number}}{{team.name}}", "1042support" },
	{ "a { b } c }} d", "a { b } c }} d" },
	{ "{x} {{team.name}}}", "{x} support}" },
	{ "Grüße, {{agent.name}} ✓", "Grüße, Ana ✓" },
};

START_TEST(expands_known_variables)
{
	const char *in = good[_i].in;
	struct desk_template_error err;
	size_t len;
	char *out = desk_template_expand(in, strlen(in), &vars, &len, &err);

	ck_assert_msg(out != NULL, "\"%s\": %u:%u: %s", in, err.line, err.column, err.message);
	ck_assert_str_eq(out, good[_i].out);
	ck_assert_uint_eq(len, strlen(good[_i].out));
	ck_assert_int_eq(desk_template_check(in, strlen(in), &err), 0);
	free(out);
}
END_TEST

static const struct {
	const char *in;
	unsigned line, column;
	const char *message;
} bad[] = {
	{ "Dear customer,\n\nyour ticket {{ticket.numbr}} is open\n", 3, 13, "unknown variable {{ticket.numbr}}" },
	{ "line one\nline two\nab\tcd {{ticket.numbr}}", 3, 7, "unknown variable {{ticket.numbr}}" },
	{ "{{ Ticket.Number }}", 1, 1, "unknown variable {{Ticket.Number}}" },
	{ "{{customer}}", 1, 1, "unknown variable {{customer}}" },
	{ "x {{}}", 1, 3, "empty variable {{}}" },
	{ "x {{   }}", 1, 3, "empty variable {{}}" },
	{ "{{ticket-number}}", 1, 1, "malformed variable {{ticket-number}}" },
	{ "{{a}b}}", 1, 1, "malformed variable {{a}b}}" },
	{ "{{ticket number}}", 1, 1, "malformed variable {{ticket number}}" },
	{ "ok\nHello {{customer.name", 2, 7, "\"{{\" without \"}}\" on the same line" },
	{ "{{customer.name\n}}", 1, 1, "\"{{\" without \"}}\" on the same line" },
	{ "ends with {{", 1, 11, "\"{{\" without \"}}\" on the same line" },
	{ "Grüße {{x}}", 1, 7, "unknown variable {{x}}" },
	{ "ok\n\xc3\x28", 2, 1, "not valid UTF-8" },
	{ "ab\xed\xa0\x80", 1, 3, "not valid UTF-8" },  /* a surrogate */
	{ "\xc0\xaf", 1, 1, "not valid UTF-8" },        /* overlong */
	{ "ok {{team.name}} \xf5\x80\x80\x80", 1, 18, "not valid UTF-8" },
};

START_TEST(refuses_mistakes_with_line_and_column)
{
	const char *in = bad[_i].in;
	struct desk_template_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(desk_template_check(in, strlen(in), &err), -1);
	ck_assert_msg(err.line == bad[_i].line && err.column == bad[_i].column, "\"%s\": got %u:%u, want %u:%u", in,
		      err.line, err.column, bad[_i].line, bad[_i].column);
	ck_assert_str_eq(err.message, bad[_i].message);
	memset(&err, 0, sizeof(err));
	ck_assert_ptr_null(desk_template_expand(in, strlen(in), &vars, NULL, &err));
	ck_assert_str_eq(err.message, bad[_i].message);
}
END_TEST

START_TEST(refuses_nul_bytes)
{
	static const char in[] = "ab\0cd";
	struct desk_template_error err;

	ck_assert_int_eq(desk_template_check(in, sizeof(in) - 1, &err), -1);
	ck_assert_uint_eq(err.column, 3);
	ck_assert_str_eq(err.message, "a NUL byte");
}
END_TEST

START_TEST(refuses_templates_past_the_limit)
{
	char *big = malloc(DESK_TEMPLATE_MAX + 1);
	struct desk_template_error err;

	memset(big, 'a', DESK_TEMPLATE_MAX + 1);
	ck_assert_int_eq(desk_template_check(big, DESK_TEMPLATE_MAX, &err), 0);
	ck_assert_int_eq(desk_template_check(big, DESK_TEMPLATE_MAX + 1, &err), -1);
	free(big);
}
END_TEST

START_TEST(values_are_never_expanded_again)
{
	static const char in[] = "[{{ticket.subject}}] [{{customer.name}}]";
	struct desk_template_vars v = vars;
	struct desk_template_error err;
	char *out;

	v.ticket_subject = "{{team.name}} {{";
	v.customer_name = NULL;
	out = desk_template_expand(in, sizeof(in) - 1, &v, NULL, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "[{{team.name}} {{] []");
	free(out);
}
END_TEST

/* Input need not be NUL-terminated: only [text, text + len) is read, and
 * check and expand agree on every prefix of a template. */
START_TEST(check_and_expand_agree_on_every_prefix)
{
	static const char full[] = "Hi {{ customer.name }},\nthe ticket {{ticket.number}} (Grüße) {x}}\n{{team.name}}";
	size_t n = sizeof(full) - 1;

	for (size_t len = 0; len <= n; len++) {
		char *copy = malloc(len ? len : 1);
		struct desk_template_error err;
		char *out;
		int checked;

		memcpy(copy, full, len);
		checked = desk_template_check(copy, len, &err);
		out = desk_template_expand(copy, len, &vars, NULL, &err);
		ck_assert_msg((checked == 0) == (out != NULL), "prefix of %zu bytes", len);
		free(out);
		free(copy);
	}
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	int valid;
} texts[] = {
	{ "", 0, 1 },
	{ "plain", 5, 1 },
	{ "Grüße ✓ 😀", 16, 1 },
	{ "a\0b", 3, 0 },
	{ "\xff", 1, 0 },
	{ "\xe2\x9c", 2, 0 },        /* cut short */
	{ "\xf4\x90\x80\x80", 4, 0 }, /* past U+10FFFF */
};

START_TEST(text_validity)
{
	ck_assert_int_eq(desk_text_valid(texts[_i].in, texts[_i].len), texts[_i].valid);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, expands_known_variables, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, refuses_mistakes_with_line_and_column, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, refuses_nul_bytes);
	tcase_add_test(tc, refuses_templates_past_the_limit);
	tcase_add_test(tc, values_are_never_expanded_again);
	tcase_add_test(tc, check_and_expand_agree_on_every_prefix);
	tcase_add_loop_test(tc, text_validity, 0, sizeof(texts) / sizeof(texts[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
