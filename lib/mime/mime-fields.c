/* The one header field splitter: everyone else reads its result. */
#include "config.h"
#include "mime/mime-fields.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Where the field starting at i ends: after a line end not followed by a
 * blank (a folded line continues the field), or at the end of the block. */
static size_t field_end(const char *block, size_t len, size_t i)
{
	while (i < len) {
		if (block[i] == '\n' && (i + 1 >= len || (block[i + 1] != ' ' && block[i + 1] != '\t')))
			return i + 1;
		i++;
	}
	return len;
}

/* Copies src[0..len) into out unfolded: a CRLF or LF before a blank goes,
 * any other CR or LF becomes a blank. Returns the bytes written. */
static size_t unfold_into(char *out, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		size_t brk = src[i] == '\r' && i + 1 < len && src[i + 1] == '\n' ? 2 : src[i] == '\n' ? 1 : 0;
		if (brk > 0 && i + brk < len && (src[i + brk] == ' ' || src[i + brk] == '\t')) {
			i += brk - 1;
			continue;
		}
		out[o++] = src[i] == '\r' || src[i] == '\n' ? ' ' : src[i];
	}
	return o;
}

/* Trims blanks at both ends of the NUL-terminated s, in place. */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* A field name (RFC 5322 ftext, blanks around it allowed as obsolete
 * syntax) has no blank inside: "X Foo: bar" is a line of text, not a
 * field, and no reader may take it for one. line..colon is unfolded. */
static bool name_ok(const char *line, const char *colon)
{
	const char *s = line, *e = colon;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (; s < e; s++)
		if (*s == ' ' || *s == '\t')
			return false;
	return true;
}

/* Contract in mime-fields.h. */
char *mime_fields_split_spans(const char *block, struct mime_field **fields_r, struct mime_field_span **spans_r,
			      size_t *n_r)
{
	size_t len = block != NULL ? strlen(block) : 0, n = 0, cap = 0, o = 0;
	/* each field's text plus its NUL: at most two bytes per input byte */
	char *buf = xmalloc(2 * len + 1);
	struct mime_field *f = NULL;
	struct mime_field_span *sp = NULL;

	for (size_t i = 0; i < len;) {
		size_t end = field_end(block, len, i);
		size_t w = unfold_into(buf + o, block + i, end - i);
		char *line = buf + o, *colon;

		buf[o + w] = '\0';
		if ((colon = memchr(line, ':', w)) != NULL && name_ok(line, colon)) {
			*colon = '\0';
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				f = xrealloc(f, cap * sizeof(*f));
				sp = xrealloc(sp, cap * sizeof(*sp));
			}
			sp[n] = (struct mime_field_span){ i, end - i };
			f[n++] = (struct mime_field){ trim(line), trim(colon + 1) };
		}
		o += w + 1;
		i = end;
	}
	*fields_r = f;
	*n_r = n;
	if (spans_r != NULL)
		*spans_r = sp;
	else
		free(sp);
	return buf;
}

/* Contract in mime-fields.h. */
char *mime_fields_split(const char *block, struct mime_field **fields_r, size_t *n_r)
{
	return mime_fields_split_spans(block, fields_r, NULL, n_r);
}

/* Contract in mime-fields.h. */
char *mime_fields_drop(const char *block, const struct mime_field_span *spans, const unsigned char *drop, size_t n)
{
	size_t len = block != NULL ? strlen(block) : 0, from = 0, o = 0;
	char *out = xmalloc(len + 1);

	for (size_t i = 0; i < n; i++) {
		if (!drop[i])
			continue;
		memcpy(out + o, block + from, spans[i].off - from);
		o += spans[i].off - from;
		from = spans[i].off + spans[i].len;
	}
	memcpy(out + o, block + from, len - from);
	out[o + len - from] = '\0';
	return out;
}

/* Contract in mime-fields.h: one loop writes the block and records each
 * kept field's new span, so the two follow the same drop decisions. */
void mime_fields_view_make(struct mime_fields_view *v, const char *top, const char *block,
			   const struct mime_field *fields, const struct mime_field_span *spans,
			   const unsigned char *drop, size_t n)
{
	struct mime_field *tf;
	struct mime_field_span *ts;
	size_t tn, tlen = top != NULL ? strlen(top) : 0, blen = block != NULL ? strlen(block) : 0, o, from = 0;

	v->top_buf_ = mime_fields_split_spans(top, &tf, &ts, &tn);
	v->block = xmalloc(tlen + blen + 1);
	v->fields = xcalloc(tn + n + 1, sizeof(*v->fields));
	v->spans = xcalloc(tn + n + 1, sizeof(*v->spans));
	memcpy(v->block, top != NULL ? top : "", tlen);
	if (tn > 0) {
		memcpy(v->fields, tf, tn * sizeof(*tf));
		memcpy(v->spans, ts, tn * sizeof(*ts));
	}
	v->n = tn;
	o = tlen;
	for (size_t i = 0; i < n; i++) {
		memcpy(v->block + o, block + from, spans[i].off - from); /* lines that are no field */
		o += spans[i].off - from;
		from = spans[i].off + spans[i].len;
		if (drop != NULL && drop[i])
			continue;
		memcpy(v->block + o, block + spans[i].off, spans[i].len);
		v->spans[v->n] = (struct mime_field_span){ o, spans[i].len };
		v->fields[v->n++] = fields[i];
		o += spans[i].len;
	}
	memcpy(v->block + o, block != NULL ? block + from : "", blen - from);
	v->block[o + blen - from] = '\0';
	free(tf);
	free(ts);
}

/* Contract in mime-fields.h. */
void mime_fields_view_free(struct mime_fields_view *v)
{
	free(v->block);
	free(v->fields);
	free(v->spans);
	free(v->top_buf_);
	*v = (struct mime_fields_view){ 0 };
}
