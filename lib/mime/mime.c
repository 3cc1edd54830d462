/* mime_parse(): raw bytes in, plain C data out, never a failure. GMime
 * parses; everything it hands back is copied into malloc()ed UTF-8 strings
 * so no GLib type or allocator leaks out of the module. */
#include "config.h"

#include "mime/mime.h"
#include "mime/mime-private.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/xalloc.h"

static pthread_once_t mime_once = PTHREAD_ONCE_INIT;

/* A message that reaches every GMime class and code path mime_parse() uses
 * (multipart/signed, message/partial, pkcs7, forwarded message, encoded
 * words, raw 8-bit header, HTML). Parsed once at init so the lazy one-time
 * set-up behind them (GObject classes, iconv modules, uchardet and libxml2
 * tables) is done before threads could race for it. */
static const char warmup_message[] =
	"From: =?utf-8?q?J=C3=BCrgen?= <j@Example.org>, Team: a@example.org;\n"
	"To: b@example.org\nCc: c@example.org\nReply-To: d@example.org\n"
	"Subject: =?iso-8859-1?b?Q2Fm6Q==?= caf\xe9\nDate: Mon, 1 Jan 2024 10:00:00 +0100\n"
	"Message-ID: <w@example.org>\nIn-Reply-To: <p@example.org>\nReferences: <r@example.org> <p@example.org>\n"
	"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n"
	"--m\nContent-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\n\n"
	"--s\nContent-Type: multipart/alternative; boundary=a\n\n"
	"--a\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9\n"
	"--a\nContent-Type: text/html; charset=utf-8\n\n<p>caf\xc3\xa9<br><ul><li>x</li></ul></p>\n--a--\n"
	"--s\nContent-Type: application/pgp-signature\n\nsig\n--s--\n"
	"--m\nContent-Type: application/pdf\nContent-Disposition: attachment; filename*=utf-8''r%C3%A9.pdf\n"
	"Content-Transfer-Encoding: base64\n\nSGVsbG8=\n"
	"--m\nContent-Type: image/png\nContent-ID: <i@example.org>\nContent-Disposition: inline\n\npng\n"
	"--m\nContent-Type: application/pkcs7-mime; name=smime.p7m\n\npkcs7\n"
	"--m\nContent-Type: message/partial; id=x; number=1\n\npartial\n"
	"--m\nContent-Type: message/rfc822\n\nFrom: e@example.org\nSubject: inner\n\ninner\n--m--\n";

/* GMime registers its types and charset tables here; libxml2 wants its
 * globals set up before threads use it. */
static void mime_init_once(void)
{
	struct mime_message *msg;

	g_mime_init();
	xmlInitParser();
	msg = mime_parse(warmup_message, sizeof warmup_message - 1);
	mime_message_free(&msg);
}

/* Safe to call more than once: the work happens once. */
void mime_init(void)
{
	pthread_once(&mime_once, mime_init_once);
}

/* Only for leak checkers at exit; GMime and libxml2 cannot be used after it. */
void mime_shutdown(void)
{
	g_mime_shutdown();
	xmlCleanupParser();
}

/* GMime's parser warnings, mapped to our defects. Called from whichever
 * thread runs the parse; touches only that parse's ctx. */
static void parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user_data)
{
	struct mime_ctx *ctx = user_data;

	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		ctx->msg->defects |= MIME_DEFECT_MISSING_BOUNDARY;
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		ctx->msg->defects |= MIME_DEFECT_TOO_DEEP;
		break;
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
		ctx->msg->defects |= MIME_DEFECT_8BIT_HEADER;
		break;
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		if (ctx->addr_parsing)
			ctx->msg->defects |= MIME_DEFECT_BAD_ADDRESS;
		break;
	default:
		break;
	}
}

/* Parser options of our own for every call: nothing global is changed. */
static GMimeParserOptions *parser_options_new(struct mime_ctx *ctx)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };
	GMimeParserOptions *o = g_mime_parser_options_new();

	g_mime_parser_options_set_fallback_charsets(o, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_STRICT);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_warning_callback(o, parser_warning, ctx);
	return o;
}

