/* Reading a delivery report's fields (contract in smtp-dsn.h); moved out
 * of lib/desk so the parser of a stranger's report can be tested and
 * fuzzed alone. */
#include "config.h"
#include "smtp/smtp-dsn.h"

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

/* A copy of the n bytes at v as clean UTF-8 text (see smtp-dsn.h). */
static char *clean_copy(const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0) {
			out[o++] = '?';
			i++;
		} else if (k == 1) {
			out[o++] = p[i] < 0x20 || p[i] == 0x7f ? ' ' : (char)p[i];
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	return out;
}

/* Space, tab and the control bytes that clean_copy would make spaces. */
static bool is_blank(char c)
{
	return (unsigned char)c <= 0x20 || c == 0x7f;
}

/* The value of the first "Name:" field (see smtp-dsn.h), or "". */
static char *dsn_field(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i + n < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && strncasecmp(text + i, name, n) == 0 && text[i + n] == ':') {
			const char *v = text + i + n + 1, *e = v;
			while (e < text + len && *e != '\r' && *e != '\n')
				e++;
			while (v < e && is_blank(*v))
				v++;
			while (e > v && is_blank(e[-1]))
				e--;
			return clean_copy(v, (size_t)(e - v));
		}
	}
	return xstrdup("");
}

void smtp_dsn_parse(const char *text, size_t len, struct smtp_dsn *d_r)
{
	if (text == NULL)
		len = 0;
	d_r->action = dsn_field(text, len, "Action");
	d_r->status = dsn_field(text, len, "Status");
	d_r->diagnostic = dsn_field(text, len, "Diagnostic-Code");
	d_r->recipient = dsn_field(text, len, "Final-Recipient");
}

void smtp_dsn_free(struct smtp_dsn *d)
{
	free(d->action);
	free(d->status);
	free(d->diagnostic);
	free(d->recipient);
	d->action = d->status = d->diagnostic = d->recipient = NULL;
}
