/* An HTTP request as a job of libuv's thread pool: queued from
 * libmicrohttpd's thread through an async handle, run on a worker's
 * PostgreSQL connection (workers.h) like mail's deliveries: the API key,
 * its scope and rate, the Idempotency-Key, then the route's handler. The
 * connection is resumed on the loop thread when the job is done. */
#include "config.h"
#include "http-server-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-http.h"
#include "workers.h"

/* Checks the API key and its scope; fills the exchange's key fields. 0
 * accepted, -1 answered (401, 403, 429 or 503). */
static int job_auth(struct http_req *r)
{
	struct http_exchange *ex = &r->ex;
	char id[HTTP_KEY_ID_LEN + 1], hash[65], *error = NULL;
	struct db_apikey k;
	const char *key;
	unsigned scope, wait;
	int found;

	if (http_key_parse(http_exchange_header(ex, "Authorization"), id, &key) < 0) {
		http_reply_problem(ex, HTTP_PROBLEM_UNAUTHORIZED, "send \"Authorization: Bearer KEY\"", NULL);
		return -1;
	}
	snprintf(ex->key_id, sizeof(ex->key_id), "%s", id);
	if ((found = db_apikey_find(ex->db, id, &k, &error)) < 0) {
		log_warn("event=http.auth id=%s error=\"%s\"", r->request_id, error);
		free(error);
		http_reply_problem(ex, HTTP_PROBLEM_UNAVAILABLE, "the key could not be checked", NULL);
		return -1;
	}
	http_key_hash(key, hash);
	if (found == 0 || !http_key_hash_equal(hash, k.key_sha256) || k.revoked) {
		http_reply_problem(ex, HTTP_PROBLEM_UNAUTHORIZED, found > 0 && k.revoked && http_key_hash_equal(hash, k.key_sha256)
						? "the key was revoked" : "unknown key", NULL);
		return -1;
	}
	ex->key_row_id = k.id;
	ex->tenant_id = k.tenant_id;
	ex->scope = scope = http_scope_parse(k.scope);
	if (scope != HTTP_SCOPE_ADMIN && (r->route->scopes & scope) == 0) {
		http_reply_problem(ex, HTTP_PROBLEM_FORBIDDEN, "the key's scope does not allow this route", NULL);
		return -1;
	}
	pthread_mutex_lock(&r->srv->rate_lock);
	wait = http_rate_take(r->srv->rate_key, id, http_now());
	pthread_mutex_unlock(&r->srv->rate_lock);
	if (wait > 0) {
		ex->retry_after = wait;
		http_reply_problem(ex, HTTP_PROBLEM_RATE, "too many requests with this key", NULL);
		return -1;
	}
	if (db_apikey_touch(ex->db, k.id, r->client, &error) < 0) {
		log_warn("event=http.auth id=%s key=%s error=\"%s\"", r->request_id, id, error);
		free(error);
	}
	return 0;
}

/* A stored answer for the request's Idempotency-Key: 1 replayed (or
 * refused: another body), 0 none, -1 answered with an error. */
static int job_replay(struct http_req *r)
{
	struct http_exchange *ex = &r->ex;
	struct db_http_idem rec;
	char stored[65], *error = NULL;
	int found = db_http_idem_find(ex->db, ex->key_row_id, ex->path, r->idem_key, &rec, stored, &error);

	if (found < 0) {
		log_warn("event=http.idempotency id=%s error=\"%s\"", r->request_id, error);
		free(error);
		http_reply_problem(ex, HTTP_PROBLEM_UNAVAILABLE, "the Idempotency-Key could not be checked", NULL);
		return -1;
	}
	if (found == 0)
		return 0;
	if (strcmp(stored, r->idem_hash) != 0) {
		http_reply_problem(ex, HTTP_PROBLEM_IDEM_MISMATCH,
				   "this Idempotency-Key was used with another request body", "Idempotency-Key");
		return 1;
	}
	free(ex->outcome);
	ex->outcome = NULL;
	r->route->replay(ex, &rec);
	http_exchange_outcome(ex, "replayed ticket=%lld", (long long)rec.ticket_number);
	return 1;
}

