#ifndef MD_DAEMON_HTTP_ROUTES_H
#define MD_DAEMON_HTTP_ROUTES_H
/* The HTTP API's routes (issue 13; the listener is http-server.c). One
 * file per route family (http-route-requests.c, http-route-tickets.c, ...)
 * defines a table `const struct http_route http_routes_FAMILY[]` ended by
 * a zeroed entry, and http-routes.c lists the tables.
 *
 * How a request walks: libmicrohttpd's thread matches the route (404/405
 * otherwise), refuses a body over http_max_body (413) or a client address
 * over its rate (429), collects the body and the headers; then the request
 * becomes a job of libuv's thread pool, the same pool and the same
 * per-thread PostgreSQL connection (workers.h) as mail's deliveries. In
 * the job the server checks the API key (401), its scope (403) and the
 * key's rate (429), the Idempotency-Key (replaying a stored answer), and
 * calls the route's handle() with the worker's database connection. The
 * answer goes back to libmicrohttpd's thread; the request is logged once,
 * with the key's id (never the key) and the outcome.
 *
 * How to add a route:
 *   1. In your family's file write
 *        static void forms_get(struct http_exchange *ex) { ... }
 *        const struct http_route http_routes_forms[] = {
 *            { "GET", "/v1/forms/{}", 0, NULL, false, forms_get, NULL },
 *            { "POST", "/v1/forms/{}", 0, http_ctypes_form, true, forms_post, forms_replay },
 *            { 0 } };
 *      and add `extern const struct http_route http_routes_forms[];` below
 *      and its name to the list in http-routes.c; the file to
 *      daemon/maildeskd.mk.
 *   2. handle() runs in a pool thread: read ex->path_args[i] (the {}
 *      segments, decoded), http_exchange_query(ex, name), ex->body and
 *      ex->body_len (a JSON body: parse it with jansson or a lib/http
 *      parser; urlencoded: http_params_parse from lib/http; multipart:
 *      see lib/http's http_multipart_parse when it exists, not yet),
 *      http_exchange_header(ex, name); call
 *      lib/desk with ex->db and &ex->rt->desk (lib/desk opens and commits
 *      its own transaction: never leave one open); answer with exactly one
 *      of http_reply_json(), http_reply_problem(), http_reply_body().
 *   3. A writing route that honours Idempotency-Key sets idempotent and
 *      replay: when ex->idem is not NULL, the handler stores that record
 *      (db_http_idem_insert, with the status and the ticket it answers)
 *      in the same transaction as the ticket it makes (lib/desk takes it,
 *      see struct desk_request.idem); a retry with the same key and body
 *      then gets replay(ex, record) instead of a second ticket, also when
 *      both run at once (the second waits on the unique key and fails;
 *      the server then replays the first's record; a handler that found
 *      its work stored before sets done_before for the same). A public
 *      route's records are keyed by its path (sql/028).
 *   4. Public routes (scopes 0, e.g. an HTML form a browser posts) have
 *      no key: ex->tenant_id is 0 and the route finds its tenant itself;
 *      the per-address rate limit still applies.
 * Tests: t/e2e-http.sh (curl against a daemon with http_listen). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "db/db-http.h"
#include "http/http.h"
#include "runtime.h"

struct db;

#define HTTP_MAX_PATH_ARGS 4
#define HTTP_MAX_HEADERS 64

/* One request and its answer, as a handler sees it (pool thread). */
struct http_exchange {
	/* the request (read-only for handlers) */
	const char *request_id; /* 16 hex, in the log line and X-Request-Id */
	const char *method, *path;
	const char *path_args[HTTP_MAX_PATH_ARGS]; /* the {} segments, decoded */
	size_t n_path_args;
	const struct http_params *query;
	const char *content_type; /* the header as sent, or NULL */
	const char *body;         /* NUL-terminated copy; body_len bytes */
	size_t body_len;
	const char *client_address; /* after X-Forwarded-For of trusted proxies */
	struct runtime *rt;         /* the job's snapshot */
	struct db *db;              /* the worker's connection, for this job */
	/* the API key (0 / "" for a public route) */
	int64_t key_row_id, tenant_id;
	char key_id[HTTP_KEY_ID_LEN + 1];
	unsigned scope;
	/* Idempotency-Key: NULL, or the record to store with what the
	 * handler makes (set the status, ticket_number and joined before). */
	struct db_http_idem *idem;
	/* Set by a handler whose work was stored before (a duplicate): with
	 * an Idempotency-Key, the server answers from a twin's record when
	 * there is one (else the handler's answer stands). */
	bool done_before;
	/* the answer (set through http_reply_*) */
	unsigned status;
	char *resp_type; /* Content-Type */
	struct buf resp;
	char *location;       /* NULL or a Location header */
	unsigned retry_after; /* 0: none */
	char *outcome;        /* for the log: what it did ("ticket=12 joined=0") */
	/* the server's (headers, copied from libmicrohttpd's thread) */
	const char *const *headers; /* name, value, name, value ... */
	size_t n_headers;
};

