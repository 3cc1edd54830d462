#ifndef MD_HTTP_H
#define MD_HTTP_H
/* lib/http (issue 13): the pure side of maildeskd's HTTP API, no sockets,
 * no database: problem+json answers with their stable type URIs, query
 * strings and urlencoded bodies, API key syntax and hashing, the
 * Idempotency-Key header, client addresses behind trusted proxies, rate
 * buckets and the JSON bodies of the intake routes. daemon/http-*.c is the
 * glue (libmicrohttpd, the worker pool); fuzz/fuzz-http.c feeds strangers'
 * bytes to every parser here. Strings returned are malloc'd (free()) unless
 * a comment says otherwise. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* ---- problem+json (RFC 9457) ---- */

/* Every problem the API answers with. The type URI is
 * "https://maildesk.invalid/problems/NAME" (NAME below); maildesk-http(7)
 * documents each. Append only: the names are an interface. */
enum http_problem {
	HTTP_PROBLEM_NOT_FOUND,       /* 404 not-found */
	HTTP_PROBLEM_METHOD,          /* 405 method-not-allowed */
	HTTP_PROBLEM_UNAUTHORIZED,    /* 401 unauthorized: no, bad or revoked key */
	HTTP_PROBLEM_FORBIDDEN,       /* 403 forbidden: the key's scope does not cover the route */
	HTTP_PROBLEM_TOO_LARGE,       /* 413 body-too-large */
	HTTP_PROBLEM_MEDIA_TYPE,      /* 415 unsupported-media-type */
	HTTP_PROBLEM_BAD_JSON,        /* 400 malformed-body: not JSON / not an object */
	HTTP_PROBLEM_INVALID,         /* 422 invalid-field: a field missing or wrong (field names it) */
	HTTP_PROBLEM_RATE,            /* 429 rate-limited (Retry-After) */
	HTTP_PROBLEM_IDEM_KEY,        /* 400 bad-idempotency-key: header syntax */
	HTTP_PROBLEM_IDEM_MISMATCH,   /* 422 idempotency-key-reused: same key, other body */
	HTTP_PROBLEM_IDEM_PENDING,    /* 409 idempotency-key-in-progress */
	HTTP_PROBLEM_UNAVAILABLE,     /* 503 unavailable: database down, shutting down */
	HTTP_PROBLEM_INTERNAL,        /* 500 internal */
	HTTP_PROBLEM_BAD_QUERY,       /* 400 bad-query: a query parameter is wrong (field names it) */
	HTTP_PROBLEM_FORM_SPAM,       /* 422 form-spam: a web form's honeypot was filled */
	HTTP_PROBLEM_FORM_STAMP,      /* 400 form-stamp: a web form's stamp is missing, forged or too old */
	HTTP_PROBLEM_FORM_TOO_FAST,   /* 422 form-too-fast: sent sooner than the form's minimum fill time */
	HTTP_PROBLEM_COUNT
};
/* The HTTP status of a problem. */
unsigned http_problem_status(enum http_problem p);
/* Its short name (the end of its type URI) and title; static strings. */
const char *http_problem_name(enum http_problem p);
const char *http_problem_title(enum http_problem p);
/* The application/problem+json body: type, title, status, detail (NULL:
 * none) and, when field is not NULL, "field". Returns a malloc'd
 * NUL-terminated JSON text. */
char *http_problem_json(enum http_problem p, const char *detail, const char *field);

/* ---- query strings and urlencoded bodies ---- */

struct http_param {
	char *name, *value; /* decoded; a value may hold any byte but NUL */
};
struct http_params {
	struct http_param *v;
	size_t n;
};
/* Parses "a=1&b=x%20y" (also a form body: '+' is a space). A name without
 * '=' has the value "". Refused (-1, *error_r a static text): a bad
 * %-escape, an encoded NUL, more than max_params pairs. 0 with *p filled
 * (free with http_params_free) otherwise. */
int http_params_parse(const char *s, size_t len, size_t max_params, struct http_params *p, const char **error_r);
void http_params_free(struct http_params *p);
/* The value of the single parameter name: 1 found (*value_r borrowed), 0
 * absent, -1 given more than once. */
int http_params_get(const struct http_params *p, const char *name, const char **value_r);

/* ---- API keys ---- */

/* A key is "mdk_" + 16 hex (its public id, stored in clear) + "_" + 43
 * base64url characters (32 random bytes). */
