#ifndef MD_FUZZ_CHECK_H
#define MD_FUZZ_CHECK_H
/* Checks shared by the fuzz targets: an oracle written apart from the code
 * under test, so that a bug there is not copied into the check. Header
 * only (static inline), for the targets in fuzz/ alone. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* True when s[0..len) is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF) without NUL bytes. */
static inline bool fuzz_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i], n, cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

/* The same for a NUL-terminated string; NULL is not valid. */
static inline bool fuzz_str_valid(const char *s)
{
	return s != NULL && fuzz_utf8_valid(s, strlen(s));
}

#endif
