/* Reading a delivery report's groups (contract in mime-dsn.h): lib/mime
 * parses the delivery-status part with the message, through the same
 * field splitter as the header, so nobody scans the report's text by hand. */
#include "config.h"
#include "mime/mime-dsn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when the
 * bytes there are not one. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

/* Makes the NUL-terminated s clean UTF-8 text in place (see mime-dsn.h;
 * it never grows) and returns it without spaces at either end. */
static char *clean_in_place(char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0) {
			s[o++] = '?';
			i++;
		} else if (k == 1) {
			s[o++] = p[i] < 0x20 || p[i] == 0x7f ? ' ' : (char)p[i];
			i++;
		} else {
			memmove(s + o, s + i, k);
			o += k;
			i += k;
		}
	}
	while (o > 0 && s[o - 1] == ' ')
		o--;
	s[o] = '\0';
	while (*s == ' ')
		s++;
	return s;
}

/* A NUL-terminated copy of text with every line end an LF (CRLF and a
 * lone CR too) and NUL bytes as spaces: one line grammar for the split. */
static char *normalise(const char *text, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r') {
			out[o++] = '\n';
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
		} else {
			out[o++] = text[i] == '\0' ? ' ' : text[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Where the line starting at s ends (after its LF, or at the NUL); *blank_r
 * says whether it holds nothing but spaces and tabs. */
static char *line_end(char *s, bool *blank_r)
{
	*blank_r = true;
	for (; *s != '\0' && *s != '\n'; s++)
		*blank_r &= *s == ' ' || *s == '\t';
	return *s == '\n' ? s + 1 : s;
}

/* Room for one more entry in an array of *n entries of size bytes that
 * grows by doubling (n a power of two or 0 marks a full array), so a
 * report of many small groups costs linear time. */
static void *grow(void *arr, size_t n, size_t size)
{
	return n == 0 || (n & (n - 1)) == 0 ? xrealloc(arr, (n == 0 ? 1 : 2 * n) * size) : arr;
}

/* Keeps buf with the others the struct frees. */
static void buf_keep(struct mime_dsn *d, char *buf)
{
	d->bufs_ = grow(d->bufs_, d->n_bufs_, sizeof(*d->bufs_));
	d->bufs_[d->n_bufs_++] = buf;
}

/* Cleans each field of a group split into buf, in place. */
static void fields_clean(char *buf, struct mime_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f[i].name = clean_in_place(buf + (f[i].name - buf));
		f[i].value = clean_in_place(buf + (f[i].value - buf));
	}
}

/* Fills r from the group's fields (first of each name); false when the
 * group has none of the per-recipient fields. */
static bool recipient_read(const struct mime_field *f, size_t n, struct mime_dsn_recipient *r)
{
	static const char *const names[] = { "Action", "Status", "Diagnostic-Code", "Final-Recipient",
					     "Original-Recipient" };
	const char **slots[] = { &r->action, &r->status, &r->diagnostic, &r->final_recipient,
				 &r->original_recipient };
	bool any = false;

	for (size_t k = 0; k < 5; k++)
		*slots[k] = "";
	for (size_t i = n; i-- > 0;) { /* backwards: the first of a name wins */
		for (size_t k = 0; k < 5; k++) {
			if (strcasecmp(f[i].name, names[k]) == 0) {
				*slots[k] = f[i].value;
				any = true;
			}
		}
	}
	return any;
}

/* One group (NUL-terminated): a recipient, the per-message group, or
 * nothing when the per-message group was already seen. */
static void group_add(struct mime_dsn *d, const char *group, bool *have_message)
{
	struct mime_field *f;
	size_t n;
	char *buf = mime_fields_split(group, &f, &n);
	struct mime_dsn_recipient r;

	buf_keep(d, buf);
	fields_clean(buf, f, n);
	if (recipient_read(f, n, &r)) {
		d->recipients = grow(d->recipients, d->n_recipients, sizeof(*d->recipients));
		d->recipients[d->n_recipients++] = r;
	} else if (!*have_message && n > 0) {
		*have_message = true;
		d->message_fields = f;
		d->n_message_fields = n;
		return;
	}
	free(f);
}

/* Contract in mime-dsn.h. */
struct mime_dsn *mime_dsn_parse(const char *text, size_t len)
{
	struct mime_dsn *d = xcalloc(1, sizeof(*d));
	char *norm = normalise(text != NULL ? text : "", text != NULL ? len : 0), *s = norm;
	bool have_message = false;

	while (*s != '\0') {
		bool blank;
		char *start = s, *end = s, *next;

		while (*(next = line_end(end, &blank)) != '\0' && !blank)
			end = next;
		if (!blank)
			end = next; /* the last line of the text */
		if (end > start) {
			*end = '\0'; /* the first byte of the blank line or the final NUL */
			group_add(d, start, &have_message);
		}
		s = next;
	}
	free(norm);
	return d;
}

/* Contract in mime-dsn.h. */
void mime_dsn_free(struct mime_dsn **dp)
{
	struct mime_dsn *d = dp != NULL ? *dp : NULL;

	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n_bufs_; i++)
		free(d->bufs_[i]);
	free(d->bufs_);
	free(d->message_fields);
	free(d->recipients);
	free(d);
	*dp = NULL;
}

/* Contract in mime-dsn.h. */
const struct mime_dsn_recipient *mime_dsn_main(const struct mime_dsn *d)
{
	if (d == NULL || d->n_recipients == 0)
		return NULL;
	for (size_t i = 0; i < d->n_recipients; i++)
		if (strcasecmp(d->recipients[i].action, "failed") == 0)
			return &d->recipients[i];
	return &d->recipients[0];
}

/* Contract in mime-dsn.h. */
bool mime_dsn_is_status_type(const char *ct)
{
	return ct != NULL && (strcasecmp(ct, "message/delivery-status") == 0 ||
			      strcasecmp(ct, "message/global-delivery-status") == 0);
}
