#ifndef MD_XALLOC_H
#define MD_XALLOC_H
/* Allocation that aborts on out-of-memory: callers never check for NULL.
 * Everything returned is freed with free(). */
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies at most n bytes of s and NUL-terminates; s need not be terminated. */
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
