/* Relaxed canonicalisation (RFC 6376 3.4.2 and 3.4.4) and the split of a
 * message into header fields and body that signer and verifier agree on. */
#include "config.h"
#include "dkim/dkim-private.h"
#include "base/xalloc.h"

#include <ctype.h>
#include <string.h>

static bool is_wsp(char c) { return c == ' ' || c == '\t'; }

/* Copies p[0..n) to out with WSP runs as one SP, none at the end and,
 * unless keep_lead (body lines), none at the start; skips line ends
 * (unfolding removes CRLF; a bare LF is tolerated, a lone CR is data).
 * Returns the bytes written (at most n). */
static size_t squeeze_wsp(char *out, const char *p, size_t n, bool keep_lead)
{
	size_t o = 0;
	bool space = false;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
			continue;
		if (is_wsp(p[i])) {
			space = o > 0 || keep_lead;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = p[i];
	}
	return o;
}

/* Lower-case name, "name:value" with WSP runs as one SP and none at the
 * ends or around the colon, CRLF. */
char *dkim_canon_header_relaxed(const char *field, size_t len, size_t *len_r)
{
	const char *colon = memchr(field, ':', len);
	size_t nlen = colon != NULL ? (size_t)(colon - field) : len;
	size_t vstart = colon != NULL ? nlen + 1 : len;
	char *out = xmalloc(len + 4);
	size_t o;

	while (nlen > 0 && is_wsp(field[nlen - 1]))
		nlen--;
	for (o = 0; o < nlen; o++)
		out[o] = (char)tolower((unsigned char)field[o]);
	out[o++] = ':';
	o += squeeze_wsp(out + o, field + vstart, len - vstart, false);
	memcpy(out + o, "\r\n", 3);
	*len_r = o + 2;
	return out;
}

/* Empty lines are held back and written only when a non-empty line
 * follows: that drops the trailing ones and makes an empty body "". */
char *dkim_canon_body_relaxed(const char *body, size_t len, size_t *len_r)
{
	char *out = xmalloc(2 * len + 3); /* a bare LF grows to CRLF */
	size_t o = 0, pending = 0, pos = 0;

	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - body) : len;
		size_t n;

		if (nl != NULL && end > pos && body[end - 1] == '\r')
			end--;
		n = squeeze_wsp(out + o + 2 * pending, body + pos, end - pos, true);
		if (n == 0) {
			pending++;
		} else {
			for (; pending > 0; pending--, o += 2)
				memcpy(out + o, "\r\n", 2);
			o += n;
			memcpy(out + o, "\r\n", 2);
			o += 2;
		}
		pos = nl != NULL ? (size_t)(nl - body) + 1 : len;
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* Length of the line starting at p (up to and including its LF). */
static size_t line_len(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);

	return nl != NULL ? (size_t)(nl - p) + 1 : n;
}

/* A field runs from a line that does not start with WSP over its
 * continuation lines; the header section ends at the first empty line. */
size_t dkim_msg_split(const char *msg, size_t len, struct dkim_field **fields_r, size_t *body_r)
{
	struct dkim_field *fields = NULL;
	size_t count = 0, cap = 0, pos = 0;

	while (pos < len && msg[pos] != '\n' && !(msg[pos] == '\r' && pos + 1 < len && msg[pos + 1] == '\n')) {
		size_t start = pos, colon;

		pos += line_len(msg + pos, len - pos);
		while (pos < len && is_wsp(msg[pos]))
			pos += line_len(msg + pos, len - pos);
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			fields = xrealloc(fields, cap * sizeof(*fields));
		}
		for (colon = start; colon < pos && msg[colon] != ':'; colon++)
			;
		while (colon > start && is_wsp(msg[colon - 1]))
			colon--;
		fields[count++] = (struct dkim_field){ msg + start, pos - start, colon - start };
	}
	if (pos < len)
		pos += line_len(msg + pos, len - pos);
	*fields_r = fields;
	*body_r = pos;
	return count;
}
