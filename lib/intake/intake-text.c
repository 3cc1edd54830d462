/* Text checks shared by the parsers of lib/intake (intake-private.h) and
 * application/x-www-form-urlencoded bodies (intake.h). */
#include "config.h"
#include "intake/intake.h"
#include "intake/intake-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

/* Contract in intake-private.h. */
bool intake_text_valid(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0, n; i < len; i += n) {
		unsigned char c = (unsigned char)s[i];

		if ((n = utf8_char_len((const unsigned char *)s + i, len - i)) == 0)
			return false;
		if ((c < 0x20 && !(multiline && (c == '\t' || c == '\r' || c == '\n'))) || c == 0x7f)
			return false;
	}
	return true;
}

/* Contract in intake-private.h. */
void intake_text_sanitise_name(char *name)
{
	for (; *name != '\0'; name++) {
		if ((unsigned char)*name < 0x20 || (unsigned char)*name >= 0x7f)
			*name = '?';
	}
}

/* The value of one hex digit, -1 for none. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes one urlencoded part into out (which has room for len bytes):
 * the decoded length, or -1 for a bad %-escape. */
static long url_decode(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[n++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < len ? hex_value(s[i + 1]) : -1, lo = i + 2 < len ? hex_value(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	return (long)n;
}

/* Contract in intake.h. */
int intake_urlencoded_parse(const char *body, size_t len, size_t max_pairs, struct intake_pairs *out,
			    char **error_r)
{
	size_t start = 0;

	memset(out, 0, sizeof(*out));
	while (start < len) {
		const char *amp = memchr(body + start, '&', len - start);
		size_t end = amp != NULL ? (size_t)(amp - body) : len, plen = end - start;
		const char *eq = memchr(body + start, '=', plen);
		size_t nlen = eq != NULL ? (size_t)(eq - body) - start : plen;
		char *buf = xmalloc(plen + 1);
		long dn, dv;

		if (plen > 0 && out->n >= max_pairs) {
			free(buf);
			*error_r = xasprintf("more than %zu fields", max_pairs);
			return -1;
		}
		dn = url_decode(body + start, nlen, buf);
		dv = eq != NULL && dn >= 0 ? url_decode(eq + 1, plen - nlen - 1, buf + dn) : 0;
		if (dn < 0 || dv < 0 || memchr(buf, '\0', (size_t)dn) != NULL) {
			free(buf);
			*error_r = xasprintf("field %zu: %s", out->n + 1,
					     dn < 0 || dv < 0 ? "a bad %-escape" : "a NUL byte in its name");
			return -1;
		}
		if (plen > 0)
			intake_pairs_add(out, buf, (size_t)dn, buf + dn, (size_t)dv);
		free(buf);
		start = end + 1;
	}
	return 0;
}