/* The body types a route accepts: NULL-terminated lists, compared with the
 * Content-Type up to ';' (case-insensitive). */
extern const char *const http_ctypes_json[];
extern const char *const http_ctypes_form[]; /* urlencoded and multipart/form-data */

struct http_route {
	const char *method;  /* "GET", "POST" */
	const char *pattern; /* "/v1/x/{}/y": each {} matches one non-empty segment */
	unsigned scopes;     /* HTTP_SCOPE_* accepted (admin is always); 0: public */
	const char *const *content_types; /* NULL: any (or none) */
	bool idempotent;     /* honours Idempotency-Key (with replay) */
	void (*handle)(struct http_exchange *ex);
	/* Answers a retry from its stored record (idempotent routes). */
	void (*replay)(struct http_exchange *ex, const struct db_http_idem *rec);
};

/* The route tables (one per family), listed in http-routes.c. */
extern const struct http_route http_routes_requests[];
extern const struct http_route http_routes_tickets[];
/* Web forms, chat transcripts, shop events (http-route-intake.c). */
extern const struct http_route http_routes_intake[];

/* Finds the route of method and path: 1 found (*route_r, args filled:
 * pointers into the malloc'd *args_buf_r, free it), 0 no such path (404),
 * -1 the path exists for other methods (405; *allow_r static "GET, POST"
 * style list in allow[64]). Any thread. */
int http_route_match(const char *method, const char *path, const struct http_route **route_r,
		     const char *args[HTTP_MAX_PATH_ARGS], size_t *n_args_r, char **args_buf_r, char allow[64]);
/* Whether ct (a Content-Type header or NULL) is in the list (NULL: any). */
bool http_route_ctype_ok(const char *const *list, const char *ct);

/* ---- for handlers (http-exchange.c) ---- */

/* The single query parameter name: its value (borrowed), or NULL when
 * absent or given more than once (then *twice is set, when not NULL). */
const char *http_exchange_query(const struct http_exchange *ex, const char *name, bool *twice);
/* A request header (case-insensitive name), NULL when absent. */
const char *http_exchange_header(const struct http_exchange *ex, const char *name);
/* Answers with a JSON value (taken: decref'd here). */
void http_reply_json(struct http_exchange *ex, unsigned status, json_t *v);
/* Answers with a problem (detail and field may be NULL; copied). */
void http_reply_problem(struct http_exchange *ex, enum http_problem p, const char *detail, const char *field);
/* Answers with any body (copied) of type content_type (e.g. an HTML page). */
void http_reply_body(struct http_exchange *ex, unsigned status, const char *content_type, const void *body,
		     size_t len);
/* Sets the log line's outcome (printf-style; replaces an earlier one). */
void http_exchange_outcome(struct http_exchange *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
