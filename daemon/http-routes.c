/* The list of route tables and the matching of a request to one route
 * (contract in http-routes.h). To add a family, add its table here. */
#include "config.h"
#include "http-routes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

static const struct http_route *const route_tables[] = {
	http_routes_requests,
	http_routes_tickets,
	http_routes_intake,
};

const char *const http_ctypes_json[] = { "application/json", NULL };
const char *const http_ctypes_form[] = { "application/x-www-form-urlencoded", "multipart/form-data", NULL };

/* Whether path fits pattern; the {} segments (percent-decoded into buf,
 * NUL-separated) go to args. A decoded segment holding '/' or NUL does not
 * match. */
static bool pattern_match(const char *pattern, const char *path, const char *args[HTTP_MAX_PATH_ARGS],
			  size_t *n_r, char *buf)
{
	const char *p = pattern, *u = path;
	char *o = buf;

	*n_r = 0;
	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			const char *end = u + strcspn(u, "/");
			if (end == u || *n_r == HTTP_MAX_PATH_ARGS)
				return false;
			args[(*n_r)++] = o;
			for (; u < end; u++) {
				unsigned v = 0;
				if (*u == '%' && u + 2 < end && isxdigit((unsigned char)u[1]) &&
				    isxdigit((unsigned char)u[2]) && sscanf(u + 1, "%2x", &v) == 1 && v != 0 && v != '/') {
					*o++ = (char)v;
					u += 2;
				} else if (*u == '%') {
					return false;
				} else {
					*o++ = *u;
				}
			}
			*o++ = '\0';
			p += 2;
		} else if (*p++ != *u++) {
			return false;
		}
	}
	return *u == '\0';
}

/* Contract in http-routes.h. */
int http_route_match(const char *method, const char *path, const struct http_route **route_r,
		     const char *args[HTTP_MAX_PATH_ARGS], size_t *n_args_r, char **args_buf_r, char allow[64])
{
	char *buf = xmalloc(strlen(path) + HTTP_MAX_PATH_ARGS + 1);
	bool path_seen = false;

	allow[0] = '\0';
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]); t++)
		for (const struct http_route *r = route_tables[t]; r->method != NULL; r++) {
			if (!pattern_match(r->pattern, path, args, n_args_r, buf))
				continue;
			if (strcmp(r->method, method) == 0 ||
			    (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
				*route_r = r;
				*args_buf_r = buf;
				return 1;
			}
			if (strstr(allow, r->method) == NULL && strlen(allow) + strlen(r->method) + 3 < 64)
				snprintf(allow + strlen(allow), 64 - strlen(allow), "%s%s", path_seen ? ", " : "",
					 r->method);
			path_seen = true;
		}
	free(buf);
	*n_args_r = 0;
	return path_seen ? -1 : 0;
}

/* Contract in http-routes.h. */
bool http_route_ctype_ok(const char *const *list, const char *ct)
{
	size_t n;

	if (list == NULL)
		return true;
	if (ct == NULL)
		return false;
	n = strcspn(ct, "; \t");
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncasecmp(*list, ct, n) == 0)
			return true;
	return false;
}
