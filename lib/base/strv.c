#include "config.h"
#include "strv.h"

#include <strings.h>

/* SMTP verbs and header names compare without regard to ASCII case. */
bool strv_eq_ci(struct strv v, const char *s)
{
	size_t n = strlen(s);
	return v.len == n && strncasecmp(v.p, s, n) == 0;
}

bool strv_prefix_ci(struct strv v, const char *prefix)
{
	size_t n = strlen(prefix);
	return v.len >= n && strncasecmp(v.p, prefix, n) == 0;
}

struct strv strv_trim(struct strv v)
{
	while (v.len > 0 && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		v.len--;
	return v;
}
