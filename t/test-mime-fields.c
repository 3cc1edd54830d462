/* lib/mime's one header field splitter (mime-fields.h): which lines are
 * fields, their unfolded values, their spans in the block and what
 * mime_fields_drop leaves. What fuzz-mime-fields checks at random is
 * pinned here on known inputs. */
#include "config.h"

#include "mime/mime-fields.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct split_case {
	const char *block;
	const char *want; /* "name=value|name=value|" */
};

static const struct split_case split_cases[] = {
	{ "From: a@b\nSubject: hi\n", "From=a@b|Subject=hi|" },
	{ "Subject: one\r\n two\r\n\tthree\r\nX: y", "Subject=one two\tthree|X=y|" },
	/* obsolete blanks before the colon are allowed; a blank inside a
	 * name makes the line text, not a field (an mbox From line, too) */
	{ "From sender@x Sat Dec  5 10:00:00 2026\nX Foo: bar\nSubject : old\n", "Subject=old|" },
	{ "X-A\n continued: now a blank inside\nB: ok\n", "B=ok|" },
	{ "no colon\n: empty name\nA:\n", "=empty name|A=|" },
	/* a lone CR is not a line end here: it is a blank in the value */
	{ "A: one\rB: two\n", "A=one B: two|" },
	{ "", "" },
};

START_TEST(test_split)
{
	const struct split_case *c = &split_cases[_i];
	struct mime_field *f;
	size_t n;
	char *buf = mime_fields_split(c->block, &f, &n), got[512] = "";

	for (size_t i = 0; i < n; i++) {
		strcat(got, f[i].name);
		strcat(got, "=");
		strcat(got, f[i].value);
		strcat(got, "|");
	}
	ck_assert_str_eq(got, c->want);
	free(f);
	free(buf);
}
END_TEST

START_TEST(test_spans_and_drop)
{
	static const char block[] = "Received: by a\r\n\tfor b\r\nX Junk: kept\r\nAuthentication-Results: x; dkim=pass\r\n"
				    "Subject: s";
	struct mime_field *f;
	struct mime_field_span *sp;
	size_t n;
	char *buf = mime_fields_split_spans(block, &f, &sp, &n), *out;
	unsigned char drop[3] = { 0, 0, 0 };

	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(sp[0].off, 0);
	ck_assert_uint_eq(sp[0].len, strlen("Received: by a\r\n\tfor b\r\n"));
	/* the junk line is in no span: the next field starts after it */
	ck_assert_uint_eq(sp[1].off, strlen("Received: by a\r\n\tfor b\r\nX Junk: kept\r\n"));
	ck_assert_str_eq(f[1].name, "Authentication-Results");
	out = mime_fields_drop(block, sp, drop, n);
	ck_assert_str_eq(out, block);
	free(out);
	drop[1] = 1;
	out = mime_fields_drop(block, sp, drop, n);
	ck_assert_str_eq(out, "Received: by a\r\n\tfor b\r\nX Junk: kept\r\nSubject: s");
	free(out);
	free(f);
	free(sp);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime-fields");
	TCase *tc = tcase_create("fields");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_split, 0, sizeof(split_cases) / sizeof(split_cases[0]));
	tcase_add_test(tc, test_spans_and_drop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
