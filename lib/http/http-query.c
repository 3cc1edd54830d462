/* Query strings and application/x-www-form-urlencoded bodies. */
#include "config.h"
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The value of one hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one name or value: NULL (and *error_r) for a bad escape or NUL. */
static char *decode(const char *s, size_t len, const char **error_r)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				*error_r = "bad %-escape";
				free(out);
				return NULL;
			}
			*o = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			if (*o++ == '\0') {
				*error_r = "encoded NUL byte";
				free(out);
				return NULL;
			}
			i += 2;
		} else if (s[i] == '\0') {
			*error_r = "NUL byte";
			free(out);
			return NULL;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Contract in http.h. */
int http_params_parse(const char *s, size_t len, size_t max_params, struct http_params *p, const char **error_r)
{
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp != NULL ? (size_t)(amp - s) : len;
		const char *eq = memchr(s + i, '=', end - i);
		size_t name_end = eq != NULL ? (size_t)(eq - s) : end;
		char *name, *value;

		if (end > i) {
			if (p->n >= max_params) {
				*error_r = "too many parameters";
				http_params_free(p);
				return -1;
			}
			name = decode(s + i, name_end - i, error_r);
			value = name == NULL ? NULL
					     : decode(s + name_end + (eq != NULL), end - name_end - (eq != NULL), error_r);
			if (value == NULL) {
				free(name);
				http_params_free(p);
				return -1;
			}
			p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
			p->v[p->n++] = (struct http_param){ name, value };
		}
		i = end + 1;
	}
	return 0;
}

/* Contract in http.h. */
void http_params_free(struct http_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Contract in http.h. */
int http_params_get(const struct http_params *p, const char *name, const char **value_r)
{
	int found = 0;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0) {
			if (found)
				return -1;
			*value_r = p->v[i].value;
			found = 1;
		}
	return found;
}
