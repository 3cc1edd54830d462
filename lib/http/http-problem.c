/* problem+json answers (RFC 9457) with stable type URIs: the one table
 * that maps each problem to its status, name and title. */
#include "config.h"
#include "http/http.h"

#include <jansson.h>
#include <stdlib.h>

#include "base/xalloc.h"

#define HTTP_PROBLEM_BASE "https://maildesk.invalid/problems/"

static const struct {
	unsigned status;
	const char *name, *title;
} problems[HTTP_PROBLEM_COUNT] = {
	[HTTP_PROBLEM_NOT_FOUND] = { 404, "not-found", "No such resource" },
	[HTTP_PROBLEM_METHOD] = { 405, "method-not-allowed", "Method not allowed on this resource" },
	[HTTP_PROBLEM_UNAUTHORIZED] = { 401, "unauthorized", "A valid API key is required" },
	[HTTP_PROBLEM_FORBIDDEN] = { 403, "forbidden", "The API key's scope does not allow this" },
	[HTTP_PROBLEM_TOO_LARGE] = { 413, "body-too-large", "The request body exceeds http_max_body" },
	[HTTP_PROBLEM_MEDIA_TYPE] = { 415, "unsupported-media-type", "Unsupported Content-Type" },
	[HTTP_PROBLEM_BAD_JSON] = { 400, "malformed-body", "The body is not a JSON object" },
	[HTTP_PROBLEM_INVALID] = { 422, "invalid-field", "A field is missing or invalid" },
	[HTTP_PROBLEM_RATE] = { 429, "rate-limited", "Too many requests" },
	[HTTP_PROBLEM_IDEM_KEY] = { 400, "bad-idempotency-key", "The Idempotency-Key header is invalid" },
	[HTTP_PROBLEM_IDEM_MISMATCH] = { 422, "idempotency-key-reused",
					 "The Idempotency-Key was used with another request" },
	[HTTP_PROBLEM_IDEM_PENDING] = { 409, "idempotency-key-in-progress",
					"A request with this Idempotency-Key is still being processed" },
	[HTTP_PROBLEM_UNAVAILABLE] = { 503, "unavailable", "The service is unavailable, try again later" },
	[HTTP_PROBLEM_INTERNAL] = { 500, "internal", "Internal error" },
	[HTTP_PROBLEM_BAD_QUERY] = { 400, "bad-query", "A query parameter is invalid" },
	[HTTP_PROBLEM_FORM_SPAM] = { 422, "form-spam", "The form was not filled in by a person" },
	[HTTP_PROBLEM_FORM_STAMP] = { 400, "form-stamp", "The form must be loaded again" },
	[HTTP_PROBLEM_FORM_TOO_FAST] = { 422, "form-too-fast", "The form was sent too soon after it was loaded" },
};

/* Contract in http.h. */
unsigned http_problem_status(enum http_problem p)
{
	return p < HTTP_PROBLEM_COUNT ? problems[p].status : 500;
}

/* Contract in http.h. */
const char *http_problem_name(enum http_problem p)
{
	return p < HTTP_PROBLEM_COUNT ? problems[p].name : "internal";
}

/* Contract in http.h. */
const char *http_problem_title(enum http_problem p)
{
	return p < HTTP_PROBLEM_COUNT ? problems[p].title : "Internal error";
}

/* Contract in http.h. */
char *http_problem_json(enum http_problem p, const char *detail, const char *field)
{
	json_t *o = json_object();
	char *type = xasprintf(HTTP_PROBLEM_BASE "%s", http_problem_name(p));
	char *s, *out;

	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "title", json_string(http_problem_title(p)));
	json_object_set_new(o, "status", json_integer(http_problem_status(p)));
	/* A detail may quote a stranger's bytes: json_string refuses invalid
	 * UTF-8, so such a detail is left out rather than sent broken. */
	if (detail != NULL) {
		json_t *d = json_string(detail);
		if (d != NULL)
			json_object_set_new(o, "detail", d);
	}
	if (field != NULL)
		json_object_set_new(o, "field", json_string(field));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	free(type);
	out = xstrdup(s);
	free(s);
	return out;
}
