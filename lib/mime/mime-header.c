/* The top-level header section: where it ends, its raw text as UTF-8, and
 * the decoded fields the helpdesk needs (From/To/Cc/Reply-To, Subject, Date,
 * Message-ID, In-Reply-To, References). Raw 8-bit header bytes are converted
 * with one charset chosen per message before GMime's parsers see them, so
 * GMime never has to guess. */
#include "config.h"

#include "mime/mime-private.h"

#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* A field name (printable ASCII but ':', blanks allowed before the colon,
 * as GMime allows) followed by ':' at the start of line p. */
static bool line_is_field(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q > ' ' && *q < 0x7f && *q != ':')
		q++;
	if (q == p)
		return false;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return q < end && *q == ':';
}

/* The end of the top-level header section, found on the raw bytes (GMime does
 * not say where it ended for a header-only message). */
size_t mime_header_section_len(const char *raw, size_t len, bool *has_headers_r)
{
	const char *end = raw + len, *p = raw, *nl;

	*has_headers_r = line_is_field(raw, end);
	if (!*has_headers_r && len > 5 && memcmp(raw, "From ", 5) == 0 && (nl = memchr(raw, '\n', len)) != NULL)
		*has_headers_r = line_is_field(nl + 1, end); /* an mbox From-line first */
	while (p < end) {
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			return (size_t)(p - raw);
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return len;
}

/* Splits the section into lines and calls fn on each (without its newline). */
static void lines_each(const char *s, size_t len, void (*fn)(const char *, size_t, void *), void *arg)
{
	const char *end = s + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		fn(s, n, arg);
		s += n + (nl != NULL);
	}
}

/* Collects the lines that need a charset guess. */
static void sample_line(const char *line, size_t len, void *arg)
{
	if (mime_needs_charset(line, len)) {
		buf_append(arg, line, len);
		buf_append(arg, "\n", 1);
	}
}

/* Decides the charset of raw 8-bit header bytes once per message: the body's
 * declared charset if it fits, else uchardet's guess, else windows-1252. */
static void header_charset_pick(struct mime_ctx *ctx, const char *raw, size_t len)
{
	struct buf sample;

	buf_init(&sample, 0);
	lines_each(raw, len, sample_line, &sample);
	g_strlcpy(ctx->header_charset, "UTF-8", sizeof ctx->header_charset);
	if (sample.len > 0) {
		ctx->msg->defects |= MIME_DEFECT_8BIT_HEADER;
		mime_charset_guess(sample.data, sample.len, ctx->body_charset, ctx->header_charset);
	}
	buf_free(&sample);
}

/* Raw header bytes as UTF-8, with the message's header charset. */
static char *header_to_utf8(struct mime_ctx *ctx, const char *s, size_t len)
{
	if (mime_needs_charset(s, len))
		return mime_charset_decode_short(s, len, ctx->header_charset, &ctx->msg->defects);
	return mime_utf8_dup(s, len, NULL);
}

struct block_ctx {
	struct mime_ctx *ctx;
	struct buf *out;
};

/* Appends one header line to header_block, converted. */
static void block_line(const char *line, size_t len, void *arg)
{
	struct block_ctx *bc = arg;
	char *s = header_to_utf8(bc->ctx, line, len);

	buf_append_str(bc->out, s);
	buf_append(bc->out, "\n", 1);
	free(s);
}

/* header_block: the raw section as UTF-8, cut at a line end past the limit. */
static void header_block_fill(struct mime_ctx *ctx, const char *raw, size_t len)
{
	struct buf out;
	struct block_ctx bc = { ctx, &out };
	const char *nl;

	if (len > MIME_MAX_HEADER) {
		ctx->msg->defects |= MIME_DEFECT_HEADER_TOO_LONG;
		nl = memrchr(raw, '\n', MIME_MAX_HEADER);
		len = nl ? (size_t)(nl - raw) : MIME_MAX_HEADER;
	}
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	buf_init(&out, 0);
	lines_each(raw, len, block_line, &bc);
	while (out.len > 0 && out.data[out.len - 1] == '\n')
		out.data[--out.len] = '\0';
	free(ctx->msg->header_block);
	ctx->msg->header_block = buf_steal(&out, NULL);
}

