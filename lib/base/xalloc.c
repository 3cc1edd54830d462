#include "config.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One place that decides what running out of memory means: abort. */
static void *oom_check(void *p)
{
	if (p == NULL) {
		fputs("maildesk: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n) { return oom_check(malloc(n ? n : 1)); }
void *xcalloc(size_t count, size_t size) { return oom_check(calloc(count ? count : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return oom_check(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return oom_check(strdup(s)); }

char *xstrndup(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		r[i] = s[i];
	r[i] = '\0';
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r = NULL;

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		r = NULL;
	va_end(ap);
	return oom_check(r);
}
