/* lib/mime: decoded values of the messages in t/mime-corpus, the limits
 * (depth, parts, header size), hostile inputs that must never crash, and
 * parsing in several threads at once. */
#include "config.h"

#include "mime/mime.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Reads t/mime-corpus/name from the source tree. */
static char *corpus_read(const char *name, size_t *len_r)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/t/mime-corpus/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	free(path);
	return buf_steal(&b, len_r);
}

/* Strict UTF-8 check written independently of the code under test. */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned cp, n;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0)
			n = 1, cp = *p & 0x1F;
		else if ((*p & 0xF0) == 0xE0)
			n = 2, cp = *p & 0x0F;
		else if ((*p & 0xF8) == 0xF0)
			n = 3, cp = *p & 0x07;
		else
			return false;
		p++;
		for (unsigned i = 0; i < n; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (*p & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
	}
	return true;
}

/* Every string present and valid UTF-8, whatever the input was. */
static void assert_sane(const struct mime_message *m)
{
	const struct mime_address_list *lists[] = { &m->to, &m->cc, &m->reply_to };

	ck_assert_ptr_nonnull(m);
	ck_assert(utf8_ok(m->subject) && utf8_ok(m->header_block) && utf8_ok(m->text_body));
	ck_assert(utf8_ok(m->from.name) && utf8_ok(m->from.addr));
	ck_assert(m->html_body == NULL || utf8_ok(m->html_body));
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			ck_assert(utf8_ok(lists[l]->items[i].name) && utf8_ok(lists[l]->items[i].addr));
	for (size_t i = 0; i < m->n_attachments; i++) {
		ck_assert(utf8_ok(m->attachments[i].filename) && strlen(m->attachments[i].filename) <= 255);
		ck_assert(utf8_ok(m->attachments[i].content_type));
		ck_assert_ptr_nonnull(m->attachments[i].data);
	}
	for (size_t i = 0; i < m->n_references; i++)
		ck_assert(utf8_ok(m->references[i]));
}

/* Parses a corpus file and checks the invariants every result must meet. */
static struct mime_message *corpus_parse(const char *name)
{
	size_t len;
	char *raw = corpus_read(name, &len);
	struct mime_message *m = mime_parse(raw, len);

	free(raw);
	assert_sane(m);
	return m;
}

static const struct corpus_case {
	const char *file, *subject, *from_name, *from_addr;
	const char *text;        /* exact text_body */
	unsigned defects;        /* exact defect mask */
	size_t n_attachments;
	const char *att0_filename; /* filename of the first attachment, NULL: unchecked */
} corpus_cases[] = {
	{ "plain-utf8.eml", "Grüße aus Köln", "Ann Example", "Ann.Example@example.org",
	  "Hello Bob,\n\nGrüße aus Köln — 日本語 too.\n", 0, 0, NULL },
	{ "subject-q-latin1.eml", "Café crème", "Jürgen Müller", "jm@example.de", "plain ascii body\n", 0, 0, NULL },
	{ "subject-b-utf8-split.eml", "Re: € hello and Grüße", "", "sender@example.com", "body\n", 0, 0, NULL },
	{ "rfc2231-filename.eml", "files", "", "sender@example.com", "see attached", 0, 3, "résumé.txt" },
	{ "8bit-filename.eml", "raw 8-bit filename", "", "a@example.com", "see attached", MIME_DEFECT_8BIT_HEADER, 1,
	  "résumé.txt" },
	{ "unknown-charset.eml", "unknown charset", "", "a@example.com", "ascii text in a charset nobody knows\n",
	  MIME_DEFECT_BAD_CHARSET, 0, NULL },
	{ "iso-2022-jp.eml", "お問い合わせ", "", "sender@example.jp",
	  "こんにちは、世界。お問い合わせありがとうございます。\n", 0, 0, NULL },
	{ "gb2312.eml", "你好", "", "sender@example.cn", "你好，世界。感谢您的来信，我们会尽快回复。\n", 0, 0, NULL },
	{ "cp1252-as-ascii.eml", "facture", "", "sender@example.fr",
	  "Bonjour,\nLe prix est de 50 €. Merci pour votre réponse rapide, à bientôt.\nCordialement, Hélène\n",
	  MIME_DEFECT_BAD_CHARSET, 0, NULL },
	{ "8bit-header.eml", "Café crème", "Jürgen", "j@example.de", "Grüße\n", MIME_DEFECT_8BIT_HEADER, 0, NULL },
	{ "8bit-header-nohint.eml", "Café crème brûlée à la française", "", "sender@example.de", "plain body\n",
	  MIME_DEFECT_8BIT_HEADER, 0, NULL },
	{ "html-only.eml", "newsletter", "", "news@example.com",
	  "Hello wörld & friends!\n\n- first item\n- second item\n\nline one\nline two\nVisit our site today.", 0, 0, NULL },
	{ "alternative.eml", "alternative", "", "sender@example.com", "Plain version", 0, 0, NULL },
	{ "attachment-base64.eml", "attachment", "", "sender@example.com", "See the attachment.", 0, 2, "hello.pdf" },
	{ "bad-base64.eml", "bad base64", "", "sender@example.com", "body text", MIME_DEFECT_BAD_ENCODING, 1,
	  "broken.bin" },
	{ "missing-boundary.eml", "truncated multipart", "", "sender@example.com", "first part text",
	  MIME_DEFECT_MISSING_BOUNDARY, 1, NULL },
	{ "multipart-no-boundary.eml", "no boundary parameter", "", "sender@example.com",
	  "text that ended up in the prologue\n", MIME_DEFECT_MISSING_BOUNDARY, 0, NULL },
	{ "forwarded.eml", "Fwd: inner", "", "sender@example.com", "Forwarding this.", 0, 1, "inner.eml" },
	{ "utf8-broken.eml", "broken utf-8", "", "sender@example.com", "café \xEF\xBF\xBD naïve\n",
	  MIME_DEFECT_BAD_CHARSET, 0, NULL },
	{ "latin1-labelled-utf8.eml", "latin-1 labelled utf-8", "", "sender@example.com",
	  "Le café est très bon, merci beaucoup pour la réponse détaillée.\n", MIME_DEFECT_BAD_CHARSET, 0, NULL },
	{ "qp-soft-breaks.eml", "qp", "", "sender@example.com", "This line is soft broken and has an accent: été.\n",
	  0, 0, NULL },
	{ "bad-date-address.eml", "broken fields", "", "", "body\n", MIME_DEFECT_BAD_ADDRESS | MIME_DEFECT_BAD_DATE, 0, NULL },
	{ "no-headers.eml", "", "", "", "Hello there,\nthis message has no header section at all.\n",
	  MIME_DEFECT_UNPARSEABLE | MIME_DEFECT_NO_HEADERS | MIME_DEFECT_BAD_DATE, 0, NULL },
	{ "tnef.eml", "TNEF with two files", "Outlook User", "outlook@example.com",
	  "Please see the attached files.", 0, 3, "winmail.dat" },
	{ "tnef-bad.eml", "TNEF cut short", "Outlook User", "outlook@example.com",
	  "Please see the attached files.", MIME_DEFECT_BAD_TNEF, 1, "winmail.dat" },
};
#define N_CORPUS (sizeof corpus_cases / sizeof corpus_cases[0])

