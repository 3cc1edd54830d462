/* The walk over GMime's part tree: the first text/plain and text/html parts
 * that are not attachments become the bodies, every other leaf becomes an
 * attachment (message/rfc822 parts too, serialised, without descending into
 * them). Depth and part count are capped here, so the walk's own recursion
 * is bounded whatever GMime built. */
#include "config.h"

#include "mime/mime-private.h"

#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

#define FILENAME_MAX_BYTES 255
#define EXTENSION_MAX_BYTES 16

static void part_walk(struct mime_ctx *ctx, GMimeObject *obj, int depth);

/* Copies a GMime memory stream's bytes into a malloc()ed, NUL-terminated
 * buffer and drops the stream. */
static unsigned char *stream_take(GMimeStream *mem, size_t *len_r)
{
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	size_t len = ba ? ba->len : 0;
	unsigned char *data = xmalloc(len + 1);

	if (len > 0)
		memcpy(data, ba->data, len);
	data[len] = '\0';
	*len_r = len;
	g_object_unref(mem);
	return data;
}

/* Base64 that GMime would decode by skipping junk: characters outside the
 * alphabet, data after padding, or a length no encoder produces. */
static bool base64_valid(const unsigned char *p, size_t len)
{
	size_t n = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if ((!g_ascii_isalnum(c) && c != '+' && c != '/') || pad > 0)
			return false;
		n++;
	}
	if (pad > 2 || n % 4 == 1)
		return false;
	return pad == 0 || (n + pad) % 4 == 0;
}

/* Quoted-printable where every '=' starts a hex pair or a soft line break. */
static bool qp_valid(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i + 1;
		if (p[i] != '=')
			continue;
		while (j < len && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j == len || p[j] == '\n' || p[j] == '\r')
			continue;
		if (i + 2 < len && g_ascii_isxdigit(p[i + 1]) && g_ascii_isxdigit(p[i + 2])) {
			i += 2;
			continue;
		}
		return false;
	}
	return true;
}

/* The still-encoded bytes of a part. GMime keeps parsed content as bounded
 * views of the message's memory stream, so they are read in place; any other
 * stream is copied into *copy_r (free() it). */
static const unsigned char *encoded_bytes(GMimeStream *src, size_t *len_r, unsigned char **copy_r)
{
	GByteArray *ba = GMIME_IS_STREAM_MEM(src) ? g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(src)) : NULL;
	gint64 start = src->bound_start, end = src->bound_end;

	*copy_r = NULL;
	if (ba != NULL && (end < 0 || end > (gint64)ba->len))
		end = (gint64)ba->len;
	if (ba != NULL && start >= 0 && start <= end) {
		*len_r = (size_t)(end - start);
		return ba->data + start;
	}
	GMimeStream *mem = g_mime_stream_mem_new();
	g_mime_stream_reset(src);
	g_mime_stream_write_to_stream(src, mem);
	g_mime_stream_reset(src);
	*copy_r = stream_take(mem, len_r);
	return *copy_r;
}

/* Flags BAD_ENCODING when the still-encoded content is not valid base64 or
 * quoted-printable. */
static void encoding_check(struct mime_ctx *ctx, GMimeDataWrapper *w)
{
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
	GMimeStream *src = g_mime_data_wrapper_get_stream(w);
	const unsigned char *raw;
	unsigned char *copy;
	size_t len;
	bool ok;

	if (src == NULL || (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE))
		return;
	raw = encoded_bytes(src, &len, &copy);
	ok = enc == GMIME_CONTENT_ENCODING_BASE64 ? base64_valid(raw, len) : qp_valid(raw, len);
	if (!ok)
		ctx->msg->defects |= MIME_DEFECT_BAD_ENCODING;
	free(copy);
}

/* The part's content with its transfer encoding undone. */
static unsigned char *part_content(struct mime_ctx *ctx, GMimePart *part, size_t *len_r)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;

	if (w == NULL) {
		*len_r = 0;
		return (unsigned char *)xstrdup("");
	}
	encoding_check(ctx, w);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	return stream_take(mem, len_r);
}

/* Filename from Content-Disposition, else Content-Type name (GMime decodes
 * RFC 2231 and RFC 2047 there); NULL when neither. */