/* The unfolded UTF-8 value of every header called name, joined with sep;
 * NULL when there is none. */
static char *header_get(struct mime_ctx *ctx, GMimeHeaderList *hl, const char *name, const char *sep)
{
	int count = g_mime_header_list_get_count(hl);
	struct buf out;
	bool found = false;

	buf_init(&out, 0);
	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *raw = g_mime_header_get_raw_value(h);
		if (raw == NULL || g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0)
			continue;
		char *utf8 = header_to_utf8(ctx, raw, strlen(raw));
		char *unfolded = g_mime_utils_header_unfold(utf8);
		if (found)
			buf_append_str(&out, sep);
		buf_append_str(&out, unfolded);
		found = true;
		g_free(unfolded);
		free(utf8);
		if (sep == NULL)
			break;
	}
	if (!found)
		return NULL;
	return buf_steal(&out, NULL);
}

/* Subject decoded and kept on one line. */
static void subject_fill(struct mime_ctx *ctx, GMimeHeaderList *hl)
{
	char *value = header_get(ctx, hl, "Subject", NULL);
	char *s;

	if (value == NULL)
		return;
	s = mime_rfc2047_decode(value, &ctx->msg->defects);
	for (char *p = s; *p != '\0'; p++)
		if (*p == '\t' || *p == '\r' || *p == '\n')
			*p = ' ';
	free(ctx->msg->subject);
	ctx->msg->subject = xstrdup(g_strstrip(s));
	free(s);
	free(value);
}

/* Copies one mailbox: name as decoded by GMime, domain lowercased. */
static void address_set(struct mime_address *a, InternetAddressMailbox *mb)
{
	const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
	const char *addr = internet_address_mailbox_get_addr(mb);
	char *at, *domain;

	a->name = mime_utf8_dup(name ? name : "", name ? strlen(name) : 0, NULL);
	a->addr = mime_utf8_dup(addr ? addr : "", addr ? strlen(addr) : 0, NULL);
	at = strrchr(a->addr, '@');
	if (at != NULL) {
		domain = g_utf8_strdown(at + 1, -1);
		at[1] = '\0';
		char *joined = xasprintf("%s%s", a->addr, domain);
		free(a->addr);
		a->addr = joined;
		g_free(domain);
	}
}

/* Appends the mailboxes of list to out; groups are flattened. */
static void address_list_flatten(InternetAddressList *list, struct mime_address_list *out, int depth)
{
	int n = internet_address_list_length(list);

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (depth < 2)
				address_list_flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
						     out, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		if (out->n >= 4 && (out->n & (out->n - 1)) == 0) /* full at each power of two */
			out->items = xrealloc(out->items, 2 * out->n * sizeof *out->items);
		else if (out->n == 0)
			out->items = xmalloc(4 * sizeof *out->items);
		address_set(&out->items[out->n++], INTERNET_ADDRESS_MAILBOX(ia));
	}
}

/* Parses the address header name into out; reports BAD_ADDRESS when strict
 * and the header is present but yields nothing. */
static void addresses_fill(struct mime_ctx *ctx, GMimeHeaderList *hl, const char *name, bool strict,
			   struct mime_address_list *out)
{
	char *value = header_get(ctx, hl, name, ", ");
	InternetAddressList *list;

	if (value == NULL)
		return;
	ctx->addr_parsing = strict;
	list = internet_address_list_parse(ctx->options, value);
	ctx->addr_parsing = false;
	if (list != NULL) {
		address_list_flatten(list, out, 0);
		if (internet_address_list_length(list) == 0 && strict)
			ctx->msg->defects |= MIME_DEFECT_BAD_ADDRESS;
		g_object_unref(list);
	} else if (strict) {
		ctx->msg->defects |= MIME_DEFECT_BAD_ADDRESS;
	}
	free(value);
}