START_TEST(corpus_message_decodes_to_expected_values)
{
	const struct corpus_case *c = &corpus_cases[_i];
	struct mime_message *m = corpus_parse(c->file);
	char got[256], want[256];

	ck_assert_str_eq(m->subject, c->subject);
	ck_assert_str_eq(m->from.name, c->from_name);
	ck_assert_str_eq(m->from.addr, c->from_addr);
	ck_assert_str_eq(m->text_body, c->text);
	ck_assert_msg(m->defects == c->defects, "%s: defects [%s], want [%s]", c->file,
		      mime_defects_str(m->defects, got, sizeof got), mime_defects_str(c->defects, want, sizeof want));
	ck_assert_uint_eq(m->n_attachments, c->n_attachments);
	if (c->att0_filename != NULL)
		ck_assert_str_eq(m->attachments[0].filename, c->att0_filename);
	mime_message_free(&m);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(headers_give_addresses_date_ids_and_raw_block)
{
	struct mime_message *m = corpus_parse("plain-utf8.eml");

	ck_assert_uint_eq(m->to.n, 2);
	ck_assert_str_eq(m->to.items[0].name, "Bob");
	ck_assert_str_eq(m->to.items[0].addr, "bob@example.com");
	ck_assert_str_eq(m->to.items[1].addr, "carol@example.net");
	ck_assert_uint_eq(m->cc.n, 2); /* the group is flattened */
	ck_assert_str_eq(m->cc.items[0].addr, "dave@example.com");
	ck_assert_str_eq(m->cc.items[1].name, "Eve E.");
	ck_assert_uint_eq(m->reply_to.n, 1);
	ck_assert_str_eq(m->reply_to.items[0].addr, "support@example.org");
	ck_assert_int_eq(m->date, 1704099600);
	ck_assert_str_eq(m->message_id, "msg-1@example.org");
	ck_assert_str_eq(m->in_reply_to, "parent@example.org");
	ck_assert_uint_eq(m->n_references, 2);
	ck_assert_str_eq(m->references[0], "root@example.org");
	ck_assert_str_eq(m->references[1], "parent@example.org");
	ck_assert(strncmp(m->header_block, "From: \"Ann Example\"", 19) == 0);
	ck_assert_ptr_nonnull(strstr(m->header_block, "\nSubject: Grüße aus Köln\n"));
	ck_assert_ptr_null(strstr(m->header_block, "Hello Bob"));
	ck_assert_ptr_null(m->html_body);
	mime_message_free(&m);
}
END_TEST

/* An author who is not one mailbox must be visible: two From fields, or
 * one From listing two mailboxes, both count 2 (agent replies need 1). */
START_TEST(from_count_counts_every_from_mailbox)
{
	static const struct {
		const char *raw;
		size_t count;
		const char *first;
	} cases[] = {
		{ "From: Ana <ana@acme.example>\r\nSubject: x\r\n\r\nbody\r\n", 1, "ana@acme.example" },
		{ "From: ana@acme.example\r\nFrom: boss@acme.example\r\n\r\nbody\r\n", 2, "ana@acme.example" },
		{ "From: ana@acme.example, boss@acme.example\r\n\r\nbody\r\n", 2, "ana@acme.example" },
		{ "From: team: ana@acme.example, boss@acme.example;\r\n\r\nbody\r\n", 2, "ana@acme.example" },
		{ "Subject: no author\r\n\r\nbody\r\n", 0, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message *m = mime_parse(cases[i].raw, strlen(cases[i].raw));
		ck_assert_msg(m->from_count == cases[i].count, "case %zu: %zu", i, m->from_count);
		ck_assert_str_eq(m->from.addr, cases[i].first);
		mime_message_free(&m);
	}
}
END_TEST

START_TEST(base64_attachment_decoded_with_sha256_of_sha256sum)
{
	struct mime_message *m = corpus_parse("attachment-base64.eml");
	const struct mime_attachment *pdf = &m->attachments[0], *png = &m->attachments[1];
	/* printf 'Hello, attachment!\n' | sha256sum */
	static const char want[] = "18b1a582e91144e51b8c16931c8bcbb35002fdadbff5ac3cf4a4074836279ab8";
	char hex[65];

	ck_assert_str_eq(pdf->filename, "hello.pdf");
	ck_assert_str_eq(pdf->content_type, "application/pdf");
	ck_assert_ptr_null(pdf->content_id);
	ck_assert(!pdf->is_inline);
	ck_assert_uint_eq(pdf->size, 19);
	ck_assert(memcmp(pdf->data, "Hello, attachment!\n", 19) == 0);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", pdf->sha256[i]);
	ck_assert_str_eq(hex, want);
	mime_sha256_hex(pdf->data, pdf->size, hex);
	ck_assert_str_eq(hex, want);
	ck_assert_str_eq(png->content_type, "image/png");
	ck_assert_str_eq(png->content_id, "logo@example.com");
	ck_assert(png->is_inline);
	/* printf '\x89PNG\r\n\x1a\nfakeimage' | sha256sum */
	mime_sha256_hex(png->data, png->size, hex);
	ck_assert_str_eq(hex, "e8576083af442d5889e0ed9b4a707a007f0ada763f481615dbad81b69316541e");
	mime_message_free(&m);
}
END_TEST

START_TEST(rfc2231_filenames_decoded_and_sanitised)
{
	struct mime_message *m = corpus_parse("rfc2231-filename.eml");

	ck_assert_str_eq(m->attachments[0].filename, "résumé.txt");
	ck_assert_str_eq(m->attachments[0].content_type, "text/plain");
	ck_assert_str_eq(m->attachments[1].filename, "€-report.pdf");
	ck_assert_str_eq(m->attachments[2].filename, "_.._etc_passwd");
	ck_assert_uint_eq(m->attachments[2].size, 4);
	mime_message_free(&m);
}
END_TEST

/* Found by fuzz-mime: a long name cut at 255 bytes just before spaces
 * kept them at its end, so sanitising the name again changed it. */
START_TEST(filename_cut_before_spaces_is_a_fixed_point)
{
	char name[400], *once, *twice;

	memset(name, 'a', 250);
	memcpy(name + 250, "-b1           tail", sizeof("-b1           tail"));
	once = mime_filename_sanitise(name);
	ck_assert_uint_eq(strlen(once), 253);
	ck_assert_int_ne(once[strlen(once) - 1], ' ');
	twice = mime_filename_sanitise(once);
	ck_assert_str_eq(twice, once);
	free(twice);
	free(once);
}
END_TEST

START_TEST(html_only_text_drops_script_style_and_head)
{
	struct mime_message *m = corpus_parse("html-only.eml");

	ck_assert_ptr_null(strstr(m->text_body, "evil"));
	ck_assert_ptr_null(strstr(m->text_body, "Title text"));
	ck_assert_ptr_null(strstr(m->text_body, "color"));
	ck_assert_ptr_nonnull(strstr(m->text_body, "\n- first item\n- second item\n"));
	ck_assert_ptr_nonnull(strstr(m->text_body, "line one\nline two"));
	ck_assert_ptr_nonnull(m->html_body);
	ck_assert_ptr_nonnull(strstr(m->html_body, "<script>alert(\"evil script\");</script>"));
	ck_assert_ptr_nonnull(strstr(m->html_body, "w\xC3\xB6rld")); /* the meta charset is ignored */
	mime_message_free(&m);
}
END_TEST

/* Found by fuzz-mime: a CR run before an LF ("\r\r\n") left a CR LF
 * pair in text_body, which mime.h promises has LF line ends only. */
START_TEST(cr_runs_before_lf_leave_no_crlf)
{
	static const char raw[] = "From: a@b.example\r\nSubject: s\r\n\r\none\r\r\ntwo\r\r\r\nthree\rfour\r\n";
	struct mime_message *m = mime_parse(raw, sizeof(raw) - 1);

	ck_assert_ptr_null(strstr(m->text_body, "\r\n"));
	ck_assert_str_eq(m->text_body, "one\ntwo\nthree\rfour\n");
	mime_message_free(&m);
}
END_TEST

START_TEST(alternative_prefers_text_plain_listed_after_html)
{
	struct mime_message *m = corpus_parse("alternative.eml");

	ck_assert_str_eq(m->text_body, "Plain version");
	ck_assert_str_eq(m->html_body, "<p>HTML version</p>");
	ck_assert_uint_eq(m->n_attachments, 0);
	mime_message_free(&m);
}
END_TEST

START_TEST(forwarded_message_kept_whole_as_rfc822_attachment)
{
	struct mime_message *m = corpus_parse("forwarded.eml");
	const struct mime_attachment *a = &m->attachments[0];
	char *data = xstrndup((const char *)a->data, a->size);

	ck_assert_str_eq(a->content_type, "message/rfc822");
	ck_assert_str_eq(a->filename, "inner.eml");
	ck_assert_ptr_nonnull(strstr(data, "Subject: Inner subject"));
	ck_assert_ptr_nonnull(strstr(data, "Inner body text"));
	ck_assert_ptr_null(strstr(m->text_body, "Inner body"));
	free(data);
	mime_message_free(&m);
}
END_TEST

START_TEST(nul_bytes_flagged_and_dropped_from_text)
{
	static const char raw[] = "From: a@example.com\nSubject: nul\n\nbefore\0after\n";
	struct mime_message *m = mime_parse(raw, sizeof raw - 1);

	assert_sane(m);
	ck_assert(m->defects & MIME_DEFECT_NUL_BYTES);
	ck_assert_str_eq(m->text_body, "beforeafter\n");
	mime_message_free(&m);
}
END_TEST

/* A message with depth nested multiparts and a text part innermost. */
static char *nested_message(int depth, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n");
	for (int i = 0; i < depth; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	buf_append_str(&b, "Content-Type: text/plain\n\ninnermost\n");
	for (int i = depth - 1; i >= 0; i--)
		buf_printf(&b, "--b%d--\n", i);
	return buf_steal(&b, len_r);
}

START_TEST(nesting_past_32_levels_flags_too_deep)
{
	static const struct {
		int depth;
		bool too_deep;
	} cases[] = { { 32, false }, { 33, true }, { 1000, true }, { 5000, true } };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *raw = nested_message(cases[i].depth, &len);
		struct mime_message *m = mime_parse(raw, len);

		assert_sane(m);
		ck_assert_msg(!!(m->defects & MIME_DEFECT_TOO_DEEP) == cases[i].too_deep, "depth %d", cases[i].depth);
		ck_assert_str_eq(m->text_body, cases[i].too_deep ? "" : "innermost");
		ck_assert_str_eq(m->subject, "deep");
		mime_message_free(&m);
		free(raw);
	}
}
END_TEST

START_TEST(forward_chain_1000_deep_is_one_attachment)
{
	struct buf inner, b;
	struct mime_message *m;

	buf_init(&inner, 0);
	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		buf_printf(&inner, "From: x@example.com\nSubject: level %d\nContent-Type: message/rfc822\n\n", i);
	buf_append_str(&inner, "From: x@example.com\nSubject: innermost\n\ninner text\n");
	buf_printf(&b, "From: a@example.com\nSubject: chain\nContent-Type: multipart/mixed; boundary=z\n\n"
		   "--z\nContent-Type: text/plain\n\ntop\n--z\nContent-Type: message/rfc822\n\n%s--z--\n", inner.data);
	m = mime_parse(b.data, b.len);
	assert_sane(m);
	ck_assert_str_eq(m->text_body, "top");
	ck_assert_uint_eq(m->n_attachments, 1);
	ck_assert_str_eq(m->attachments[0].content_type, "message/rfc822");
	ck_assert(m->attachments[0].size > inner.len / 2);
	mime_message_free(&m);
	buf_free(&inner);
	buf_free(&b);
}
END_TEST

START_TEST(more_than_1000_parts_flags_too_many_parts)
{
	struct buf b;
	struct mime_message *m;

	buf_init(&b, 0);
	buf_append_str(&b, "From: a@example.com\nSubject: parts\nContent-Type: multipart/mixed; boundary=p\n\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "--p\nContent-Type: application/octet-stream\n\npart %d\n", i);
	buf_append_str(&b, "--p--\n");
	m = mime_parse(b.data, b.len);
	assert_sane(m);
	ck_assert(m->defects & MIME_DEFECT_TOO_MANY_PARTS);
	ck_assert_uint_eq(m->n_attachments, 999); /* 1000 parts counting the multipart */
	ck_assert(memcmp(m->attachments[998].data, "part 998", 8) == 0);
	mime_message_free(&m);
	buf_free(&b);
}
END_TEST

START_TEST(header_section_past_1mib_flags_header_too_long)
{
	struct buf b;
	struct mime_message *m;

	buf_init(&b, 0);
	buf_append_str(&b, "From: a@example.com\nSubject: long\n");
	while (b.len < 1100 * 1024)
		buf_append_str(&b, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	buf_append_str(&b, "\nbody\n");
	m = mime_parse(b.data, b.len);
	assert_sane(m);
	ck_assert(m->defects & MIME_DEFECT_HEADER_TOO_LONG);
	ck_assert_uint_le(strlen(m->header_block), 1024 * 1024);
	ck_assert_str_eq(m->subject, "long");
	ck_assert_str_eq(m->text_body, "body\n");
	mime_message_free(&m);
	buf_free(&b);
}
END_TEST

/* A message whose header name carries unit repeated n times, then tail. */
static struct mime_message *hostile_header_parse(const char *name, const char *unit, size_t n, const char *tail,
						 struct buf *value)
{
	struct buf b;
	struct mime_message *m;

	buf_init(value, 0);
	for (size_t i = 0; i < n; i++)
		buf_append_str(value, unit);
	buf_append_str(value, tail);
	buf_init(&b, 0);
	if (strcmp(name, "From") != 0)
		buf_append_str(&b, "From: a@example.com\n");
	buf_append_str(&b, name);
	buf_append_str(&b, ": ");
	buf_append(&b, value->data, value->len);
	buf_append_str(&b, "\n\nbody\n");
	m = mime_parse(b.data, b.len);
	assert_sane(m);
	buf_free(&b);
	return m;
}

/* 300 KB of encoded-word starts that never end: the text stays as it was
 * (this input cost seconds when every "=?" rescanned to the end). */
START_TEST(unterminated_encoded_words_stay_verbatim)
{
	static const char *const units[] = { "=?a?q?a", "=?", "=?utf-8?b?QUJD", "=?x?", "a=?b?Q?x" };
	struct buf v;

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		struct mime_message *m = hostile_header_parse("Subject", units[i], 300 * 1024 / strlen(units[i]), "", &v);
		ck_assert_msg(strcmp(m->subject, v.data) == 0, "%s: subject of %zu bytes, %.40s", units[i],
			      strlen(m->subject), m->subject);
		ck_assert_str_eq(m->text_body, "body\n");
		mime_message_free(&m);
		buf_free(&v);
	}
}
END_TEST

/* Tens of thousands of encoded-words in one run decode to one string. */
START_TEST(many_encoded_words_decode_to_their_text)
{
	struct buf v, want;
	struct mime_message *m = hostile_header_parse("Subject", "=?utf-8?q?a=C3=A9?= ", 45000, "end", &v);

	buf_init(&want, 0);
	for (int i = 0; i < 45000; i++)
		buf_append_str(&want, "a\xc3\xa9");
	buf_append_str(&want, " end");
	ck_assert_msg(strcmp(m->subject, want.data) == 0, "subject of %zu bytes", strlen(m->subject));
	mime_message_free(&m);
	buf_free(&v);
	m = hostile_header_parse("Subject", "=?utf-8?b?w6k=?==?iso-8859-1?q?=E9?=", 20000, "", &v);
	ck_assert_uint_eq(strlen(m->subject), 20000 * 4);
	ck_assert(memcmp(m->subject, "\xc3\xa9\xc3\xa9", 4) == 0);
	mime_message_free(&m);
	buf_free(&v);
	buf_free(&want);
}
END_TEST

/* Encoded-word starts nested inside one word that ends only at the very end:
 * one word whose text is everything between its "?Q?" and the final "?=". */
START_TEST(nested_encoded_word_starts_decode_as_one_word)
{
	struct buf v;
	struct mime_message *m = hostile_header_parse("Subject", "=?utf-8?q?a", 30000, "?=", &v);
	const char *unit = "=?utf-8?q?a";

	ck_assert_uint_eq(strlen(m->subject), v.len - strlen("=?utf-8?q?") - 2);
	ck_assert(m->defects & MIME_DEFECT_BAD_ENCODING); /* "=?u" is no Q escape */
	ck_assert(m->subject[0] == 'a' && strncmp(m->subject + 1, unit, strlen(unit)) == 0);
	mime_message_free(&m);
	buf_free(&v);
}
END_TEST

/* Address headers full of unterminated words still give the address (GMime
 * itself rescanned such a header from every "=?" in its loose mode). */
START_TEST(address_headers_with_unterminated_words_keep_the_address)
{
	static const char *const names[] = { "From", "Reply-To", "To", "Cc" };
	struct buf v;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct mime_message *m =
			hostile_header_parse(names[i], "=?a?q?a", 300 * 1024 / 7, " <x@example.org>", &v);
		if (i == 0)
			ck_assert_str_eq(m->from.addr, "x@example.org");
		ck_assert_str_eq(m->text_body, "body\n");
		mime_message_free(&m);
		buf_free(&v);
	}
}
END_TEST

START_TEST(empty_and_binary_inputs_yield_flagged_empty_message)
{
	unsigned want = MIME_DEFECT_UNPARSEABLE | MIME_DEFECT_NO_HEADERS;
	struct mime_message *m = mime_parse(NULL, 0);
	uint32_t x = 2463534242u;
	size_t len = 64 * 1024;
	char *junk = xmalloc(len);

	assert_sane(m);
	ck_assert_uint_eq(m->defects & want, want);
	ck_assert_str_eq(m->text_body, "");
	ck_assert_str_eq(m->header_block, "");
	mime_message_free(&m);
	m = mime_parse("", 0);
	ck_assert_uint_eq(m->defects & want, want);
	mime_message_free(&m);
	for (size_t i = 0; i < len; i++) { /* xorshift32: the same junk every run */
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		junk[i] = (char)(x >> 24);
	}
	junk[0] = '\x01';
	m = mime_parse(junk, len);
	assert_sane(m);
	ck_assert_uint_eq(m->defects & want, want);
	ck_assert_str_eq(m->subject, "");
	mime_message_free(&m);
	free(junk);
}
END_TEST

/* The same bytes with CRLF line ends. */
static char *to_crlf(const char *s, size_t len, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < len; i++)
		buf_append(&b, s[i] == '\n' ? "\r\n" : &s[i], s[i] == '\n' ? 2 : 1);
	return buf_steal(&b, len_r);
}

START_TEST(crlf_and_lf_inputs_give_the_same_text)
{
	const struct corpus_case *c = &corpus_cases[_i];
	size_t len, crlf_len;
	char *lf = corpus_read(c->file, &len), *crlf = to_crlf(lf, len, &crlf_len);
	struct mime_message *a = mime_parse(lf, len), *b = mime_parse(crlf, crlf_len);

	assert_sane(b);
	ck_assert_str_eq(a->text_body, b->text_body);
	ck_assert_str_eq(a->subject, b->subject);
	ck_assert_str_eq(a->from.addr, b->from.addr);
	ck_assert_uint_eq(a->defects, b->defects);
	ck_assert_uint_eq(a->n_attachments, b->n_attachments);
	ck_assert((a->html_body == NULL) == (b->html_body == NULL));
	if (a->html_body != NULL)
		ck_assert_str_eq(a->html_body, b->html_body);
	mime_message_free(&a);
	mime_message_free(&b);
	free(lf);
	free(crlf);
}
END_TEST

START_TEST(every_truncation_of_a_message_parses_sanely)
{
	static const char *const files[] = { "attachment-base64.eml", "html-only.eml", "rfc2231-filename.eml" };

	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		size_t len;
		char *raw = corpus_read(files[f], &len);
		for (size_t cut = 0; cut <= len; cut++) {
			char *prefix = xmalloc(cut + 1); /* exact size, so ASan sees overreads */
			memcpy(prefix, raw, cut);
			struct mime_message *m = mime_parse(prefix, cut);
			assert_sane(m);
			mime_message_free(&m);
			free(prefix);
		}
		free(raw);
	}
}
END_TEST

