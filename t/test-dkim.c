/* lib/dkim: the RFC 8463 appendix A signatures byte for byte, relaxed
 * canonicalisation edge cases, which header instances h= signs, the
 * signature field's layout, keys on disk, and DMARC alignment. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/dkim.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- RFC 8463 appendix A ---- */
static const char rfc_ed_pem[] = /* the seed of A.1 as PKCS#8 */
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";
static const char rfc_rsa_pem[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
	"Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
	"KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
	"AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
	"6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
	"zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
	"6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
	"uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
	"WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
	"WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
	"licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
	"o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
	"uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
	"-----END RSA PRIVATE KEY-----\n";
static const char rfc_msg[] =
	"From: Joe SixPack <joe@football.example.com>\r\n"
	"To: Suzie Q <suzie@shopping.example.net>\r\n"
	"Subject: Is dinner ready?\r\n"
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
	"\r\n"
	"Hi.\r\n"
	"\r\n"
	"We lost the game.  Are you hungry yet?\r\n"
	"\r\n"
	"Joe.\r\n"
	"\r\n";
static const char *const rfc_h[] = {
	"from", "to", "subject", "date", "message-id", "from", "subject", "date", NULL,
};
#define RFC_BH "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="

struct rfc_sig {
	const char *pem, *record, *head, *b;
};
static const struct rfc_sig rfc_sigs[] = {
	{ rfc_ed_pem, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	  " d=football.example.com; i=@football.example.com;\r\n"
	  " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
	  " subject : date : message-id : from : subject : date;\r\n"
	  " bh=" RFC_BH ";\r\n"
	  " b=",
	  "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==" },
	{ rfc_rsa_pem,
	  "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
	  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	  " d=football.example.com; i=@football.example.com;\r\n"
	  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
	  " date : message-id : from : subject : date;\r\n"
	  " bh=" RFC_BH ";\r\n"
	  " b=",
	  "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=" },
};

static struct dkim_key *load_pem(const char *pem)
{
	char *err = NULL;
	struct dkim_key *key = dkim_key_load_pem(pem, strlen(pem), &err);

	ck_assert_msg(key != NULL, "%s", err);
	return key;
}

START_TEST(test_dkim_rfc8463_signatures)
{
	const struct rfc_sig *c = &rfc_sigs[_i];
	struct dkim_key *key = load_pem(c->pem);
	char *err = NULL, *bh = dkim_body_hash(rfc_msg, strlen(rfc_msg));
	char *b = dkim_sign_header(key, c->head, rfc_h, rfc_msg, strlen(rfc_msg), &err);
	char *rec = dkim_key_record(key);

	ck_assert_str_eq(bh, RFC_BH);
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_str_eq(b, c->b);
	ck_assert_str_eq(rec, c->record);
	free(bh);
	free(b);
	free(rec);
	dkim_key_free(&key);
	ck_assert_ptr_null(key);
}
END_TEST

/* ---- canonicalisation ---- */
struct canon_case {
	const char *situation, *in, *out;
};

static const struct canon_case body_cases[] = {
	{ "empty body", "", "" },
	{ "a body of only CRLFs is empty", "\r\n\r\n\r\n", "" },
	{ "whitespace-only lines count as empty", " \t\r\n\t\r\n", "" },
	{ "trailing blank lines dropped", "Hi.\r\n\r\n\r\n", "Hi.\r\n" },
	{ "inner blank lines kept", "a\r\n\r\n \r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "whitespace runs and trailing whitespace", "a  b \t c \t\r\n", "a b c\r\n" },
	{ "leading whitespace becomes one SP", " \t lead\r\n", " lead\r\n" },
	{ "bare LF line ends", "a\nb \n\n", "a\r\nb\r\n" },
	{ "missing final line end added", "last", "last\r\n" },
	{ "lone CR is data", "a\rb\r\n", "a\rb\r\n" },
};

static const struct canon_case header_cases[] = {
	{ "name lower-cased, runs squeezed", "Subject: Hello   World  \r\n", "subject:Hello World\r\n" },
	{ "WSP around the colon", "SUBJECT \t:  x", "subject:x\r\n" },
	{ "folded value unfolded", "Subject: a\r\n\tb\r\n  c\r\n", "subject:a b c\r\n" },
	{ "value starting on the next line", "To:\r\n  x@y\r\n", "to:x@y\r\n" },
	{ "bare LF folding", "Subject: a\n b\n", "subject:a b\r\n" },
	{ "empty value", "X-Empty:\r\n", "x-empty:\r\n" },
	{ "name case mixed", "mEsSaGe-Id: <1@x>\r\n", "message-id:<1@x>\r\n" },
};

/* Runs one table case through a canonicaliser and compares the bytes. */
static void assert_canon(char *(*canon)(const char *, size_t, size_t *), const struct canon_case *c)
{
	size_t len;
	char *out = canon(c->in, strlen(c->in), &len);

	ck_assert_msg(len == strlen(c->out) && memcmp(out, c->out, len) == 0, "%s: got \"%s\"", c->situation, out);
	free(out);
}

START_TEST(test_dkim_canon_body) { assert_canon(dkim_canon_body_relaxed, &body_cases[_i]); }
END_TEST

START_TEST(test_dkim_canon_header) { assert_canon(dkim_canon_header_relaxed, &header_cases[_i]); }
END_TEST

/* RFC 6376 3.4.4 errata 1384: an empty body hashes "", with or without the
 * blank line that separates it, and a body of blank lines too. */
START_TEST(test_dkim_empty_body_hash)
{
	static const char *const msgs[] = { "From: a@b\r\n\r\n", "From: a@b\r\n", "From: a@b\r\n\r\n\r\n\r\n",
					    "From: a@b\n\n \n" };

	for (size_t i = 0; i < N_ELEMENTS(msgs); i++) {
		char *bh = dkim_body_hash(msgs[i], strlen(msgs[i]));

		ck_assert_str_eq(bh, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
		free(bh);
	}
}
END_TEST

/* ---- which header instances are signed ----
 * Ed25519 is deterministic: equal b= means equal hashed data. */
#define SIMPLE_HEAD "DKIM-Signature: v=1; a=ed25519-sha256; d=x.example; s=s; h=any; bh=x; b="

static char *b_of(const char *msg, const char *const *h)
{
	struct dkim_key *key = load_pem(rfc_ed_pem);
	char *err = NULL, *b = dkim_sign_header(key, SIMPLE_HEAD, h, msg, strlen(msg), &err);

	ck_assert_msg(b != NULL, "%s", err);
	dkim_key_free(&key);
	return b;
}

struct same_case {
	const char *situation, *msg1, *msg2;
	const char *const *h1, *const *h2;
	bool same;
};

static const char *const h_from[] = { "from", NULL };
static const char *const h_from2[] = { "from", "from", NULL };
static const char *const h_from_to[] = { "from", "to", NULL };
static const char *const h_from_subj[] = { "from", "subject", NULL };
static const char *const h_from_subj2[] = { "from", "subject", "subject", NULL };

static const struct same_case same_cases[] = {
	{ "header name case", "From: a@b\r\n\r\nx\r\n", "FROM: a@b\r\n\r\nx\r\n", h_from, h_from, true },
	{ "folding and whitespace", "From: A <a@b>\r\n\r\n", "From:A\r\n \t<a@b>  \r\n\r\n", h_from, h_from, true },
	{ "a value change", "From: a@b\r\n\r\n", "From: a@c\r\n\r\n", h_from, h_from, false },
	{ "the body is not in b= (only in bh=)", "From: a@b\r\n\r\nx\r\n", "From: a@b\r\n\r\ny\r\n", h_from, h_from, true },
	{ "unlisted headers are not signed", "From: a@b\r\nX: 1\r\n\r\n", "X: 2\r\nFrom: a@b\r\n\r\n", h_from, h_from, true },
	{ "one name signs the bottom instance", "From: a@b\r\nSubject: 1\r\nSubject: 2\r\n\r\n",
	  "From: a@b\r\nSubject: 2\r\n\r\n", h_from_subj, h_from_subj, true },
	{ "two names sign bottom-up, order matters", "From: a@b\r\nSubject: 1\r\nSubject: 2\r\n\r\n",
	  "From: a@b\r\nSubject: 2\r\nSubject: 1\r\n\r\n", h_from_subj2, h_from_subj2, false },
	{ "only the order within a name matters", "From: a@b\r\nSubject: 1\r\nSubject: 2\r\n\r\n",
	  "Subject: 1\r\nFrom: a@b\r\nSubject: 2\r\n\r\n", h_from_subj2, h_from_subj2, true },
	{ "a missing header in h= adds nothing", "From: a@b\r\n\r\n", "From: a@b\r\n\r\n", h_from_to, h_from, true },
	{ "a header added later breaks a signed absence", "From: a@b\r\n\r\n", "To: c@d\r\nFrom: a@b\r\n\r\n",
	  h_from_to, h_from_to, false },
	{ "over-signed From: one From signs as one", "From: a@b\r\n\r\n", "From: a@b\r\n\r\n", h_from2, h_from, true },
	{ "over-signed From: a prepended From breaks it", "From: a@b\r\n\r\n", "From: evil@x\r\nFrom: a@b\r\n\r\n",
	  h_from2, h_from2, false },
	{ "bare LF and CRLF messages sign alike", "From: a@b\nSubject: s\n t\n\nx\n",
	  "From: a@b\r\nSubject: s\r\n t\r\n\r\nx\r\n", h_from_subj, h_from_subj, true },
};

START_TEST(test_dkim_signed_instances)
{
	const struct same_case *c = &same_cases[_i];
	char *b1 = b_of(c->msg1, c->h1), *b2 = b_of(c->msg2, c->h2);

	ck_assert_msg((strcmp(b1, b2) == 0) == c->same, "%s", c->situation);
	free(b1);
	free(b2);
}
END_TEST

/* ---- the DKIM-Signature field dkim_sign() writes ---- */
static char *strip_wsp(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Lines of at most 78 columns, continuations start with one SP, CRLF only. */
static void assert_folded(const char *field)
{
	const char *line = field;

	for (const char *p = field; *p != '\0'; p++) {
		ck_assert_msg(*p != '\n' || (p > field && p[-1] == '\r'), "bare LF");
		ck_assert_msg(*p != '\r' || p[1] == '\n', "bare CR");
		if (*p != '\n')
			continue;
		ck_assert_msg(p - 1 - line <= 78, "line of %d columns", (int)(p - 1 - line));
		line = p + 1;
		if (*line != '\0')
			ck_assert_msg(line[0] == ' ' && line[1] != ' ' && line[1] != '\t', "bad continuation");
	}
	ck_assert_msg(*line == '\0', "not ending in CRLF");
}

START_TEST(test_dkim_sign_layout)
{
	struct dkim_key *key = load_pem(rfc_sigs[_i].pem);
	struct dkim_sign_params p = { "football.example.com", "brisbane", key, 1528637909, NULL };
	char *err = NULL, *sig = dkim_sign(&p, rfc_msg, strlen(rfc_msg), &err);
	char *flat, *expect, *head, *b;

	ck_assert_msg(sig != NULL, "%s", err);
	assert_folded(sig);
	ck_assert_msg(strncmp(sig, "DKIM-Signature: v=1; a=", 23) == 0, "%s", sig);
	flat = strip_wsp(sig);
	expect = malloc(512);
	snprintf(expect, 512,
		 "DKIM-Signature:v=1;a=%s;c=relaxed/relaxed;d=football.example.com;s=brisbane;t=1528637909;"
		 "h=from:from:to:to:cc:cc:subject:subject:date:message-id:reply-to:reply-to:in-reply-to:"
		 "references:content-type:content-type:content-transfer-encoding:mime-version;bh=" RFC_BH ";b=",
		 dkim_alg_name(dkim_key_alg(key)));
	ck_assert_msg(strncmp(flat, expect, strlen(expect)) == 0, "%s", flat);
	/* b= covers exactly the field as written, folding included */
	head = strndup(sig, (size_t)(strstr(sig, " b=") + 3 - sig));
	b = dkim_sign_header(key, head, dkim_signed_headers, rfc_msg, strlen(rfc_msg), &err);
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_str_eq(flat + strlen(expect), b);
	free(sig);
	free(flat);
	free(expect);
	free(head);
	free(b);
	dkim_key_free(&key);
}
END_TEST

START_TEST(test_dkim_sign_refuses)
{
	static const char *const h_to[] = { "to", NULL };
	struct dkim_key *key = load_pem(rfc_ed_pem);
	struct dkim_sign_params bad_d = { "x; l=1", "s", key, 0, NULL }, bad_s = { "x.example", "", key, 0, NULL };
	struct dkim_sign_params no_from = { "x.example", "s", key, 0, h_to };
	char *err = NULL;

	ck_assert_ptr_null(dkim_sign(&bad_d, rfc_msg, strlen(rfc_msg), &err));
	ck_assert_msg(strstr(err, "x; l=1") != NULL, "%s", err);
	free(err);
	ck_assert_ptr_null(dkim_sign(&bad_s, rfc_msg, strlen(rfc_msg), &err));
	free(err);
	ck_assert_ptr_null(dkim_sign(&no_from, rfc_msg, strlen(rfc_msg), &err));
	ck_assert_msg(strstr(err, "From") != NULL, "%s", err);
	free(err);
	ck_assert_ptr_null(dkim_key_load_pem("not a key", 9, &err));
	free(err);
	dkim_key_free(&key);
}
END_TEST

/* ---- keys on disk ---- */
static char *tmp_path(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

START_TEST(test_dkim_key_files)
{
	enum dkim_alg alg = _i == 0 ? DKIM_RSA_SHA256 : DKIM_ED25519_SHA256;
	char dir[] = "/tmp/test-dkim.XXXXXX", *err = NULL;
	char *path, *rec, *rec2, *pub, *prefix;
	struct dkim_key *key, *back;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = tmp_path(dir, "k.pem");
	key = dkim_key_generate(alg, &err);
	ck_assert_msg(key != NULL, "%s", err);
	ck_assert_int_eq(dkim_key_alg(key), alg);
	ck_assert_msg(dkim_key_write_file(key, path, &err) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* never overwritten */
	ck_assert_int_eq(dkim_key_write_file(key, path, &err), -1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	free(err);
	back = dkim_key_load_file(path, &err);
	ck_assert_msg(back != NULL, "%s", err);
	rec = dkim_key_record(key);
	rec2 = dkim_key_record(back);
	ck_assert_str_eq(rec, rec2);
	pub = dkim_key_public_b64(key);
	/* RSA-2048 SubjectPublicKeyInfo is 294 bytes, Ed25519 raw 32 */
	ck_assert_uint_eq(strlen(pub), alg == DKIM_RSA_SHA256 ? 392 : 44);
	prefix = malloc(strlen(pub) + 64);
	sprintf(prefix, "v=DKIM1; k=%s; p=%s", alg == DKIM_RSA_SHA256 ? "rsa" : "ed25519", pub);
	ck_assert_str_eq(rec, prefix);
	/* a key others can read is refused, naming file and mode */
	ck_assert_int_eq(chmod(path, 0644), 0);
	dkim_key_free(&back);
	back = dkim_key_load_file(path, &err);
	ck_assert_ptr_null(back);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "0644") != NULL, "%s", err);
	free(err);
	unlink(path);
	rmdir(dir);
	free(path);
	free(rec);
	free(rec2);
	free(pub);
	free(prefix);
	dkim_key_free(&key);
}
END_TEST

START_TEST(test_dkim_key_dir_check)
{
	char dir[] = "/tmp/test-dkim.XXXXXX", *err = NULL, *file;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(dkim_key_dir_check(dir, &err) == 0, "%s", err);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(dkim_key_dir_check(dir, &err), -1);
	ck_assert_msg(strstr(err, dir) != NULL && strstr(err, "0755") != NULL && strstr(err, "chmod 700") != NULL,
		      "%s", err);
	free(err);
	file = tmp_path(dir, "f");
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(dkim_key_dir_check(file, &err), -1);
	ck_assert_msg(strstr(err, "not a directory") != NULL, "%s", err);
	free(err);
	unlink(file);
	rmdir(dir);
	ck_assert_int_eq(dkim_key_dir_check(dir, &err), -1);
	ck_assert_msg(strstr(err, dir) != NULL, "%s", err);
	free(err);
	free(file);
}
END_TEST

/* ---- alignment ---- */
struct align_case {
	const char *from, *d;
	bool aligned;
};

static const struct align_case align_cases[] = {
	{ "help.acme.example", "acme.example", true },
	{ "acme.example", "mail.acme.example", true },
	{ "Help.ACME.example", "acme.EXAMPLE.", true },
	{ "acme.example", "other.example", false },
	{ "shop.example.co.uk", "example.co.uk", true },
	{ "example.co.uk", "other.co.uk", false },
	{ "co.uk", "example.co.uk", false },
	{ "foo.github.io", "bar.github.io", false },
	{ "www.foo.github.io", "foo.github.io", true },
	{ "acme.example", "", false },
	{ "", "", false },
	{ "a..example", "a..example", false },
};

START_TEST(test_dkim_aligned)
{
	const struct align_case *c = &align_cases[_i];

	ck_assert_msg(dkim_aligned(c->from, c->d) == c->aligned, "%s / %s", c->from, c->d);
	ck_assert_msg(dkim_aligned(c->d, c->from) == c->aligned, "%s / %s reversed", c->d, c->from);
}
END_TEST

START_TEST(test_dkim_org_domain)
{
	static const char *const cases[][2] = {
		{ "help.acme.example", "acme.example" }, { "A.B.Example.CO.UK", "example.co.uk" },
		{ "x.foo.github.io", "foo.github.io" }, { "co.uk", NULL }, { "github.io", NULL }, { "", NULL },
	};

	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *org = dkim_org_domain(cases[i][0]);

		if (cases[i][1] == NULL)
			ck_assert_msg(org == NULL, "%s gave %s", cases[i][0], org);
		else
			ck_assert_msg(org != NULL && strcmp(org, cases[i][1]) == 0, "%s gave %s", cases[i][0], org);
		free(org);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc = tcase_create("dkim");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60); /* RSA key generation */
	tcase_add_loop_test(tc, test_dkim_rfc8463_signatures, 0, N_ELEMENTS(rfc_sigs));
	tcase_add_loop_test(tc, test_dkim_canon_body, 0, N_ELEMENTS(body_cases));
	tcase_add_loop_test(tc, test_dkim_canon_header, 0, N_ELEMENTS(header_cases));
	tcase_add_test(tc, test_dkim_empty_body_hash);
	tcase_add_loop_test(tc, test_dkim_signed_instances, 0, N_ELEMENTS(same_cases));
	tcase_add_loop_test(tc, test_dkim_sign_layout, 0, N_ELEMENTS(rfc_sigs));
	tcase_add_test(tc, test_dkim_sign_refuses);
	tcase_add_loop_test(tc, test_dkim_key_files, 0, 2);
	tcase_add_test(tc, test_dkim_key_dir_check);
	tcase_add_loop_test(tc, test_dkim_aligned, 0, N_ELEMENTS(align_cases));
	tcase_add_test(tc, test_dkim_org_domain);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