static const char *object_filename(GMimeObject *obj)
{
	const char *name = g_mime_object_get_content_disposition_parameter(obj, "filename");

	if (name == NULL || *name == '\0')
		name = g_mime_object_get_content_type_parameter(obj, "name");
	return name;
}

/* An attachment is what says so, or has a filename and no disposition. */
static bool object_is_attachment(GMimeObject *obj)
{
	const char *disp = g_mime_object_get_disposition(obj);

	if (disp != NULL)
		return g_ascii_strcasecmp(disp, GMIME_DISPOSITION_ATTACHMENT) == 0;
	return object_filename(obj) != NULL;
}

/* "type/subtype" in lowercase. */
static char *content_type_string(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *s = mime_utf8_dup(mt ? mt : "application/octet-stream", strlen(mt ? mt : "application/octet-stream"),
				NULL);

	g_free(mt);
	for (char *p = s; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return s;
}

/* Shared with mime-tnef.c, so every attachment gets its name sanitised and
 * its digest computed the same way. */
void mime_attachment_append(struct mime_ctx *ctx, const char *filename, const char *content_type,
			    const char *content_id, bool is_inline, unsigned char *data, size_t len)
{
	struct mime_message *msg = ctx->msg;
	struct mime_attachment *a;
	gsize digest_len = sizeof a->sha256;
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

	if (msg->n_attachments == ctx->attachments_cap) {
		ctx->attachments_cap = ctx->attachments_cap ? ctx->attachments_cap * 2 : 4;
		msg->attachments = xrealloc(msg->attachments, ctx->attachments_cap * sizeof *msg->attachments);
	}
	a = &msg->attachments[msg->n_attachments++];
	memset(a, 0, sizeof *a);
	a->filename = mime_filename_sanitise(filename);
	a->content_type = xstrdup(content_type);
	a->content_id = content_id && *content_id ? mime_utf8_dup(content_id, strlen(content_id), NULL) : NULL;
	a->is_inline = is_inline;
	a->data = data;
	a->size = len;
	g_checksum_update(sum, data, (gssize)len);
	g_checksum_get_digest(sum, a->sha256, &digest_len);
	g_checksum_free(sum);
}

/* Appends a MIME part as an attachment; takes ownership of data. */
static void attachment_add(struct mime_ctx *ctx, GMimeObject *obj, unsigned char *data, size_t len)
{
	const char *disp = g_mime_object_get_disposition(obj);
	char *type = content_type_string(obj);

	mime_attachment_append(ctx, object_filename(obj), type, g_mime_object_get_content_id(obj),
			       disp != NULL && g_ascii_strcasecmp(disp, GMIME_DISPOSITION_INLINE) == 0, data, len);
	free(type);
}

/* An attachment, and when it is a winmail.dat, the files inside it too. The
 * data stays valid after attachment_add(): the attachment owns the buffer,
 * and growing the attachment array moves only the structs. */
static void attachment_take(struct mime_ctx *ctx, GMimeObject *obj, unsigned char *data, size_t len)
{
	char *type = content_type_string(obj);
	bool tnef = mime_tnef_is(type, object_filename(obj));

	free(type);
	attachment_add(ctx, obj, data, len);
	if (tnef)
		mime_tnef_unpack(ctx, data, len);
}

/* Converts a body part to UTF-8 with LF line ends; records its charset as a
 * hint for 8-bit headers. */
static char *body_text(struct mime_ctx *ctx, GMimeObject *obj, const unsigned char *data, size_t len)
{
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	size_t tlen;
	char *text = mime_text_to_utf8((const char *)data, len, charset, &ctx->msg->defects, &tlen);

	mime_crlf_to_lf(text, tlen);
	if (ctx->body_charset == NULL && charset != NULL)
		ctx->body_charset = xstrdup(charset);
	return text;
}

/* A leaf: the text body, the HTML body, or an attachment. */
static void leaf_take(struct mime_ctx *ctx, GMimePart *part)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	bool attachment = object_is_attachment(obj);
	size_t len;
	unsigned char *data = part_content(ctx, part, &len);

	if (!attachment && !ctx->have_text && g_mime_content_type_is_type(ct, "text", "plain")) {
		free(ctx->msg->text_body);
		ctx->msg->text_body = body_text(ctx, obj, data, len);
		ctx->have_text = true;
		free(data);
	} else if (!attachment && ctx->msg->html_body == NULL && g_mime_content_type_is_type(ct, "text", "html")) {
		ctx->msg->html_body = body_text(ctx, obj, data, len);
		free(data);
	} else {
		attachment_take(ctx, obj, data, len);
	}
}

