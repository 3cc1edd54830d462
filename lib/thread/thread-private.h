#ifndef MD_THREAD_PRIVATE_H
#define MD_THREAD_PRIVATE_H
/* Helpers shared by the lib/thread source files; not part of the contract. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest decimal int64 without sign. */
#define THREAD_DIGITS_MAX 19

/* Parses exactly len bytes of decimal digits into *n_r: no sign, no leading
 * zero (a lone "0" is allowed), at most max_digits, no int64 overflow.
 * Returns true on success; *n_r is untouched on failure. */
bool thread_digits_parse(const char *p, size_t len, size_t max_digits, int64_t *n_r);

/* ASCII-only case folding: subjects and local parts are compared without
 * regard to locale. */
static inline char thread_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

#endif