/* A message with every string present and empty. */
static struct mime_message *message_new(void)
{
	struct mime_message *msg = xcalloc(1, sizeof *msg);

	msg->from.name = xstrdup("");
	msg->from.addr = xstrdup("");
	msg->subject = xstrdup("");
	msg->header_block = xstrdup("");
	msg->text_body = xstrdup("");
	msg->content_type = xstrdup("text/plain");
	return msg;
}

/* What is left of a message GMime could not parse: its bytes as text. */
static void message_unparseable(struct mime_message *msg, const char *raw, size_t len)
{
	size_t tlen;

	msg->defects |= MIME_DEFECT_UNPARSEABLE | MIME_DEFECT_NO_HEADERS | MIME_DEFECT_BAD_DATE;
	free(msg->text_body);
	msg->text_body = mime_text_to_utf8(raw, len, NULL, &msg->defects, &tlen);
	mime_crlf_to_lf(msg->text_body, tlen);
}

/* GMime's view of the bytes, or NULL. A header section past the limit is
 * cut at a line end before GMime sees it: GMime grows its header buffer a
 * line at a time, which is quadratic on huge folded headers. */
static GMimeMessage *gmime_parse(struct mime_ctx *ctx, const char *raw, size_t len, size_t header_len)
{
	GByteArray *bytes = g_byte_array_sized_new((guint)MIN(len, (size_t)G_MAXUINT));
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *gm;

	if (header_len > MIME_MAX_HEADER) {
		const char *nl = memrchr(raw, '\n', MIME_MAX_HEADER);
		size_t keep = nl ? (size_t)(nl - raw) + 1 : 0;
		g_byte_array_append(bytes, (const guint8 *)raw, (guint)keep);
		raw += header_len;
		len -= header_len;
	}
	g_byte_array_append(bytes, (const guint8 *)raw, (guint)len);
	stream = g_mime_stream_mem_new_with_byte_array(bytes); /* the stream owns bytes */
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, ctx->options);
	g_object_unref(parser);
	g_object_unref(stream);
	return gm;
}

/* Bodies once the walk is done: text from HTML when there was no
 * text/plain part, or the text of a multipart that never reached a part. */
static void bodies_finish(struct mime_ctx *ctx)
{
	struct mime_message *msg = ctx->msg;

	if (ctx->have_text)
		return;
	if (msg->html_body != NULL) {
		free(msg->text_body);
		msg->text_body = mime_html_to_text(msg->html_body, strlen(msg->html_body));
	} else if (ctx->prologue != NULL && (msg->defects & MIME_DEFECT_MISSING_BOUNDARY)) {
		free(msg->text_body);
		size_t tlen;
		msg->text_body = mime_text_to_utf8(ctx->prologue, strlen(ctx->prologue), NULL, &msg->defects, &tlen);
		mime_crlf_to_lf(msg->text_body, tlen);
	}
}

/* The top-level type, so a caller can tell a delivery report
 * (multipart/report) from mail that only carries its parts. */
static void top_type(struct mime_message *msg, GMimeMessage *gm)
{
	GMimeObject *top = g_mime_message_get_mime_part(gm);
	GMimeContentType *ct = top != NULL ? g_mime_object_get_content_type(top) : NULL;
	char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;

	if (t == NULL)
		return;
	free(msg->content_type);
	msg->content_type = xstrdup(t);
	for (char *p = msg->content_type; *p != '\0'; p++)
		*p = *p > 0x20 && *p < 0x7f ? (char)tolower((unsigned char)*p) : '?';
	g_free(t);
}

/* The first non-empty delivery-status part, parsed (mime.h); NULL when
 * there is none. */
static struct mime_dsn *dsn_parse(const struct mime_message *msg)
{
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const struct mime_attachment *a = &msg->attachments[i];

		if (mime_dsn_is_status_type(a->content_type))
			return a->size > 0 ? mime_dsn_parse((const char *)a->data, a->size) : NULL;
	}
	return NULL;
}