/* Auth, idempotency and the handler, on the worker's connection. */
static void job_run(struct http_req *r)
{
	struct http_exchange *ex = &r->ex;
	char route_name[128];

	if (r->route->scopes != 0 && job_auth(r) < 0)
		return;
	/* A public route's records are its path's (no key to scope them). */
	if (r->idem_key[0] != '\0' && r->route->idempotent && (ex->key_row_id > 0 || r->route->scopes == 0)) {
		snprintf(route_name, sizeof(route_name), "%s %s", r->route->method, r->route->pattern);
		http_body_hash(route_name, ex->body, ex->body_len, r->idem_hash);
		if (job_replay(r) != 0)
			return;
		r->idem = (struct db_http_idem){ .api_key_id = ex->key_row_id, .public_path = ex->path,
						 .idem_key = r->idem_key, .body_sha256 = r->idem_hash };
		ex->idem = &r->idem;
	}
	r->route->handle(ex);
	/* A concurrent twin with the same key committed first: this one
	 * failed on the key's row (or, retried, found the twin's message a
	 * duplicate) and answers with the twin's result. */
	if (ex->idem != NULL && (ex->status >= 500 || ex->done_before))
		job_replay(r);
}

/* The pool thread's part. */
static void job_work(uv_work_t *w)
{
	struct http_req *r = w->data;
	char *error = NULL;

	r->ex.db = workers_acquire(r->ex.rt, &error);
	if (r->ex.db == NULL) {
		log_warn("event=http.db id=%s error=\"%s\"", r->request_id, error);
		free(error);
		http_reply_problem(&r->ex, HTTP_PROBLEM_UNAVAILABLE, "the database is unavailable", NULL);
	} else {
		job_run(r);
	}
	workers_release(&r->ex.db);
}

/* Back on the loop: libmicrohttpd sends the answer. */
static void job_done(uv_work_t *w, int status)
{
	struct http_req *r = w->data;

	if (status != 0 && r->ex.status == 0)
		http_reply_problem(&r->ex, HTTP_PROBLEM_UNAVAILABLE, "the request was cancelled", NULL);
	r->state = HTTP_REQ_DONE;
	MHD_resume_connection(r->conn);
}

/* Starts one queued request's job (loop thread). */
static void job_start(struct http_server *srv, struct http_req *r)
{
	r->ex.rt = runtime_get();
	if (uv_queue_work(srv->loop, &r->work, job_work, job_done) != 0) {
		http_reply_problem(&r->ex, HTTP_PROBLEM_UNAVAILABLE, "the request could not be queued", NULL);
		r->state = HTTP_REQ_DONE;
		MHD_resume_connection(r->conn);
	}
}

/* Takes the whole queue, oldest first (under srv->lock). */
static struct http_req *queue_take(struct http_server *srv)
{
	struct http_req *rev = NULL, *r = srv->queue;

	srv->queue = NULL;
	while (r != NULL) {
		struct http_req *next = r->next;
		r->next = rev;
		rev = r;
		r = next;
	}
	return rev;
}

/* The async handle: starts what libmicrohttpd's thread queued. */
static void on_async(uv_async_t *a)
{
	struct http_server *srv = a->data;
	struct http_req *r, *next;

	pthread_mutex_lock(&srv->lock);
	r = queue_take(srv);
	pthread_mutex_unlock(&srv->lock);
	for (; r != NULL; r = next) {
		next = r->next;
		job_start(srv, r);
	}
}

/* Contract in http-server-private.h. */
int http_job_queue(struct http_server *srv, struct http_req *r)
{
	pthread_mutex_lock(&srv->lock);
	if (srv->closed) {
		pthread_mutex_unlock(&srv->lock);
		return -1;
	}
	r->next = srv->queue;
	srv->queue = r;
	uv_async_send(&srv->async);
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

/* Contract in http-server-private.h. */
int http_job_init(struct http_server *srv)
{
	srv->async.data = srv;
	return uv_async_init(srv->loop, &srv->async, on_async) == 0 ? 0 : -1;
}

/* Contract in http-server.h. */
void http_server_stop_accepting(struct http_server *srv)
{
	if (srv == NULL)
		return;
	pthread_mutex_lock(&srv->lock);
	if (srv->closed) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	srv->closed = true;
	pthread_mutex_unlock(&srv->lock);
	on_async(&srv->async); /* what was queued still runs */
	uv_close((uv_handle_t *)&srv->async, NULL);
}