#define HTTP_KEY_ID_LEN 16
#define HTTP_KEY_LEN (4 + HTTP_KEY_ID_LEN + 1 + 43)
/* Makes a new key from 256 bits of the system's randomness. 0 with
 * key[HTTP_KEY_LEN + 1] and id[HTTP_KEY_ID_LEN + 1] filled, -1 when no
 * randomness could be read. */
int http_key_generate(char key[HTTP_KEY_LEN + 1], char id[HTTP_KEY_ID_LEN + 1]);
/* Reads an Authorization header ("Bearer KEY", case-insensitive scheme)
 * or a bare key: 0 with id[] the key's public id and *key_r pointing at
 * the key inside header; -1 when it is not one (nothing else is said, to
 * a stranger). */
int http_key_parse(const char *header, char id[HTTP_KEY_ID_LEN + 1], const char **key_r);
/* SHA-256 of the whole key as 64 lower-case hex digits (what is stored). */
void http_key_hash(const char *key, char hex[65]);
/* Compares two hex hashes in constant time. */
bool http_key_hash_equal(const char *a, const char *b);
/* Scopes: intake < read < admin is not an order; each route names the
 * scopes it accepts (admin covers all). */
enum http_scope { HTTP_SCOPE_INTAKE = 1, HTTP_SCOPE_READ = 2, HTTP_SCOPE_ADMIN = 4 };
/* "intake", "read" or "admin" to its flag; 0 for anything else. */
unsigned http_scope_parse(const char *s);
const char *http_scope_name(unsigned scope);

/* ---- Idempotency-Key ---- */

/* Whether v is a usable Idempotency-Key: 1-255 printable ASCII
 * characters (0x21-0x7e), optionally one quoted string of them
 * (draft-ietf-httpapi-idempotency-key-header). 0 with the key in out
 * (unquoted; out of size >= 256), -1 with *error_r static. */
int http_idem_key_parse(const char *v, char out[256], const char **error_r);
/* SHA-256 (hex) of a request's route and body: what a retry must match. */
void http_body_hash(const char *route, const void *body, size_t len, char hex[65]);

/* ---- client addresses ---- */

struct http_cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
};
struct http_cidrs {
	struct http_cidr *v;
	size_t n;
};
/* Parses "10.0.0.0/8, ::1, 192.0.2.7" (commas or blanks between; a bare
 * address is /32 or /128). 0, or -1 with *error_r malloc'd naming the
 * bad item. */
int http_cidrs_parse(const char *s, struct http_cidrs *c, char **error_r);
void http_cidrs_free(struct http_cidrs *c);
/* Whether the textual address is inside one of c. */
bool http_cidrs_match(const struct http_cidrs *c, const char *addr);
/* The client's address: peer itself unless peer is a trusted proxy; then
 * X-Forwarded-For (xff, may be NULL) is read from its right end, skipping
 * trusted proxies, and the first address that is not one is the client
 * (an unparsable item ends the walk at the last trusted hop). Writes a
 * NUL-terminated address of at most 45 characters into out[46]. */
void http_client_address(const struct http_cidrs *trusted, const char *peer, const char *xff, char out[46]);

/* ---- rate limits ---- */

/* Token buckets by name (a key id or a client address), refilled at
 * per_minute tokens a minute up to per_minute. The caller passes the
 * time (seconds, any monotonic origin) and serialises calls. At most
 * max_entries names are kept; the longest idle is dropped for a new one. */
struct http_rate;
struct http_rate *http_rate_new(unsigned per_minute, size_t max_entries);
void http_rate_free(struct http_rate **r);
/* Takes one token for name at time now: 0 allowed, else the seconds to
 * wait before one is there (>= 1; for Retry-After). per_minute 0: never
 * limited. */
unsigned http_rate_take(struct http_rate *r, const char *name, double now);

/* ---- JSON bodies ---- */

/* POST /v1/requests: strings owned by the struct. */
struct http_request_in {
	char *order, *reason, *from, *subject, *message;
	struct http_attachment {
		char *filename, *content_type;
		unsigned char *data; /* decoded from base64 */
		size_t len;
	} *attachments;
	size_t n_attachments;
};
/* Parses and checks the body. 0 with *in; -1 with *problem_r
 * (HTTP_PROBLEM_BAD_JSON or HTTP_PROBLEM_INVALID), *detail_r (malloc'd)
 * and *field_r (static, NULL for the whole body). */
int http_request_parse(const char *body, size_t len, struct http_request_in *in, enum http_problem *problem_r,
		       char **detail_r, const char **field_r);
void http_request_in_free(struct http_request_in *in);

#endif