START_TEST(defects_str_names_flags_and_respects_size)
{
	char out[256], small[20];

	ck_assert_str_eq(mime_defects_str(0, out, sizeof out), "");
	ck_assert_str_eq(mime_defects_str(MIME_DEFECT_BAD_CHARSET | MIME_DEFECT_NUL_BYTES, out, sizeof out),
			 "bad-charset,nul-bytes");
	ck_assert_str_eq(mime_defects_str(0xfff, out, sizeof out),
			 "unparseable,no-headers,missing-boundary,bad-encoding,bad-charset,8bit-header,nul-bytes,"
			 "too-deep,too-many-parts,header-too-long,bad-address,bad-date");
	mime_defects_str(0xfff, small, sizeof small);
	ck_assert_str_eq(small, "unparseable");
	ck_assert_str_eq(mime_defects_str(MIME_DEFECT_BAD_TNEF | MIME_DEFECT_BAD_DATE, out, sizeof out),
			 "bad-date,bad-tnef");
}
END_TEST

START_TEST(filename_sanitise_removes_paths_controls_and_length)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ NULL, "" }, { "report.pdf", "report.pdf" }, { "../x", "_x" }, { "a\\b/c", "a_b_c" },
		{ "\x01" "evil\x7f.txt", "_evil_.txt" }, { ".hidden", "hidden" }, { " .. ", "" },
		{ "\xff.txt", "\xEF\xBF\xBD.txt" },
	};
	char *s, long_name[400];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = mime_filename_sanitise(cases[i].in);
		ck_assert_str_eq(s, cases[i].out);
		free(s);
	}
	memset(long_name, 'a', 300);
	strcpy(long_name + 300, ".pdf");
	s = mime_filename_sanitise(long_name);
	ck_assert_uint_eq(strlen(s), 255);
	ck_assert_str_eq(s + 251, ".pdf");
	free(s);
	for (int i = 0; i < 199; i++)
		memcpy(long_name + 2 * i, "\xC3\xA9", 2); /* é: a cut at 255 would split one */
	long_name[398] = '\0';
	s = mime_filename_sanitise(long_name);
	ck_assert_uint_eq(strlen(s), 254);
	ck_assert(utf8_ok(s));
	free(s);
}
END_TEST