/* From: the first mailbox of the From header, and how many there are
 * (all From fields count: an author who is not one mailbox is nobody). */
static void from_fill(struct mime_ctx *ctx, GMimeHeaderList *hl)
{
	struct mime_address_list from = { NULL, 0 };

	addresses_fill(ctx, hl, "From", true, &from);
	ctx->msg->from_count = from.n;
	if (from.n > 0) {
		free(ctx->msg->from.name);
		free(ctx->msg->from.addr);
		ctx->msg->from = from.items[0];
	}
	for (size_t i = 1; i < from.n; i++) {
		free(from.items[i].name);
		free(from.items[i].addr);
	}
	free(from.items);
}

/* Date as Unix time; BAD_DATE when missing or unparseable. */
static void date_fill(struct mime_ctx *ctx, GMimeHeaderList *hl)
{
	char *value = header_get(ctx, hl, "Date", NULL);
	GDateTime *dt = value ? g_mime_utils_header_decode_date(value) : NULL;

	if (dt != NULL) {
		ctx->msg->date = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	} else {
		ctx->msg->defects |= MIME_DEFECT_BAD_DATE;
	}
	free(value);
}

/* Message-ID without <>, NULL when missing or empty. */
static void message_id_fill(struct mime_ctx *ctx, GMimeHeaderList *hl)
{
	char *value = header_get(ctx, hl, "Message-ID", NULL);
	char *id = value ? g_mime_utils_decode_message_id(value) : NULL;

	if (id != NULL && *id != '\0')
		ctx->msg->message_id = mime_utf8_dup(id, strlen(id), NULL);
	g_free(id);
	free(value);
}

/* In-Reply-To (first id) and References (all ids, oldest first). */
static void references_fill(struct mime_ctx *ctx, GMimeHeaderList *hl)
{
	char *irt = header_get(ctx, hl, "In-Reply-To", NULL);
	char *refs = header_get(ctx, hl, "References", " ");
	GMimeReferences *r;

	if (irt != NULL && (r = g_mime_references_parse(ctx->options, irt)) != NULL) {
		if (g_mime_references_length(r) > 0) {
			const char *id = g_mime_references_get_message_id(r, 0);
			ctx->msg->in_reply_to = mime_utf8_dup(id, strlen(id), NULL);
		}
		g_mime_references_free(r);
	}
	if (refs != NULL && (r = g_mime_references_parse(ctx->options, refs)) != NULL) {
		int n = g_mime_references_length(r);
		ctx->msg->references = xcalloc((size_t)n + 1, sizeof *ctx->msg->references);
		for (int i = 0; i < n; i++) {
			const char *id = g_mime_references_get_message_id(r, i);
			ctx->msg->references[ctx->msg->n_references++] = mime_utf8_dup(id, strlen(id), NULL);
		}
		g_mime_references_free(r);
	}
	free(irt);
	free(refs);
}

/* Header fields once the body walk has told us the body charset (the best
 * hint for raw 8-bit headers). */
void mime_headers_extract(struct mime_ctx *ctx, GMimeMessage *gm, const char *raw, size_t header_len)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));

	header_charset_pick(ctx, raw, MIN(header_len, (size_t)MIME_MAX_HEADER));
	header_block_fill(ctx, raw, header_len);
	subject_fill(ctx, hl);
	from_fill(ctx, hl);
	addresses_fill(ctx, hl, "To", true, &ctx->msg->to);
	addresses_fill(ctx, hl, "Cc", true, &ctx->msg->cc);
	addresses_fill(ctx, hl, "Reply-To", false, &ctx->msg->reply_to);
	date_fill(ctx, hl);
	message_id_fill(ctx, hl);
	references_fill(ctx, hl);
}
