#ifndef MD_UTF8_H
#define MD_UTF8_H
/* UTF-8 as PostgreSQL takes it, checked in one place. */
#include <stddef.h>

/* The length of the UTF-8 character at p (n bytes available), or 0 when it
 * is not one: a NUL, overlong forms, surrogates and code points past
 * U+10FFFF are refused, as PostgreSQL refuses them. */
size_t utf8_char_len(const unsigned char *p, size_t n);

#endif