/* Lowercase hex of an attachment's stored digest. */
static void attachment_sha_hex(const struct mime_attachment *a, char hex[65])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", a->sha256[i]);
}

START_TEST(tnef_files_become_attachments_with_names_sizes_and_sha256)
{
	struct mime_message *m = corpus_parse("tnef.eml");
	static const struct {
		const char *filename, *content_type, *sha256; /* sha256sum of the files `tnef` extracts */
		size_t size;
	} want[] = {
		{ "winmail.dat", "application/ms-tnef", "88df77335644a70e75a24218d01d0c97099a77f130c65a1054621867a1e68023",
		  503 },
		{ "Quarterly report.pdf", "application/pdf",
		  "e4f6334154c576e1157fd63bacd20c2f40716d1dfc3b0c31f0ae0b1d17062dca", 71 },
		{ "Übersicht 2024.csv", "text/csv", "4c2b95de4e3b971a2049595725db50e2df2602a69c4df6de4ceb8430e329f155", 31 },
	};
	char hex[65];

	ck_assert_uint_eq(m->n_attachments, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		ck_assert_str_eq(a->filename, want[i].filename);
		ck_assert_str_eq(a->content_type, want[i].content_type);
		ck_assert_uint_eq(a->size, want[i].size);
		attachment_sha_hex(a, hex);
		ck_assert_str_eq(hex, want[i].sha256);
		mime_sha256_hex(a->data, a->size, hex);
		ck_assert_str_eq(hex, want[i].sha256);
		ck_assert_ptr_null(a->content_id);
	}
	ck_assert(memcmp(m->attachments[1].data, "%PDF-1.4\n", 9) == 0);
	ck_assert(memcmp(m->attachments[2].data, "name;amount\nAnn;12,50\nJ\xFCrgen;7\n", 31) == 0);
	ck_assert(memcmp(m->attachments[0].data, "\x78\x9f\x3e\x22", 4) == 0);
	mime_message_free(&m);
}
END_TEST

