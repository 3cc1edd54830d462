/* The protocol core's two parsers on their own: the DATA decoder (dot
 * unstuffing, the strict end of data, fed at every split point) and RFC 5321
 * path parsing (a table of valid and invalid paths with their errors). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "smtp/smtp-address.h"
#include "smtp/smtp-data.h"

#define X10 "xxxxxxxxxx"

/* ---- the DATA decoder on its own ---- */

struct data_case {
	const char *wire;
	const char *msg;       /* what is stored */
	size_t used;           /* where the message ends; 0: it does not */
};

static const struct data_case data_cases[] = {
	{ "hello\r\n.\r\n", "hello\r\n", 10 },
	{ ".\r\n", "", 3 },
	{ "..\r\n.\r\n", ".\r\n", 7 },
	{ "..foo\r\n.\r\n", ".foo\r\n", 10 },
	{ ".foo\r\n.\r\n", "foo\r\n", 9 },
	{ "x\r\n...\r\n.\r\n", "x\r\n..\r\n", 11 },
	{ "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", 10 },
	{ "a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", 10 },
	{ "a\r\n.\r.\r\n.\r\n", "a\r\n\r.\r\n", 11 },
	{ "a\r\r\n.\r\n", "a\r\r\n", 7 },
	{ "a\r\n.\r\nNOOP\r\n", "a\r\n", 6 },
	{ "abc\r\n.\n", "abc\r\n\n", 0 },
	{ "abc\n.\r\n", "abc\n.\r\n", 0 },
	{ "abc\r\n..", "abc\r\n.", 0 },
	{ "no end", "no end", 0 },
};

/* Decodes wire cut at offset cut; returns the bytes used. */
static size_t data_decode_split(const char *wire, size_t cut, struct buf *out, bool *end_r)
{
	struct smtp_data d;
	size_t len = strlen(wire), used;

	smtp_data_init(&d, out);
	used = smtp_data_parse(&d, wire, cut, end_r);
	if (*end_r)
		return used;
	ck_assert_uint_eq(used, cut);
	used += smtp_data_parse(&d, wire + cut, len - cut, end_r);
	ck_assert(!d.too_big);
	return used;
}

START_TEST(test_data_decoder_unstuffs_and_ends_only_at_crlf_dot_crlf_at_every_split)
{
	const struct data_case *c = &data_cases[_i];
	size_t len = strlen(c->wire), cut, used;
	struct buf out;
	bool end;

	buf_init(&out, 0);
	for (cut = 0; cut <= len; cut++) {
		used = data_decode_split(c->wire, cut, &out, &end);
		ck_assert_msg(end == (c->used != 0), "case %d cut %zu: end=%d", _i, cut, end);
		if (end)
			ck_assert_uint_eq(used, c->used);
		ck_assert_msg(out.len == strlen(c->msg) && memcmp(out.data ? out.data : "", c->msg, out.len) == 0,
			      "case %d cut %zu: got [%s]", _i, cut, out.data ? out.data : "");
	}
	buf_free(&out);
}
END_TEST

START_TEST(test_data_decoder_stops_storing_past_cap_but_finds_end)
{
	struct smtp_data d;
	struct buf out;
	bool end;
	size_t used;

	buf_init(&out, 10);
	smtp_data_init(&d, &out);
	used = smtp_data_parse(&d, "0123456\r\n", 9, &end);
	ck_assert(!end && !d.too_big && used == 9);
	used = smtp_data_parse(&d, "x\r\n.\r\nQUIT", 10, &end);
	ck_assert(end && d.too_big);
	ck_assert_uint_eq(used, 6);
	ck_assert_ptr_null(out.data);
	buf_free(&out);
}
END_TEST

/* ---- path parsing ---- */

struct addr_case {
	const char *in;
	unsigned flags;
	const char *addr;      /* NULL: invalid */
	const char *rest_or_error;
	bool utf8;
};

