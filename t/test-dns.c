/* lib/dns without a network: the server address parser, the forwarder
 * and trust-anchor settings of the libunbound resolver, and the answer
 * parser fed hand-made DNS messages (RFC 1035 4.1) with every response
 * code and malformation "domain check" must tell apart. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/dns.h"

/* ---- dns_server_parse ---- */

static const struct {
	const char *in;
	int family; /* 0: must fail */
	unsigned port;
} servers[] = {
	{ "127.0.0.1:53", AF_INET, 53 },
	{ "[::1]:5353", AF_INET6, 5353 },
	{ "[192.0.2.1]:1", AF_INET, 1 },
	{ "::1:53", 0, 0 },        /* IPv6 without brackets */
	{ "dns.example:53", 0, 0 }, /* a name: the resolver cannot look up its own server */
	{ "192.0.2.1", 0, 0 },
	{ "192.0.2.1:", 0, 0 },
	{ "192.0.2.1:0", 0, 0 },
	{ "192.0.2.1:65536", 0, 0 },
	{ "192.0.2.1:5x", 0, 0 },
	{ "[::1:53", 0, 0 },
	{ ":53", 0, 0 },
};

START_TEST(server_parse)
{
	struct sockaddr_storage ss;
	char *error = NULL;
	int ret = dns_server_parse(servers[_i].in, &ss, &error);

	if (servers[_i].family == 0) {
		ck_assert_msg(ret == -1, "%s accepted", servers[_i].in);
		ck_assert_ptr_nonnull(error);
		ck_assert_ptr_nonnull(strstr(error, servers[_i].in));
		free(error);
		return;
	}
	ck_assert_msg(ret == 0, "%s: %s", servers[_i].in, error);
	ck_assert_int_eq(ss.ss_family, servers[_i].family);
	ck_assert_uint_eq(ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							: ((struct sockaddr_in6 *)&ss)->sin6_port),
			  servers[_i].port);
}
END_TEST

/* ---- answers ---- */

struct pkt {
	unsigned char b[1024];
	size_t len;
};

static void put(struct pkt *p, const void *data, size_t n)
{
	ck_assert_uint_le(p->len + n, sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void put16(struct pkt *p, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(p, b, 2);
}

/* Header (a response, recursion available) and the question
 * "a.example IN type"; the answer count as given. */
static void pkt_start(struct pkt *p, unsigned rcode, unsigned ancount, unsigned type)
{
	p->len = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode);
	put16(p, 1);
	put16(p, ancount);
	put16(p, 0);
	put16(p, 0);
	put(p, "\1a\7example\0", 11);
	put16(p, type);
	put16(p, 1);
}

/* One answer record owned by the question's name (pointer to offset 12). */
static void pkt_rr(struct pkt *p, unsigned type, const void *rdata, size_t rdlen)
{
	put16(p, 0xc00c);
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, (unsigned)rdlen);
	put(p, rdata, rdlen);
}

START_TEST(txt_strings_joined)
{
	struct pkt p;
	char **v, *error = NULL;
	size_t n;

	pkt_start(&p, 0, 3, 16);
	pkt_rr(&p, 5, "\1b\300\16", 4); /* CNAME b.example, skipped */
	pkt_rr(&p, 16, "\5v=DKI\3M1;\0", 10);
	pkt_rr(&p, 16, "\6second", 7);
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0], "v=DKIM1;");
	ck_assert_str_eq(v[1], "second");
	dns_strings_free(v, n);
}
END_TEST

START_TEST(txt_none)
{
	struct pkt p;
	char **v, *error = NULL;
	size_t n;

	pkt_start(&p, 3, 0, 16); /* NXDOMAIN */
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), 0);
	ck_assert_uint_eq(n, 0);
	pkt_start(&p, 0, 0, 16); /* NODATA */
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), 0);
	pkt_start(&p, 0, 1, 16); /* only an MX */
	pkt_rr(&p, 15, "\0\12\0", 3);
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), 0);
	ck_assert_ptr_null(error);
}
END_TEST