/* A forwarded message: kept whole as an attachment. */
static void message_part_take(struct mime_ctx *ctx, GMimeMessagePart *mp)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	GMimeStream *mem = g_mime_stream_mem_new();
	size_t len;

	if (inner != NULL)
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
	unsigned char *data = stream_take(mem, &len);
	attachment_add(ctx, GMIME_OBJECT(mp), data, len);
}

/* Children of a multipart, unless too deep; notes a missing end boundary. */
static void multipart_walk(struct mime_ctx *ctx, GMimeMultipart *mp, int depth)
{
	int n = g_mime_multipart_get_count(mp);

	/* write_end_boundary is GMime's record that the closing boundary was
	 * seen; it is in the public struct, though marked private. */
	if (!mp->write_end_boundary)
		ctx->msg->defects |= MIME_DEFECT_MISSING_BOUNDARY;
	if (n <= 0) {
		const char *prologue = g_mime_multipart_get_prologue(mp);
		if (prologue != NULL && ctx->prologue == NULL)
			ctx->prologue = xstrdup(prologue);
		return;
	}
	if (depth >= MIME_MAX_DEPTH) {
		ctx->msg->defects |= MIME_DEFECT_TOO_DEEP;
		return;
	}
	for (int i = 0; i < n; i++)
		part_walk(ctx, g_mime_multipart_get_part(mp, i), depth + 1);
}

/* Dispatches one node; counts it against the part limit. */
static void part_walk(struct mime_ctx *ctx, GMimeObject *obj, int depth)
{
	if (ctx->n_parts >= MIME_MAX_PARTS) {
		ctx->msg->defects |= MIME_DEFECT_TOO_MANY_PARTS;
		return;
	}
	ctx->n_parts++;
	if (GMIME_IS_MULTIPART(obj))
		multipart_walk(ctx, GMIME_MULTIPART(obj), depth);
	else if (GMIME_IS_MESSAGE_PART(obj))
		message_part_take(ctx, GMIME_MESSAGE_PART(obj));
	else if (GMIME_IS_PART(obj))
		leaf_take(ctx, GMIME_PART(obj));
}

/* Entry point of the walk; a message without a body has no root. */
void mime_parts_walk(struct mime_ctx *ctx, GMimeObject *root)
{
	if (root != NULL)
		part_walk(ctx, root, 0);
}

/* Replaces what no filesystem or shell should see in a name. */
static void filename_clean(const char *s, struct buf *out)
{
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || u == '/' || u == '\\')
			buf_append(out, "_", 1);
		else
			buf_append(out, p, (size_t)(g_utf8_next_char(p) - p));
	}
}

/* Cuts to FILENAME_MAX_BYTES on a character boundary, keeping a short
 * extension. */
static void filename_truncate(char *s)
{
	size_t len = strlen(s), ext_len = 0, cut;
	const char *dot = strrchr(s, '.');

	if (len <= FILENAME_MAX_BYTES)
		return;
	if (dot != NULL && dot != s && strlen(dot) <= EXTENSION_MAX_BYTES)
		ext_len = strlen(dot);
	cut = FILENAME_MAX_BYTES - ext_len;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	memmove(s + cut, s + len - ext_len, ext_len + 1);
}

/* Attachment names come from the sender and end up on disks and in headers. */
char *mime_filename_sanitise(const char *name)
{
	struct buf out;
	char *valid, *s, *start;

	if (name == NULL)
		return xstrdup("");
	valid = mime_utf8_dup(name, strlen(name), NULL);
	buf_init(&out, 0);
	filename_clean(valid, &out);
	free(valid);
	s = buf_steal(&out, NULL);
	start = s;
	while (*start == '.' || *start == ' ')
		start++;
	memmove(s, start, strlen(start) + 1);
	g_strchomp(s);
	filename_truncate(s);
	g_strchomp(s); /* the cut may end in spaces: sanitising again must change nothing */
	return s;
}