#define NUL_OK SMTP_ADDRESS_ALLOW_NULL
static const struct addr_case addr_cases[] = {
	{ "<user@Example.COM>", 0, "user@example.com", "", false },
	{ "<User.Name+tag@sub-domain.example.com> SIZE=5", 0, "User.Name+tag@sub-domain.example.com", " SIZE=5",
	  false },
	{ "<@a.example,@b.example:user@C.example>", 0, "user@c.example", "", false },
	{ "<@a.example:user@c.example>", 0, "user@c.example", "", false },
	{ "<\"john doe\"@example.com>", 0, "\"john doe\"@example.com", "", false },
	{ "<\"a\\\"b@c\"@x.org>", 0, "\"a\\\"b@c\"@x.org", "", false },
	{ "<user@[192.0.2.1]>", 0, "user@[192.0.2.1]", "", false },
	{ "<user@[IPv6:2001:DB8::1]>", 0, "user@[ipv6:2001:db8::1]", "", false },
	{ "<>", NUL_OK, "", "", false },
	{ "<> BODY=8BITMIME", NUL_OK, "", " BODY=8BITMIME", false },
	{ "<j\xc3\xb6rg@B\xc3\xa4R.example>", 0, "j\xc3\xb6rg@b\xc3\xa4r.example", "", true },
	{ "<user>", SMTP_ADDRESS_ALLOW_NO_DOMAIN, "user", "", false },
	{ "<!#$%&'*+-/=?^_`{|}~@x.org>", 0, "!#$%&'*+-/=?^_`{|}~@x.org", "", false },
	{ "<a@b.example>>", 0, "a@b.example", ">", false },

	{ "", 0, NULL, "missing '<'", false },
	{ "user@example.com", 0, NULL, "missing '<'", false },
	{ " <user@example.com>", 0, NULL, "missing '<'", false },
	{ "<user@example.com", 0, NULL, "missing '>'", false },
	{ "<>", 0, NULL, "null address not allowed", false },
	{ "<user>", 0, NULL, "missing domain", false },
	{ "<user@>", 0, NULL, "missing domain", false },
	{ "<@example.com>", 0, NULL, "bad source route", false },
	{ "<.user@x.org>", 0, NULL, "bad local part", false },
	{ "<us..er@x.org>", 0, NULL, "bad local part", false },
	{ "<user.@x.org>", 0, NULL, "bad local part", false },
	{ "<@x.org>", NUL_OK, NULL, "bad source route", false },
	{ "<us er@x.org>", 0, NULL, "bad character in local part", false },
	{ "<us\ter@x.org>", 0, NULL, "bad character in local part", false },
	{ "<us(er)@x.org>", 0, NULL, "bad character in local part", false },
	{ "<\"unterminated@x.org>", 0, NULL, "unterminated quoted local part", false },
	{ "<\"a\rb\"@x.org>", 0, NULL, "bad character in local part", false },
	{ "<user@-x.org>", 0, NULL, "bad domain", false },
	{ "<user@x-.org>", 0, NULL, "bad domain", false },
	{ "<user@x..org>", 0, NULL, "bad domain", false },
	{ "<user@x.org.>", 0, NULL, "bad domain", false },
	{ "<user@.x.org>", 0, NULL, "bad domain", false },
	{ "<user@x_y.org>", 0, NULL, "bad character in address", false },
	{ "<a@b@c.org>", 0, NULL, "bad character in address", false },
	{ "<user@[]>", 0, NULL, "bad address literal", false },
	{ "<user@[1.2.3.4>", 0, NULL, "bad address literal", false },
	{ "<user@" X10 X10 X10 X10 X10 X10 "abcd.org>", 0, NULL, "bad domain", false },
	{ "<@a.example user@x.org>", 0, NULL, "bad source route", false },
	{ "<@a.example,user@x.org>", 0, NULL, "bad source route", false },
	{ "<@a.example:>", 0, NULL, "bad local part", false },
};

START_TEST(test_address_path_parsing_table)
{
	const struct addr_case *c = &addr_cases[_i];
	struct smtp_address a = { NULL, false };
	struct strv rest = { NULL, 0 };
	const char *error = NULL;
	int r = smtp_address_parse_path(strv_from(c->in), c->flags, &a, &rest, &error);

	if (c->addr == NULL) {
		ck_assert_msg(r == -1, "case %d [%s] parsed as [%s]", _i, c->in, a.addr);
		ck_assert_str_eq(error, c->rest_or_error);
		return;
	}
	ck_assert_msg(r == 0, "case %d [%s]: %s", _i, c->in, error);
	ck_assert_str_eq(a.addr, c->addr);
	ck_assert_uint_eq(rest.len, strlen(c->rest_or_error));
	ck_assert_mem_eq(rest.p, c->rest_or_error, rest.len);
	ck_assert_int_eq(a.utf8, c->utf8);
	free(a.addr);
}
END_TEST

START_TEST(test_address_domain_of_255_octets_is_the_limit)
{
	struct buf in;
	struct smtp_address a;
	struct strv rest;
	const char *error;
	int i;

	buf_init(&in, 0);
	buf_append_str(&in, "<u@");
	for (i = 0; i < 4; i++)
		buf_append_str(&in, X10 X10 X10 X10 X10 X10 "xx.");
	buf_append_str(&in, "org>");
	/* 4 * 63 + 3 = 255 octets */
	ck_assert_int_eq(smtp_address_parse_path(buf_view(&in), 0, &a, &rest, &error), 0);
	free(a.addr);
	buf_reset(&in);
	buf_append_str(&in, "<u@");
	for (i = 0; i < 4; i++)
		buf_append_str(&in, X10 X10 X10 X10 X10 X10 "xx.");
	buf_append_str(&in, "orgx>");
	ck_assert_int_eq(smtp_address_parse_path(buf_view(&in), 0, &a, &rest, &error), -1);
	ck_assert_str_eq(error, "domain too long");
	buf_free(&in);
}
END_TEST

static Suite *smtp_parse_suite(void)
{
	Suite *s = suite_create("smtp-parse");
	TCase *tc;

	tc = tcase_create("data");
	tcase_add_loop_test(tc, test_data_decoder_unstuffs_and_ends_only_at_crlf_dot_crlf_at_every_split, 0,
			    sizeof(data_cases) / sizeof(data_cases[0]));
	tcase_add_test(tc, test_data_decoder_stops_storing_past_cap_but_finds_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_loop_test(tc, test_address_path_parsing_table, 0, sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_test(tc, test_address_domain_of_255_octets_is_the_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtp_parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