/* The winmail.dat of tnef.eml, as decoded by the parser (it is checked
 * byte for byte against sha256sum in the test above). */
static unsigned char *tnef_sample(size_t *len_r)
{
	struct mime_message *m = corpus_parse("tnef.eml");
	unsigned char *data = xmalloc(m->attachments[0].size);

	ck_assert_uint_eq(m->attachments[0].size, 503);
	memcpy(data, m->attachments[0].data, m->attachments[0].size);
	*len_r = m->attachments[0].size;
	mime_message_free(&m);
	return data;
}

/* A single-part message whose body is the base64 of len bytes, under the
 * given Content-Type line. */
static char *tnef_mail(const unsigned char *p, size_t len, const char *content_type, size_t *len_r)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "From: a@example.com\nSubject: tnef\nDate: Mon, 8 Jan 2024 10:00:00 +0000\n"
		       "MIME-Version: 1.0\nContent-Type: %s\n"
		       "Content-Transfer-Encoding: base64\n\n", content_type);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=',
			      i + 2 < len ? b64[v & 63] : '=' };
		buf_append(&b, q, 4);
		if (i % 57 == 54)
			buf_append(&b, "\n", 1);
	}
	buf_append(&b, "\n", 1);
	return buf_steal(&b, len_r);
}

/* Parses a message carrying the len bytes at p as its only part. */
static struct mime_message *tnef_parse(const unsigned char *p, size_t len, const char *content_type)
{
	size_t mlen;
	char *raw = tnef_mail(p, len, content_type, &mlen);
	struct mime_message *m = mime_parse(raw, mlen);

