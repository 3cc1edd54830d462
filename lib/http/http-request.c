/* The JSON body of POST /v1/requests: parsed, typed and checked before
 * anything reaches the database. Values lib/desk checks again (the order
 * reference, the address) are only checked here for presence and type;
 * the field that is wrong is always named. */
#include "config.h"
#include "http/http.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define MAX_ATTACHMENTS 20

/* Decodes standard base64 (blanks and newlines allowed): 0 or -1. */
static int base64_decode(const char *s, unsigned char **out_r, size_t *len_r)
{
	size_t n = strlen(s), k = 0, pad = 0;
	char *clean = xmalloc(n + 1);
	unsigned char *out;
	int got;

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			clean[k++] = s[i];
	clean[k] = '\0';
	if (k % 4 != 0 || strspn(clean, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != k) {
		free(clean);
		return -1;
	}
	for (size_t i = k; i > 0 && clean[i - 1] == '=' && pad < 2; i--)
		pad++;
	if (strchr(clean, '=') != NULL && (size_t)(strchr(clean, '=') - clean) != k - pad) {
		free(clean);
		return -1;
	}
	out = xmalloc(k / 4 * 3 + 1);
	got = k > 0 ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)k) : 0;
	free(clean);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return -1;
	}
	*out_r = out;
	*len_r = (size_t)got - pad;
	return 0;
}

/* An optional string member: 1 set (*v_r malloc'd), 0 absent or null, -1
 * another type. */
static int get_string(json_t *o, const char *name, char **v_r)
{
	json_t *v = json_object_get(o, name);

	*v_r = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*v_r = xstrndup(json_string_value(v), json_string_length(v));
	/* jansson allows \u0000 inside strings: such a value is refused. */
	if (strlen(*v_r) != json_string_length(v)) {
		free(*v_r);
		*v_r = NULL;
		return -1;
	}
	return 1;
}

struct field_err {
	char **detail_r;
	const char **field_r;
};

/* Records an invalid field and returns -1. */
static int bad(const struct field_err *e, const char *field, const char *detail)
{
	*e->field_r = field;
	*e->detail_r = xasprintf("%s: %s", field, detail);
	return -1;
}

/* A required non-empty string member. */
static int required(json_t *o, const char *name, char **v_r, const struct field_err *e)
{
	int r = get_string(o, name, v_r);

	if (r < 0)
		return bad(e, name, "must be a string");
	if (r == 0 || (*v_r)[0] == '\0')
		return bad(e, name, "is required");
	return 0;
}

/* One element of "attachments". */
static int attachment(json_t *a, struct http_attachment *at, const struct field_err *e)
{
	char *b64 = NULL;
	int ret = -1;

	if (!json_is_object(a))
		return bad(e, "attachments", "each attachment is an object");
	if (get_string(a, "filename", &at->filename) <= 0 || at->filename[0] == '\0')
		return bad(e, "attachments", "an attachment needs a filename (string)");
	if (get_string(a, "content_type", &at->content_type) < 0)
		return bad(e, "attachments", "content_type must be a string");
	if (at->content_type != NULL && (strchr(at->content_type, '/') == NULL ||
					 strpbrk(at->content_type, " \t\r\n;\"") != NULL))
		return bad(e, "attachments", "content_type must be type/subtype");
	if (get_string(a, "content_base64", &b64) <= 0)
		return bad(e, "attachments", "an attachment needs content_base64 (string)");
	if (base64_decode(b64, &at->data, &at->len) < 0)
		bad(e, "attachments", "content_base64 is not valid base64");
	else
		ret = 0;
	free(b64);
	return ret;
}

/* The optional "attachments" array. */
static int attachments(json_t *o, struct http_request_in *in, const struct field_err *e)
{
	json_t *arr = json_object_get(o, "attachments");
	size_t i;
	json_t *a;

	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return bad(e, "attachments", "must be an array");
	if (json_array_size(arr) > MAX_ATTACHMENTS)
		return bad(e, "attachments", "at most 20 attachments");
	in->attachments = xcalloc(json_array_size(arr) + 1, sizeof(*in->attachments));
	json_array_foreach(arr, i, a)
	{
		if (attachment(a, &in->attachments[i], e) < 0) {
			in->n_attachments = i + 1;
			return -1;
		}
	}
	in->n_attachments = json_array_size(arr);
	return 0;
}

/* Refuses members this route does not know (a typo must not be lost
 * silently). */
static int unknown_members(json_t *o, const struct field_err *e)
{
	static const char *const known[] = { "order", "reason", "from", "subject", "message", "attachments" };
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		size_t i;
		for (i = 0; i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]) != 0; i++)
			;
		if (i == sizeof(known) / sizeof(known[0])) {
			*e->field_r = NULL;
			*e->detail_r = xstrdup("unknown member in the body (see maildesk-http(7))");
			return -1;
		}
	}
	return 0;
}

/* Contract in http.h. */
int http_request_parse(const char *body, size_t len, struct http_request_in *in, enum http_problem *problem_r,
		       char **detail_r, const char **field_r)
{
	const struct field_err e = { detail_r, field_r };
	json_error_t jerr;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	int ret;

	memset(in, 0, sizeof(*in));
	*field_r = NULL;
	*problem_r = HTTP_PROBLEM_BAD_JSON;
	if (o == NULL || !json_is_object(o)) {
		*detail_r = o == NULL ? xasprintf("invalid JSON at byte %d: %s", jerr.position, jerr.text)
				      : xstrdup("the body must be a JSON object");
		json_decref(o);
		return -1;
	}
	*problem_r = HTTP_PROBLEM_INVALID;
	ret = unknown_members(o, &e);
	if (ret == 0)
		ret = required(o, "order", &in->order, &e);
	if (ret == 0)
		ret = required(o, "reason", &in->reason, &e);
	if (ret == 0)
		ret = required(o, "from", &in->from, &e);
	if (ret == 0)
		ret = required(o, "message", &in->message, &e);
	if (ret == 0 && get_string(o, "subject", &in->subject) < 0)
		ret = bad(&e, "subject", "must be a string");
	if (ret == 0)
		ret = attachments(o, in, &e);
	json_decref(o);
	if (ret < 0)
		http_request_in_free(in);
	return ret;
}

/* Contract in http.h. */
void http_request_in_free(struct http_request_in *in)
{
	for (size_t i = 0; i < in->n_attachments; i++) {
		free(in->attachments[i].filename);
		free(in->attachments[i].content_type);
		free(in->attachments[i].data);
	}
	free(in->attachments);
	free(in->order);
	free(in->reason);
	free(in->from);
	free(in->subject);
	free(in->message);
	memset(in, 0, sizeof(*in));
}
