/* What route handlers use to read a request and answer it (contract in
 * http-routes.h). */
#include "config.h"
#include "http-routes.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

/* Contract in http-routes.h. */
const char *http_exchange_query(const struct http_exchange *ex, const char *name, bool *twice)
{
	const char *v = NULL;
	int found = http_params_get(ex->query, name, &v);

	if (twice != NULL)
		*twice = found < 0;
	return found > 0 ? v : NULL;
}

/* Contract in http-routes.h. */
const char *http_exchange_header(const struct http_exchange *ex, const char *name)
{
	for (size_t i = 0; i + 1 < ex->n_headers * 2; i += 2)
		if (strcasecmp(ex->headers[i], name) == 0)
			return ex->headers[i + 1];
	return NULL;
}

/* Replaces the answer's body and type. */
static void set_body(struct http_exchange *ex, unsigned status, const char *type, const void *body, size_t len)
{
	ex->status = status;
	free(ex->resp_type);
	ex->resp_type = xstrdup(type);
	buf_reset(&ex->resp);
	buf_append(&ex->resp, body, len);
}

/* Contract in http-routes.h. */
void http_reply_json(struct http_exchange *ex, unsigned status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(v);
	if (s == NULL) {
		http_reply_problem(ex, HTTP_PROBLEM_INTERNAL, "the answer could not be encoded", NULL);
		return;
	}
	set_body(ex, status, "application/json", s, strlen(s));
	free(s);
}

/* Contract in http-routes.h. */
void http_reply_problem(struct http_exchange *ex, enum http_problem p, const char *detail, const char *field)
{
	char *s = http_problem_json(p, detail, field);

	set_body(ex, http_problem_status(p), "application/problem+json", s, strlen(s));
	free(s);
	if (ex->outcome == NULL)
		http_exchange_outcome(ex, "problem=%s%s%s", http_problem_name(p), field != NULL ? " field=" : "",
				      field != NULL ? field : "");
}

/* Contract in http-routes.h. */
void http_reply_body(struct http_exchange *ex, unsigned status, const char *content_type, const void *body,
		     size_t len)
{
	set_body(ex, status, content_type, body, len);
}

/* Contract in http-routes.h. */
void http_exchange_outcome(struct http_exchange *ex, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	free(ex->outcome);
	ex->outcome = s;
}