	free(raw);
	assert_sane(m);
	ck_assert_uint_ge(m->n_attachments, 1);
	ck_assert_uint_eq(m->attachments[0].size, len);
	ck_assert(len == 0 || memcmp(m->attachments[0].data, p, len) == 0);
	return m;
}

START_TEST(tnef_found_by_vnd_type_or_name_and_its_body_used_as_text)
{
	static const char *const types[] = { "application/vnd.ms-tnef", "application/octet-stream; name=WINMAIL.DAT" };
	size_t len;
	unsigned char *tnef = tnef_sample(&len);

	for (size_t i = 0; i < 2; i++) {
		struct mime_message *m = tnef_parse(tnef, len, types[i]);
		ck_assert_uint_eq(m->defects, 0);
		ck_assert_uint_eq(m->n_attachments, 3);
		ck_assert_str_eq(m->attachments[1].filename, "Quarterly report.pdf");
		ck_assert_str_eq(m->text_body, "Hello from Outlook.\nThe figures are attached.\n");
		mime_message_free(&m);
	}
	free(tnef);
}
END_TEST

START_TEST(corrupt_tnef_flags_bad_tnef_and_keeps_the_raw_part)
{
	size_t len;
	unsigned char *tnef = tnef_sample(&len);
	struct mime_message *m;

	tnef[0x40] ^= 0x20; /* a byte of the message class: its checksum no longer matches */
	m = tnef_parse(tnef, len, "application/ms-tnef");
	ck_assert_uint_eq(m->defects, MIME_DEFECT_BAD_TNEF);
	ck_assert_uint_eq(m->n_attachments, 1);
	ck_assert_str_eq(m->attachments[0].content_type, "application/ms-tnef");
	ck_assert_str_eq(m->text_body, "");
	mime_message_free(&m);
	m = tnef_parse((const unsigned char *)"not a tnef stream", 17, "application/ms-tnef");
	ck_assert_uint_eq(m->defects, MIME_DEFECT_BAD_TNEF);
	ck_assert_uint_eq(m->n_attachments, 1);
	mime_message_free(&m);
	free(tnef);
}
END_TEST

/* Cut at every length, the sample decodes only where the cut falls between
 * two of its 13 attributes (after the 6-byte header or after one of the
 * first 12); everywhere else it is bad-tnef, and never a crash. */
