/* Outgoing messages: plain C in, GMime builds and serialises. */
#include "config.h"
#include "mime/mime-compose.h"

#include <gmime/gmime.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

char *mime_header_value_clean(const char *s)
{
	struct buf b;
	bool space = false;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (!space)
				buf_append(&b, " ", 1);
			space = true;
			continue;
		}
		space = false;
		buf_append(&b, p, 1);
	}
	return buf_steal(&b, NULL);
}

/* Adds one cleaned mailbox to a header of the message. */
static void compose_mailbox(GMimeMessage *m, GMimeAddressType type, const struct mime_compose_addr *a)
{
	char *name = mime_header_value_clean(a->name);
	char *addr = mime_header_value_clean(a->addr);

	g_mime_message_add_mailbox(m, type, name, addr);
	free(name);
	free(addr);
}

/* "<a> <b>" from ids without brackets, each cleaned. */
static char *compose_id_list(const char *const *ids, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		char *id = mime_header_value_clean(ids[i]);
		buf_printf(&b, "%s<%s>", i ? " " : "", id);
		free(id);
	}
	return buf_steal(&b, NULL);
}

/* Sets a header from an uncleaned value. */
static void compose_header(GMimeObject *o, const char *name, const char *value)
{
	char *v = mime_header_value_clean(value);
	g_mime_object_set_header(o, name, v, "utf-8");
	free(v);
}

static void compose_threading(GMimeMessage *m, const struct mime_compose *c)
{
	char *v;

	if (c->message_id != NULL) {
		v = mime_header_value_clean(c->message_id);
		g_mime_message_set_message_id(m, v);
		free(v);
	}
	if (c->in_reply_to != NULL) {
		v = compose_id_list(&c->in_reply_to, 1);
		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", v, NULL);
		free(v);
	}
	if (c->n_references > 0) {
		v = compose_id_list(c->references, c->n_references);
		g_mime_object_set_header(GMIME_OBJECT(m), "References", v, NULL);
		free(v);
	}
}

/* The text part: UTF-8, quoted-printable, so the message stays 7-bit. */
static GMimeObject *compose_text(const char *text)
{
	GMimeTextPart *t = g_mime_text_part_new_with_subtype("plain");
	const char *s = text != NULL ? text : "";
	/* The UTF-8 bytes as they are: g_mime_text_part_set_text() would
	 * convert to the smallest charset that fits (ISO-8859-1 for "año"),
	 * and the utf-8 label set after it would then lie. */
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(s, strlen(s));
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(GMIME_PART(t), w);
	g_mime_text_part_set_charset(t, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(t), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(w);
	g_object_unref(st);
	return GMIME_OBJECT(t);
}

static GMimeObject *compose_attachment(const struct mime_compose_attachment *a)
{
	const char *ct = a->content_type != NULL && strchr(a->content_type, '/') ? a->content_type
										 : "application/octet-stream";
	const char *slash = strchr(ct, '/');
	char *type = xstrndup(ct, (size_t)(slash - ct));
	GMimePart *p = g_mime_part_new_with_type(type, slash + 1);
	GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)a->data, a->size);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	char *name = mime_header_value_clean(a->filename);

	g_mime_part_set_content(p, w);
	g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
	if (name[0] != '\0')
		g_mime_part_set_filename(p, name);
	free(name);
	free(type);
	g_object_unref(w);
	g_object_unref(s);
	return GMIME_OBJECT(p);
}

/* The body: the text alone, or multipart/mixed with the attachments. */
static GMimeObject *compose_body(const struct mime_compose *c)
{
	GMimeMultipart *mp;
	GMimeObject *text = compose_text(c->text);

	if (c->n_attachments == 0)
		return text;
	mp = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mp, text);
	g_object_unref(text);
	for (size_t i = 0; i < c->n_attachments; i++) {
		GMimeObject *a = compose_attachment(&c->attachments[i]);
		g_mime_multipart_add(mp, a);
		g_object_unref(a);
	}
	return GMIME_OBJECT(mp);
}

char *mime_compose(const struct mime_compose *c, size_t *len_r)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GDateTime *date = g_date_time_new_from_unix_utc(c->date);
	GMimeObject *body = compose_body(c);
	char *out, *copy;

	compose_mailbox(m, GMIME_ADDRESS_TYPE_FROM, &c->from);
	if (c->reply_to != NULL)
		compose_mailbox(m, GMIME_ADDRESS_TYPE_REPLY_TO, c->reply_to);
	for (size_t i = 0; i < c->n_to; i++)
		compose_mailbox(m, GMIME_ADDRESS_TYPE_TO, &c->to[i]);
	for (size_t i = 0; i < c->n_cc; i++)
		compose_mailbox(m, GMIME_ADDRESS_TYPE_CC, &c->cc[i]);
	{
		char *subject = mime_header_value_clean(c->subject);
		g_mime_message_set_subject(m, subject, "utf-8");
		free(subject);
	}
	g_mime_message_set_date(m, date);
	compose_threading(m, c);
	for (size_t i = 0; i < c->n_extra; i++)
		compose_header(GMIME_OBJECT(m), c->extra_names[i], c->extra_values[i]);
	g_mime_message_set_mime_part(m, body);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_object_to_string(GMIME_OBJECT(m), fo);
	copy = xstrdup(out);
	if (len_r != NULL)
		*len_r = strlen(copy);
	g_free(out);
	g_object_unref(body);
	g_date_time_unref(date);
	g_mime_format_options_free(fo);
	g_object_unref(m);
	return copy;
}