/* Order matters: the walk finds the body charset, which the header decoding
 * uses as its hint for raw 8-bit headers. */
struct mime_message *mime_parse(const char *raw, size_t len)
{
	struct mime_ctx ctx = { .msg = message_new() };
	GMimeMessage *gm;
	size_t header_len;
	bool has_headers;

	if (raw == NULL)
		raw = "", len = 0;
	if (memchr(raw, '\0', len) != NULL)
		ctx.msg->defects |= MIME_DEFECT_NUL_BYTES;
	header_len = mime_header_section_len(raw, len, &has_headers);
	if (!has_headers)
		ctx.msg->defects |= MIME_DEFECT_NO_HEADERS;
	ctx.options = parser_options_new(&ctx);
	gm = gmime_parse(&ctx, raw, len, header_len);
	if (gm == NULL) {
		message_unparseable(ctx.msg, raw, len);
	} else {
		top_type(ctx.msg, gm);
		mime_parts_walk(&ctx, g_mime_message_get_mime_part(gm));
		bodies_finish(&ctx);
		mime_headers_extract(&ctx, gm, raw, has_headers ? header_len : 0);
		g_object_unref(gm);
	}
	g_mime_parser_options_free(ctx.options);
	ctx.msg->fields_buf = mime_fields_split_spans(ctx.msg->header_block, &ctx.msg->fields, &ctx.msg->field_spans,
						       &ctx.msg->n_fields);
	ctx.msg->dsn = dsn_parse(ctx.msg);
	free(ctx.body_charset);
	free(ctx.prologue);
	return ctx.msg;
}

/* Frees the entries of a list (not the list struct, which is embedded). */
static void address_list_free(struct mime_address_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].addr);
	}
	free(l->items);
}

/* Everything in the struct is malloc()ed by this module. */
void mime_message_free(struct mime_message **msgp)
{
	struct mime_message *msg = msgp ? *msgp : NULL;

	if (msg == NULL)
		return;
	free(msg->from.name);
	free(msg->from.addr);
	address_list_free(&msg->to);
	address_list_free(&msg->cc);
	address_list_free(&msg->reply_to);
	free(msg->subject);
	free(msg->message_id);
	free(msg->in_reply_to);
	for (size_t i = 0; i < msg->n_references; i++)
		free(msg->references[i]);
	free(msg->references);
	free(msg->header_block);
	free(msg->fields);
	free(msg->field_spans);
	free(msg->fields_buf);
	mime_dsn_free(&msg->dsn);
	free(msg->text_body);
	free(msg->html_body);
	free(msg->content_type);
	for (size_t i = 0; i < msg->n_attachments; i++) {
		free(msg->attachments[i].filename);
		free(msg->attachments[i].content_type);
		free(msg->attachments[i].content_id);
		free(msg->attachments[i].data);
	}
	free(msg->attachments);
	free(msg);
	*msgp = NULL;
}

/* GLib's checksum: no OpenSSL needed in this module. */
void mime_sha256_hex(const void *data, size_t len, char out[65])
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

	g_checksum_update(sum, data, (gssize)len);
	g_strlcpy(out, g_checksum_get_string(sum), 65);
	g_checksum_free(sum);
}

static const char *const defect_names[] = {
	"unparseable", "no-headers", "missing-boundary", "bad-encoding", "bad-charset", "8bit-header",
	"nul-bytes", "too-deep", "too-many-parts", "header-too-long", "bad-address", "bad-date", "bad-tnef",
};

/* Names for logs and the database; a name that does not fit is left out whole. */
const char *mime_defects_str(unsigned mask, char *out, size_t out_size)
{
	size_t used = 0;

	if (out_size == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(defect_names); i++) {
		size_t n = strlen(defect_names[i]), sep = used > 0;
		if (!(mask & (1u << i)) || used + sep + n >= out_size)
			continue;
		if (sep)
			out[used++] = ',';
		memcpy(out + used, defect_names[i], n);
		used += n;
		out[used] = '\0';
	}
	return out;
}