START_TEST(every_truncation_of_a_tnef_is_bad_or_a_shorter_stream)
{
	size_t len, decoded = 0;
	unsigned char *tnef = tnef_sample(&len);

	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *prefix = xmalloc(cut ? cut : 1); /* exact size, so ASan sees overreads */
		memcpy(prefix, tnef, cut);
		struct mime_message *m = tnef_parse(prefix, cut, "application/ms-tnef");
		if (!(m->defects & MIME_DEFECT_BAD_TNEF)) {
			decoded++;
			ck_assert_uint_le(m->n_attachments, 3);
		} else {
			ck_assert_uint_eq(m->n_attachments, 1);
		}
		mime_message_free(&m);
		free(prefix);
	}
	ck_assert_uint_eq(decoded, 13);
	free(tnef);
}
END_TEST

/* Recomputes the checksum of every attribute, so a changed byte reaches
 * libytnef's decoders instead of failing the framing check. */
static void tnef_fix_checksums(unsigned char *p, size_t len)
{
	size_t off = 6;

	while (off + 11 <= len) {
		uint32_t alen = (uint32_t)p[off + 5] | (uint32_t)p[off + 6] << 8 | (uint32_t)p[off + 7] << 16 |
				(uint32_t)p[off + 8] << 24;
		unsigned sum = 0;
		if (alen > len - off - 11)
			return;
		for (uint32_t i = 0; i < alen; i++)
			sum += p[off + 9 + i];
		p[off + 9 + alen] = (unsigned char)sum;
		p[off + 10 + alen] = (unsigned char)(sum >> 8);
		off += 11 + alen;
	}
}

START_TEST(every_byte_of_a_tnef_changed_with_checksums_fixed_never_crashes)
{
	static const unsigned char values[] = { 0x00, 0xFF, 0x7F, 0x80, 0x01 };
	size_t len, bad = 0;
	unsigned char *tnef = tnef_sample(&len);

	for (size_t pos = 0; pos < len; pos++) {
		for (size_t v = 0; v < sizeof values; v++) {
			unsigned char *copy = xmalloc(len);
			memcpy(copy, tnef, len);
			copy[pos] = values[v];
			tnef_fix_checksums(copy, len);
			struct mime_message *m = tnef_parse(copy, len, "application/ms-tnef");
			bad += (m->defects & MIME_DEFECT_BAD_TNEF) != 0;
			ck_assert_uint_le(m->n_attachments, 3);
			mime_message_free(&m);
			free(copy);
		}
	}
	ck_assert_uint_gt(bad, 0);
	free(tnef);
}
END_TEST

/* Appends one TNEF attribute with its checksum ([MS-OXTNEF] 2.1.3.1). */
static void tnef_attr(struct buf *b, unsigned char level, uint32_t id, const void *data, uint32_t len)
{
	unsigned char head[9] = { level, id & 0xFF, (id >> 8) & 0xFF, (id >> 16) & 0xFF, id >> 24, len & 0xFF,
				  (len >> 8) & 0xFF, (len >> 16) & 0xFF, len >> 24 };
	unsigned sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += ((const unsigned char *)data)[i];
	buf_append(b, head, sizeof head);
	buf_append(b, data, len);
	buf_append(b, (unsigned char[]){ sum & 0xFF, (sum >> 8) & 0xFF }, 2);
}

/* A TNEF of a render-data attribute and up to two more attachment attributes. */
static unsigned char *tnef_build(const uint32_t ids[2], const unsigned char *const data[2], const uint32_t lens[2],
				 size_t *len_r)
{
	static const unsigned char rend[14] = { 1, 0 };
	struct buf b;

	buf_init(&b, 0);
	buf_append(&b, "\x78\x9f\x3e\x22\x01\x00", 6);
	tnef_attr(&b, 2, 0x00069002, rend, sizeof rend);
	for (size_t i = 0; i < 2 && data[i] != NULL; i++)
		tnef_attr(&b, ids[i] == 0x00069003 ? 1 : 2, ids[i], data[i], lens[i]);
	return (unsigned char *)buf_steal(&b, len_r);
}

/* MAPI blocks that libytnef refuses half-way (property counts past its
 * limit, an attribute repeated over what it built) are bad-tnef, not a crash
 * in its clean-up and not a leak; a refused message-level block alone loses
 * nothing, as the files do not need it. */
START_TEST(tnef_with_hostile_mapi_blocks_is_bad_tnef)
{
	static const unsigned char huge_count[] = { 0x88, 0x13, 0, 0, 0x1E, 0, 0x07, 0x37 }; /* 5000 properties */
	static const unsigned char one_prop[] = { 1, 0, 0, 0, 3, 0, 0x05, 0x37, 5, 0, 0, 0 }; /* PT_LONG method 5 */
	static const struct {
		uint32_t ids[2];
		const unsigned char *data[2];
		uint32_t lens[2];
		unsigned defects;
	} cases[] = {
		{ { 0x00069005 }, { huge_count }, { sizeof huge_count }, MIME_DEFECT_BAD_TNEF },
		{ { 0x00069003 }, { huge_count }, { sizeof huge_count }, 0 },
		{ { 0x00069005, 0x00069005 }, { one_prop, huge_count }, { sizeof one_prop, sizeof huge_count },
		  MIME_DEFECT_BAD_TNEF },
		{ { 0x0006800F, 0x0006800F }, { (const unsigned char *)"x", (const unsigned char *)"y" }, { 1, 1 },
		  MIME_DEFECT_BAD_TNEF },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t len;
		unsigned char *tnef = tnef_build(cases[c].ids, cases[c].data, cases[c].lens, &len);
		struct mime_message *m = tnef_parse(tnef, len, "application/ms-tnef");
		ck_assert_msg(m->defects == cases[c].defects, "case %zu: defects %#x", c, m->defects);
		ck_assert_uint_eq(m->n_attachments, 1);
		mime_message_free(&m);
		free(tnef);
	}
}
END_TEST

/* libytnef refuses MAPI values over 512 KiB; a message whose RTF body is
 * that big still gives its files. */