static const struct {
	unsigned rcode;
	const char *says;
} rcodes[] = { { 2, "SERVFAIL" }, { 5, "REFUSED" }, { 4, "error code 4" } };

START_TEST(rcode_errors)
{
	struct pkt p;
	char **v, *error = NULL;
	size_t n;

	pkt_start(&p, rcodes[_i].rcode, 0, 16);
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, rcodes[_i].says));
	free(error);
}
END_TEST

START_TEST(malformed)
{
	struct pkt p;
	char **v, *error = NULL;
	size_t n;

	pkt_start(&p, 0, 2, 16);
	pkt_rr(&p, 16, "\3abc", 4);
	pkt_rr(&p, 16, "\11short", 6); /* a string longer than the record */
	ck_assert_int_eq(dns_answer_txt(p.b, p.len, &v, &n, &error), -1);
	ck_assert_str_eq(error, "malformed TXT record");
	free(error);
	error = NULL;
	pkt_start(&p, 0, 1, 16);
	pkt_rr(&p, 16, "\3abc", 4);
	/* cut anywhere inside: never read past the end */
	for (size_t len = 0; len < p.len; len++) {
		ck_assert_int_eq(dns_answer_txt(p.b, len, &v, &n, &error), -1);
		free(error);
		error = NULL;
	}
}
END_TEST

START_TEST(mx_compressed)
{
	struct pkt p;
	struct dns_mx *mx;
	char *error = NULL;
	size_t n;

	pkt_start(&p, 0, 2, 15);
	pkt_rr(&p, 15, "\0\12\2mx\300\14", 7);       /* 10 mx.a.example */
	pkt_rr(&p, 15, "\0\24\4Mail\3net\0", 12); /* 20 Mail.net */
	ck_assert_int_eq(dns_answer_mx(p.b, p.len, &mx, &n, &error), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(mx[0].preference, 10);
	ck_assert_str_eq(mx[0].exchange, "mx.a.example");
	ck_assert_uint_eq(mx[1].preference, 20);
	ck_assert_str_eq(mx[1].exchange, "Mail.net");
	dns_mx_free(mx, n);
	pkt_start(&p, 0, 1, 15);
	pkt_rr(&p, 15, "\0\12", 2);
	ck_assert_int_eq(dns_answer_mx(p.b, p.len, &mx, &n, &error), -1);
	ck_assert_str_eq(error, "malformed MX record");
	free(error);
}
END_TEST

/* A resolver that cannot start: the server setting is checked first, and
 * a trust anchor file that exists must load. */
START_TEST(resolver_bad_settings)
{
	struct dns_resolver *r = (struct dns_resolver *)1;
	char *error = NULL, **v;
	enum dns_sec sec;
	size_t n;

	ck_assert_int_eq(dns_resolver_new("localhost:53", "", &r, &error), -1);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(error, "not an IP address"));
	free(error);
	error = NULL;
	/* libunbound reads the anchor at the first look-up, before any query */
	ck_assert_int_eq(dns_resolver_new("127.0.0.1:9", "/etc/passwd", &r, &error), 0);
	ck_assert(dns_resolver_validates(r));
	ck_assert_int_eq(dns_txt_lookup(r, "a.example", &v, &n, &sec, &error), -1);
	ck_assert_ptr_null(v);
	ck_assert_ptr_nonnull(strstr(error, "DNSSEC trust anchor /etc/passwd valid?"));
	ck_assert_ptr_nonnull(strstr(error, "a.example TXT: "));
	free(error);
	dns_resolver_free(&r);
}
END_TEST

