/* lib/http (issue 13): table-driven cases of every parser with the inputs
 * a stranger sends, and the rate buckets with given times (no clock). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

START_TEST(test_params)
{
	static const struct {
		const char *in;
		int ret;
		size_t n;
	} cases[] = {
		{ "a=1&b=x%20y+z", 0, 2 }, { "", 0, 0 }, { "&&a", 0, 1 }, { "a=%zz", -1, 0 },
		{ "a=%0", -1, 0 },          { "a=%00", -1, 0 }, { "a=1&b=2&c=3&d=4&e=5", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_params p;
		const char *err = NULL;
		int ret = http_params_parse(cases[i].in, strlen(cases[i].in), 4, &p, &err);
		ck_assert_msg(ret == cases[i].ret, "case %zu", i);
		if (ret == 0) {
			ck_assert_uint_eq(p.n, cases[i].n);
			http_params_free(&p);
		} else {
			ck_assert_ptr_nonnull(err);
		}
	}
	struct http_params p;
	const char *err, *v;
	ck_assert_int_eq(http_params_parse("a=1&b=x%20y+z&a=2", 17, 10, &p, &err), 0);
	ck_assert_int_eq(http_params_get(&p, "b", &v), 1);
	ck_assert_str_eq(v, "x y z");
	ck_assert_int_eq(http_params_get(&p, "a", &v), -1);
	ck_assert_int_eq(http_params_get(&p, "c", &v), 0);
	http_params_free(&p);
}
END_TEST

START_TEST(test_keys)
{
	char key[HTTP_KEY_LEN + 1], id[HTTP_KEY_ID_LEN + 1], id2[HTTP_KEY_ID_LEN + 1], h1[65], h2[65], hdr[100];
	const char *k;

	ck_assert_int_eq(http_key_generate(key, id), 0);
	ck_assert_uint_eq(strlen(key), HTTP_KEY_LEN);
	snprintf(hdr, sizeof(hdr), "bearer %s", key);
	ck_assert_int_eq(http_key_parse(hdr, id2, &k), 0);
	ck_assert_str_eq(id, id2);
	ck_assert_str_eq(k, key);
	ck_assert_int_eq(http_key_parse(key, id2, &k), 0);
	http_key_hash(key, h1);
	http_key_hash(key, h2);
	ck_assert(http_key_hash_equal(h1, h2));
	key[HTTP_KEY_LEN - 1] = key[HTTP_KEY_LEN - 1] == 'A' ? 'B' : 'A';
	http_key_hash(key, h2);
	ck_assert(!http_key_hash_equal(h1, h2));
	ck_assert(!http_key_hash_equal(h1, "short"));
	static const char *const bad[] = { NULL, "", "Basic abc", "mdk_", "Bearer mdk_0123456789ABCDEF_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					   "mdk_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
					   "mdk_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(http_key_parse(bad[i], id2, &k) == -1, "bad %zu", i);
	ck_assert_uint_eq(http_scope_parse("read"), HTTP_SCOPE_READ);
	ck_assert_uint_eq(http_scope_parse("READ"), 0);
}
END_TEST

START_TEST(test_idem)
{
	char out[256], long_key[300];
	const char *err;

	ck_assert_int_eq(http_idem_key_parse("abc-1", out, &err), 0);
	ck_assert_str_eq(out, "abc-1");
	ck_assert_int_eq(http_idem_key_parse("\"q\"", out, &err), 0);
	ck_assert_str_eq(out, "q");
	ck_assert_int_eq(http_idem_key_parse("", out, &err), -1);
	ck_assert_int_eq(http_idem_key_parse("a b", out, &err), -1);
	ck_assert_int_eq(http_idem_key_parse("\"\"", out, &err), -1);
	memset(long_key, 'x', 256);
	long_key[256] = '\0';
	ck_assert_int_eq(http_idem_key_parse(long_key, out, &err), -1);
	char a[65], b[65];
	http_body_hash("POST /a", "b", 1, a);
	http_body_hash("POST /ab", "", 0, b);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_client_address)
{
	struct http_cidrs c;
	char *err = NULL, out[46];

	ck_assert_int_eq(http_cidrs_parse("10.0.0.0/8, ::1 192.0.2.7", &c, &err), 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert(http_cidrs_match(&c, "10.200.1.1"));
	ck_assert(!http_cidrs_match(&c, "11.0.0.1"));
	ck_assert(http_cidrs_match(&c, "::1"));
	http_client_address(&c, "203.0.113.5", "1.2.3.4", out);
	ck_assert_str_eq(out, "203.0.113.5"); /* an untrusted peer's header is ignored */
	http_client_address(&c, "10.0.0.1", "1.2.3.4, 198.51.100.9, 10.0.0.2", out);
	ck_assert_str_eq(out, "198.51.100.9"); /* the rightmost untrusted hop, not the spoofable left */
	http_client_address(&c, "10.0.0.1", "garbage, 10.0.0.2", out);
	ck_assert_str_eq(out, "10.0.0.2");
	http_client_address(&c, "10.0.0.1", NULL, out);
	ck_assert_str_eq(out, "10.0.0.1");
	http_cidrs_free(&c);
	ck_assert_int_eq(http_cidrs_parse("10.0.0.0/33", &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "10.0.0.0/33"));
	free(err);
	err = NULL;
	ck_assert_int_eq(http_cidrs_parse("example.com", &c, &err), -1);
	free(err);
}
END_TEST