START_TEST(tnef_with_a_huge_message_property_still_gives_its_files)
{
	size_t len, rtf_len = 600 * 1024, mlen;
	unsigned char *tnef = tnef_sample(&len);
	unsigned char *props = xcalloc(1, 16 + rtf_len);
	struct buf b;

	memcpy(props, (const unsigned char[]){ 1, 0, 0, 0, 0x02, 0x01, 0x09, 0x10, 1, 0, 0, 0 }, 12); /* RTF_COMPRESSED */
	memcpy(props + 12, (const unsigned char[]){ rtf_len & 0xFF, (rtf_len >> 8) & 0xFF, rtf_len >> 16, 0 }, 4);
	buf_init(&b, 0);
	buf_append(&b, tnef, 6);
	tnef_attr(&b, 1, 0x00069003, props, (uint32_t)(16 + rtf_len));
	buf_append(&b, tnef + 6, len - 6);
	free(tnef);
	tnef = (unsigned char *)buf_steal(&b, &mlen);
	struct mime_message *m = tnef_parse(tnef, mlen, "application/ms-tnef");
	ck_assert_uint_eq(m->defects, 0);
	ck_assert_uint_eq(m->n_attachments, 3);
	ck_assert_str_eq(m->attachments[2].filename, "Übersicht 2024.csv");
	ck_assert_uint_eq(m->attachments[2].size, 31);
	mime_message_free(&m);
	free(tnef);
	free(props);
}
END_TEST

/* One thread's share of the concurrency test. */
struct thread_job {
	char *raw[N_CORPUS];
	size_t len[N_CORPUS];
	int mismatches;
};

/* Parses the whole corpus ten times, counting results that differ from the table. */
static void *thread_parse(void *arg)
{
	struct thread_job *job = arg;

	for (int round = 0; round < 10; round++) {
		for (size_t i = 0; i < N_CORPUS; i++) {
			struct mime_message *m = mime_parse(job->raw[i], job->len[i]);
			if (strcmp(m->text_body, corpus_cases[i].text) != 0 ||
			    strcmp(m->subject, corpus_cases[i].subject) != 0 || m->defects != corpus_cases[i].defects)
				job->mismatches++;
			mime_message_free(&m);
		}
	}
	return NULL;
}

START_TEST(parses_in_four_threads_match_the_expected_values)
{
	struct thread_job job = { .mismatches = 0 };
	struct thread_job jobs[4];
	pthread_t tid[4];

	for (size_t i = 0; i < N_CORPUS; i++)
		job.raw[i] = corpus_read(corpus_cases[i].file, &job.len[i]);
	for (int t = 0; t < 4; t++) {
		jobs[t] = job;
		ck_assert_int_eq(pthread_create(&tid[t], NULL, thread_parse, &jobs[t]), 0);
	}
	for (int t = 0; t < 4; t++) {
		pthread_join(tid[t], NULL);
		ck_assert_int_eq(jobs[t].mismatches, 0);
	}
	for (size_t i = 0; i < N_CORPUS; i++)
		free(job.raw[i]);
}
END_TEST

/* Every test in one case: they share no state but the process-wide mime_init(). */
static Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, corpus_message_decodes_to_expected_values, 0, N_CORPUS);
	tcase_add_test(tc, headers_give_addresses_date_ids_and_raw_block);
	tcase_add_test(tc, from_count_counts_every_from_mailbox);
	tcase_add_test(tc, cr_runs_before_lf_leave_no_crlf);
	tcase_add_test(tc, base64_attachment_decoded_with_sha256_of_sha256sum);
	tcase_add_test(tc, rfc2231_filenames_decoded_and_sanitised);
	tcase_add_test(tc, filename_cut_before_spaces_is_a_fixed_point);
	tcase_add_test(tc, html_only_text_drops_script_style_and_head);
	tcase_add_test(tc, alternative_prefers_text_plain_listed_after_html);
	tcase_add_test(tc, forwarded_message_kept_whole_as_rfc822_attachment);
	tcase_add_test(tc, nul_bytes_flagged_and_dropped_from_text);
	tcase_add_test(tc, nesting_past_32_levels_flags_too_deep);
	tcase_add_test(tc, forward_chain_1000_deep_is_one_attachment);
	tcase_add_test(tc, more_than_1000_parts_flags_too_many_parts);
	tcase_add_test(tc, header_section_past_1mib_flags_header_too_long);
	tcase_add_test(tc, unterminated_encoded_words_stay_verbatim);
	tcase_add_test(tc, many_encoded_words_decode_to_their_text);
	tcase_add_test(tc, nested_encoded_word_starts_decode_as_one_word);
	tcase_add_test(tc, address_headers_with_unterminated_words_keep_the_address);
	tcase_add_test(tc, empty_and_binary_inputs_yield_flagged_empty_message);
	tcase_add_loop_test(tc, crlf_and_lf_inputs_give_the_same_text, 0, N_CORPUS);
	tcase_add_test(tc, every_truncation_of_a_message_parses_sanely);
	tcase_add_test(tc, defects_str_names_flags_and_respects_size);
	tcase_add_test(tc, filename_sanitise_removes_paths_controls_and_length);
	tcase_add_test(tc, tnef_files_become_attachments_with_names_sizes_and_sha256);
	tcase_add_test(tc, tnef_found_by_vnd_type_or_name_and_its_body_used_as_text);
	tcase_add_test(tc, corrupt_tnef_flags_bad_tnef_and_keeps_the_raw_part);
	tcase_add_test(tc, every_truncation_of_a_tnef_is_bad_or_a_shorter_stream);
	tcase_add_test(tc, every_byte_of_a_tnef_changed_with_checksums_fixed_never_crashes);
	tcase_add_test(tc, tnef_with_hostile_mapi_blocks_is_bad_tnef);
	tcase_add_test(tc, tnef_with_a_huge_message_property_still_gives_its_files);
	tcase_add_test(tc, parses_in_four_threads_match_the_expected_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	mime_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	mime_shutdown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
