/* RFC 2047 encoded-word decoding for unstructured headers (Subject). GMime
 * has its own decoder, but it feeds base64 words of a run through one
 * decoder state, so a UTF-8 character split across two padded B words comes
 * out as "?". Here each word is decoded on its own and the bytes of adjacent
 * words in one charset are joined before charset conversion. */
#include "config.h"

#include "mime/mime-private.h"

#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* One encoded-word: =?charset[*lang]?B|Q?text?= */
struct ew {
	char charset[MIME_CHARSET_MAX];
	char encoding;       /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	const char *end;     /* just past "?=" */
};

/* Bytes of adjacent encoded-words in one charset, not yet converted. */
struct ew_run {
	char charset[MIME_CHARSET_MAX];
	struct buf bytes;
	bool active;
};

/* Whitespace that separates (or, between encoded-words, disappears). */
static bool is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Recognises an encoded-word at p (which starts with "=?"). *no_end is the
 * first blank or NUL reached by an earlier failed text scan; no "?=" starts
 * between that scan's text and it, so a later word whose text starts before
 * *no_end fails without scanning again. That keeps a run of "=?a?q?a" with
 * no end linear instead of rescanning to its end from every "=?". */
static bool ew_parse(const char *p, struct ew *ew, const char **no_end)
{
	const char *cs = p + 2, *q = cs, *star;
	size_t cs_len;

	while (*q != '\0' && *q != '?' && !is_lwsp(*q))
		q++;
	if (*q != '?' || q == cs)
		return false;
	star = memchr(cs, '*', (size_t)(q - cs)); /* RFC 2231 language suffix */
	cs_len = (size_t)((star ? star : q) - cs);
	if (cs_len == 0 || cs_len >= sizeof ew->charset)
		return false;
	memcpy(ew->charset, cs, cs_len);
	ew->charset[cs_len] = '\0';
	q++;
	if (strchr("BbQq", *q) == NULL || *q == '\0' || q[1] != '?')
		return false;
	ew->encoding = g_ascii_toupper(*q);
	ew->text = q + 2;
	if (ew->text < *no_end)
		return false;
	for (q = ew->text; !(q[0] == '?' && q[1] == '='); q++)
		if (*q == '\0' || is_lwsp(*q)) {
			*no_end = q;
			return false;
		}
	ew->text_len = (size_t)(q - ew->text);
	ew->end = q + 2;
	return true;
}

/* Base64 of one word, decoded on its own; flags characters outside the
 * alphabet and impossible lengths. */
static void ew_decode_b(const struct ew *ew, struct buf *out, unsigned *defects)
{
	guchar *tmp = xmalloc(ew->text_len / 4 * 3 + 4);
	size_t n = 0, pad = 0, len;
	gint state = 0;
	guint save = 0;

	for (size_t i = 0; i < ew->text_len; i++) {
		char c = ew->text[i];
		if (c == '=')
			pad++;
		else if ((g_ascii_isalnum(c) || c == '+' || c == '/') && pad == 0)
			n++;
		else
			*defects |= MIME_DEFECT_BAD_ENCODING;
	}
	if (n % 4 == 1 || pad > 2)
		*defects |= MIME_DEFECT_BAD_ENCODING;
	len = g_base64_decode_step(ew->text, ew->text_len, tmp, &state, &save);
	buf_append(out, tmp, len);
	free(tmp);
}

/* Quoted-printable as RFC 2047 "Q": '_' is a space. */
static void ew_decode_q(const struct ew *ew, struct buf *out, unsigned *defects)
{
	const char *p = ew->text, *end = ew->text + ew->text_len;

	while (p < end) {
		char c = *p++;
		if (c == '_') {
			c = ' ';
		} else if (c == '=') {
			if (end - p >= 2 && g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1])) {
				c = (char)(g_ascii_xdigit_value(p[0]) * 16 + g_ascii_xdigit_value(p[1]));
				p += 2;
			} else {
				*defects |= MIME_DEFECT_BAD_ENCODING;
			}
		}
		buf_append(out, &c, 1);
	}
}

/* Converts the pending run to UTF-8 and appends it. */
static void run_flush(struct ew_run *run, struct buf *out, unsigned *defects)
{
	char *text;

	if (!run->active)
		return;
	text = mime_charset_decode_short(run->bytes.data ? run->bytes.data : "", run->bytes.len, run->charset,
					 defects);
	buf_append_str(out, text);
	free(text);
	buf_reset(&run->bytes);
	run->active = false;
}

/* Adds a word to the run, flushing first when its charset differs. */
static void run_add(struct ew_run *run, const struct ew *ew, struct buf *out, unsigned *defects)
{
	if (run->active && g_ascii_strcasecmp(run->charset, ew->charset) != 0)
		run_flush(run, out, defects);
	if (!run->active) {
		g_strlcpy(run->charset, ew->charset, sizeof run->charset);
		run->active = true;
	}
	if (ew->encoding == 'B')
		ew_decode_b(ew, &run->bytes, defects);
	else
		ew_decode_q(ew, &run->bytes, defects);
}

/* Tokenises into spaces, encoded-words and other text; whitespace between two
 * encoded-words is dropped as RFC 2047 section 6.2 says. */
char *mime_rfc2047_decode(const char *value, unsigned *defects)
{
	struct ew_run run = { .active = false };
	const char *p = value, *ws = NULL, *no_end = value;
	bool last_was_ew = false;
	struct buf out;
	struct ew ew;

	buf_init(&out, 0);
	buf_init(&run.bytes, 0);
	while (*p != '\0') {
		if (is_lwsp(*p)) {
			ws = p;
			while (is_lwsp(*p))
				p++;
			continue;
		}
		if (p[0] == '=' && p[1] == '?' && ew_parse(p, &ew, &no_end)) {
			if (!last_was_ew) /* space between two encoded-words is dropped */
				run_flush(&run, &out, defects);
			if (ws != NULL && !last_was_ew)
				buf_append(&out, ws, (size_t)(p - ws));
			run_add(&run, &ew, &out, defects);
			last_was_ew = true;
			ws = NULL;
			p = ew.end;
			continue;
		}
		run_flush(&run, &out, defects);
		if (ws != NULL)
			buf_append(&out, ws, (size_t)(p - ws));
		ws = NULL;
		last_was_ew = false;
		do /* up to the next space or possible encoded-word */
			buf_append(&out, p++, 1);
		while (*p != '\0' && !is_lwsp(*p) && !(p[0] == '=' && p[1] == '?'));
	}
	run_flush(&run, &out, defects);
	buf_free(&run.bytes);
	return buf_steal(&out, NULL);
}
