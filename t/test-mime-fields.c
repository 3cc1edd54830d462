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

START_TEST(test_view_block_and_fields_agree)
{
	static const char top[] = "Received: from h ([192.0.2.1])\r\n\tby us (maildesk); date\r\n";
	static const char block[] = "X Junk: kept\r\nAuthentication-Results: us; dkim=pass\r\nFrom: a@b\r\n"
				    "Authentication-Results: us; spf=pass\r\nSubject: s";
	struct mime_field *f;
	struct mime_field_span *sp;
	size_t n;
	char *buf = mime_fields_split_spans(block, &f, &sp, &n), *dropped;
	unsigned char drop[4] = { 1, 0, 1, 0 };
	struct mime_fields_view v;

	ck_assert_uint_eq(n, 4);
	mime_fields_view_make(&v, top, block, f, sp, drop, n);
	dropped = mime_fields_drop(block, sp, drop, n);
	ck_assert_uint_eq(strlen(v.block), strlen(top) + strlen(dropped));
	ck_assert(strncmp(v.block, top, strlen(top)) == 0);
	ck_assert_str_eq(v.block + strlen(top), dropped);
	ck_assert_uint_eq(v.n, 3);
	ck_assert_str_eq(v.fields[0].name, "Received");
	ck_assert_str_eq(v.fields[1].name, "From");
	ck_assert_str_eq(v.fields[2].name, "Subject");
	/* Each span holds exactly its field's bytes. */
	for (size_t i = 0; i < v.n; i++) {
		struct mime_field *g;
		size_t gn;
		char *one = strndup(v.block + v.spans[i].off, v.spans[i].len), *gbuf = mime_fields_split(one, &g, &gn);

		ck_assert_uint_eq(gn, 1);
		ck_assert_str_eq(g[0].name, v.fields[i].name);
		ck_assert_str_eq(g[0].value, v.fields[i].value);
		free(g);
		free(gbuf);
		free(one);
	}
	mime_fields_view_free(&v);
	ck_assert_ptr_null(v.block);
	/* Nothing dropped and no top: the block itself. */
	mime_fields_view_make(&v, "", block, f, sp, NULL, n);
	ck_assert_str_eq(v.block, block);
	ck_assert_uint_eq(v.n, 4);
	mime_fields_view_free(&v);
	free(dropped);
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
	tcase_add_test(tc, test_view_block_and_fields_agree);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
