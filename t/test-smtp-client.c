/* The client side's reading of a stranger's text (lib/smtp smtp-client.h):
 * relay reply lines and summaries. What the fuzz target fuzz-relay-reply
 * checks at random is pinned here on known inputs (delivery reports moved
 * to lib/mime: t/test-mime-dsn.c). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp-client.h"

struct line_case {
	const char *line;
	int code;
	int more, starttls;
	const char *text;
};

static const struct line_case line_cases[] = {
	{ "250-mx.example Hello", 250, 1, 0, "mx.example Hello" },
	{ "250 8BITMIME", 250, 0, 0, "8BITMIME" },
	{ "250-STARTTLS", 250, 1, 1, "STARTTLS" },
	{ "250 starttls\tx", 250, 0, 1, "starttls\tx" },
	{ "250-STARTTLSX", 250, 1, 0, "STARTTLSX" },
	{ "550", 550, 0, 0, "" },
	/* Not replies: strtol() used to take "250garbage" for a 250. */
	{ "250garbage", 0, 0, 0, "" },
	{ "25", 0, 0, 0, "" },
	{ "099 x", 0, 0, 0, "" },
	{ "650 x", 0, 0, 0, "" },
	{ "-250 x", 0, 0, 0, "" },
	{ "", 0, 0, 0, "" },
};

START_TEST(test_reply_line)
{
	const struct line_case *c = &line_cases[_i];
	struct smtp_client_line l;

	smtp_client_line_parse(c->line, &l);
	ck_assert_int_eq(l.code, c->code);
	ck_assert_int_eq(l.more, c->more);
	ck_assert_int_eq(l.starttls, c->starttls);
	ck_assert_str_eq(l.text, c->text);
}
END_TEST

/* A relay's 8-bit, NUL-cut or control bytes never reach the queue table
 * (a UTF-8 column) or a log line as they are. */
START_TEST(test_summary_is_printable_ascii)
{
	char out[64];

	smtp_client_reply_summary(451, "4.3.0 \xc3\xa9" "chec\r\n\x01\xff  ", out, sizeof(out));
	ck_assert_str_eq(out, "451 4.3.0 ??chec  ??");
	smtp_client_reply_summary(250, NULL, out, sizeof(out));
	ck_assert_str_eq(out, "250");
}
END_TEST

START_TEST(test_summary_is_cut_and_terminated)
{
	char out[8] = "";

	smtp_client_text_append(out, sizeof(out), "250-first");
	ck_assert_str_eq(out, "250-fir");
	smtp_client_text_append(out, sizeof(out), "more");
	ck_assert_str_eq(out, "250-fir");
	out[0] = '\0';
	smtp_client_text_append(out, sizeof(out), "a");
	smtp_client_text_append(out, sizeof(out), "");
	smtp_client_text_append(out, sizeof(out), "b");
	ck_assert_str_eq(out, "a b");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp-client");
	TCase *tc = tcase_create("client");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_reply_line, 0, sizeof(line_cases) / sizeof(line_cases[0]));
	tcase_add_test(tc, test_summary_is_printable_ascii);
	tcase_add_test(tc, test_summary_is_cut_and_terminated);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