/* No trust anchor (none set, or the file absent): nothing validates. */
START_TEST(resolver_no_anchor)
{
	struct dns_resolver *r = NULL;
	char *error = NULL;

	ck_assert_int_eq(dns_resolver_new("127.0.0.1:53", "/nonexistent/root.key", &r, &error), 0);
	ck_assert(!dns_resolver_validates(r));
	dns_resolver_free(&r);
	ck_assert_ptr_null(r);
	dns_resolver_free(&r);
	ck_assert_int_eq(dns_resolver_new("[::1]:5353", "", &r, &error), 0);
	ck_assert(!dns_resolver_validates(r));
	dns_resolver_free(&r);
}
END_TEST

/* The forwarder as libunbound wants it: ADDR@PORT, IPv6 without brackets. */
static const struct {
	const char *in, *out; /* out NULL: must fail */
} forwarders[] = {
	{ "127.0.0.1:53", "127.0.0.1@53" },
	{ "[::1]:5353", "::1@5353" },
	{ "[2001:DB8::0:1]:53", "2001:db8::1@53" },
	{ "[192.0.2.1]:1", "192.0.2.1@1" },
	{ "192.0.2.1", NULL },
	{ "dns.example:53", NULL },
	{ "192.0.2.1@53", NULL },
};

START_TEST(forwarder_spec)
{
	char *fwd = NULL, *error = NULL;
	int ret = dns_server_forwarder(forwarders[_i].in, &fwd, &error);

	if (forwarders[_i].out == NULL) {
		ck_assert_msg(ret == -1, "%s accepted", forwarders[_i].in);
		ck_assert_ptr_nonnull(error);
		free(error);
		return;
	}
	ck_assert_msg(ret == 0, "%s: %s", forwarders[_i].in, error);
	ck_assert_str_eq(fwd, forwarders[_i].out);
	free(fwd);
}
END_TEST

START_TEST(sec_names)
{
	ck_assert_str_eq(dns_sec_name(DNS_SEC_SECURE), "secure");
	ck_assert_str_eq(dns_sec_name(DNS_SEC_INSECURE), "insecure");
	ck_assert_str_eq(dns_sec_name(DNS_SEC_BOGUS), "bogus");
}
END_TEST

/* Names typed in Unicode become A-labels (IDNA2008, UTS #46 mapping);
 * ASCII passes as it is; what libidn2 refuses is an error. */
START_TEST(idn_names)
{
	char *a = NULL, *err = NULL, *u;

	ck_assert_int_eq(dns_name_to_ascii("b\xc3\xbc" "cher.example", &a, &err), 0);
	ck_assert_str_eq(a, "xn--bcher-kva.example");
	free(a);
	ck_assert_int_eq(dns_name_to_ascii("B\xc3\x9c" "CHER.Example", &a, &err), 0);
	ck_assert_str_eq(a, "xn--bcher-kva.example");
	free(a);
	ck_assert_int_eq(dns_name_to_ascii("Plain.Example", &a, &err), 0);
	ck_assert_str_eq(a, "Plain.Example");
	free(a);
	ck_assert_int_eq(dns_name_to_ascii("bad\xff.example", &a, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a valid internationalised domain name"));
	free(err);
	u = dns_name_to_unicode("xn--bcher-kva.example");
	ck_assert_str_eq(u, "b\xc3\xbc" "cher.example");
	free(u);
	ck_assert_ptr_null(dns_name_to_unicode("plain.example"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, server_parse, 0, sizeof(servers) / sizeof(servers[0]));
	tcase_add_test(tc, txt_strings_joined);
	tcase_add_test(tc, txt_none);
	tcase_add_loop_test(tc, rcode_errors, 0, sizeof(rcodes) / sizeof(rcodes[0]));
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, mx_compressed);
	tcase_add_test(tc, resolver_bad_settings);
	tcase_add_test(tc, resolver_no_anchor);
	tcase_add_loop_test(tc, forwarder_spec, 0, sizeof(forwarders) / sizeof(forwarders[0]));
	tcase_add_test(tc, sec_names);
	tcase_add_test(tc, idn_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