START_TEST(test_rate)
{
	struct http_rate *r = http_rate_new(2, 2);

	ck_assert_uint_eq(http_rate_take(r, "k", 100.0), 0);
	ck_assert_uint_eq(http_rate_take(r, "k", 100.0), 0);
	ck_assert_uint_eq(http_rate_take(r, "k", 100.0), 30); /* 2 a minute: one every 30 s */
	ck_assert_uint_eq(http_rate_take(r, "other", 100.0), 0);
	ck_assert_uint_eq(http_rate_take(r, "k", 130.0), 0);
	ck_assert_uint_eq(http_rate_take(r, "third", 131.0), 0); /* drops the longest idle */
	http_rate_free(&r);
	ck_assert_ptr_null(r);
	r = http_rate_new(0, 1);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(http_rate_take(r, "k", 1.0), 0);
	http_rate_free(&r);
}
END_TEST

START_TEST(test_request)
{
	static const struct {
		const char *body;
		int ret;
		enum http_problem p;
		const char *field;
	} cases[] = {
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\"}", 0, 0, NULL },
		{ "[1]", -1, HTTP_PROBLEM_BAD_JSON, NULL },
		{ "{\"order\":", -1, HTTP_PROBLEM_BAD_JSON, NULL },
		{ "{\"order\":\"1\",\"order\":\"2\"}", -1, HTTP_PROBLEM_BAD_JSON, NULL },
		{ "{\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\"}", -1, HTTP_PROBLEM_INVALID, "order" },
		{ "{\"order\":\"\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\"}", -1, HTTP_PROBLEM_INVALID, "order" },
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\\u0000x\"}", -1, HTTP_PROBLEM_BAD_JSON,
		  NULL }, /* jansson refuses \u0000 without JSON_ALLOW_NUL */
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\",\"x\":1}", -1, HTTP_PROBLEM_INVALID, NULL },
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\",\"attachments\":{}}", -1,
		  HTTP_PROBLEM_INVALID, "attachments" },
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\",\"attachments\":[{\"filename\":\"f\","
		  "\"content_base64\":\"YWI=\"}]}",
		  0, 0, NULL },
		{ "{\"order\":\"1\",\"reason\":\"r\",\"from\":\"a@b\",\"message\":\"m\",\"attachments\":[{\"filename\":\"f\","
		  "\"content_base64\":\"Y=WI\"}]}",
		  -1, HTTP_PROBLEM_INVALID, "attachments" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request_in in;
		enum http_problem p = HTTP_PROBLEM_COUNT;
		char *detail = NULL;
		const char *field = NULL;
		int ret = http_request_parse(cases[i].body, strlen(cases[i].body), &in, &p, &detail, &field);
		ck_assert_msg(ret == cases[i].ret, "case %zu", i);
		if (ret == 0) {
			if (in.n_attachments > 0) {
				ck_assert_uint_eq(in.attachments[0].len, 2);
				ck_assert(memcmp(in.attachments[0].data, "ab", 2) == 0);
			}
			http_request_in_free(&in);
			continue;
		}
		ck_assert_msg(p == cases[i].p, "case %zu problem", i);
		ck_assert_msg((field == NULL) == (cases[i].field == NULL), "case %zu field", i);
		if (field != NULL)
			ck_assert_str_eq(field, cases[i].field);
		ck_assert_ptr_nonnull(detail);
		free(detail);
	}
}
END_TEST

START_TEST(test_problem)
{
	char *s = http_problem_json(HTTP_PROBLEM_INVALID, "order: is required", "order");

	ck_assert_str_eq(s, "{\"type\":\"https://maildesk.invalid/problems/invalid-field\",\"title\":\"A field is missing "
			    "or invalid\",\"status\":422,\"detail\":\"order: is required\",\"field\":\"order\"}");
	free(s);
	s = http_problem_json(HTTP_PROBLEM_RATE, "\xff", NULL); /* invalid UTF-8 detail is left out */
	ck_assert_ptr_null(strstr(s, "detail"));
	free(s);
	for (int p = 0; p < HTTP_PROBLEM_COUNT; p++)
		ck_assert_uint_ge(http_problem_status(p), 400);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("lib/http");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_idem);
	tcase_add_test(tc, test_client_address);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_problem);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
