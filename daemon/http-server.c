/* The HTTP API's listener (contract in http-server.h): libmicrohttpd's
 * thread takes a request from its first byte to a queued job and, when
 * the job has answered, sends the answer and logs the request. Nothing
 * here touches the database. */
#include "config.h"
#include "http-server.h"
#include "http-server-private.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Query parameters and headers kept per request. */
#define HTTP_MAX_PARAMS 64

/* Contract in http-server-private.h. */
double http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Leaves the path's %-escapes alone: routes decode their own segments
 * once (libmicrohttpd's default would decode "%2F" into a separator and
 * let "%2541" be decoded twice). */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return strlen(s);
}

/* Collects one header (the first HTTP_MAX_HEADERS). */
static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct http_req *r = cls;

	(void)kind;
	if (r->n_headers >= HTTP_MAX_HEADERS)
		return MHD_NO;
	r->headers = xrealloc(r->headers, (r->n_headers + 1) * 2 * sizeof(char *));
	r->headers[2 * r->n_headers] = xstrdup(name);
	r->headers[2 * r->n_headers + 1] = xstrdup(value != NULL ? value : "");
	r->n_headers++;
	return MHD_YES;
}

/* Rebuilds the raw query ("a=1&b=2") for lib/http's parser. */
static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct buf *b = cls;

	(void)kind;
	if (b->len > 0)
		buf_append_str(b, "&");
	buf_append_str(b, name);
	if (value != NULL) {
		buf_append_str(b, "=");
		buf_append_str(b, value);
	}
	return MHD_YES;
}

/* The peer's address as text. */
static void peer_address(struct MHD_Connection *conn, char out[46])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(out, 46, "unknown");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 46);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 46);
}

/* A new request's state; its id is the server's counter. */
static struct http_req *req_new(struct http_server *srv, struct MHD_Connection *conn, const char *method,
				const char *url)
{
	struct http_req *r = xcalloc(1, sizeof(*r));

	r->srv = srv;
	r->conn = conn;
	r->work.data = r;
	r->method = xstrdup(method);
	r->path = xstrdup(url);
	snprintf(r->request_id, sizeof(r->request_id), "%016" PRIx64, __atomic_add_fetch(&srv->next_id, 1, __ATOMIC_RELAXED));
	buf_init(&r->body, 0);
	buf_init(&r->ex.resp, 0);
	r->started_ns = (uint64_t)(http_now() * 1e9);
	r->ex.request_id = r->request_id;
	r->ex.method = r->method;
	r->ex.path = r->path;
	r->ex.query = &r->query;
	r->ex.client_address = r->client;
	return r;
}

/* Frees a request at its completion. */
static void req_free(struct http_req *r)
{
	for (size_t i = 0; i < r->n_headers * 2; i++)
		free(r->headers[i]);
	free(r->headers);
	free(r->args_buf);
	free(r->method);
	free(r->path);
	http_params_free(&r->query);
	buf_free(&r->body);
	buf_free(&r->ex.resp);
	free(r->ex.resp_type);
	free(r->ex.location);
	free(r->ex.outcome);
	runtime_unref(&r->ex.rt);
	free(r);
}

/* Sends the exchange's answer. */
static enum MHD_Result send_answer(struct http_req *r)
{
	struct http_exchange *ex = &r->ex;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char n[16];

	if (ex->status == 0)
		http_reply_problem(ex, HTTP_PROBLEM_INTERNAL, "the request got no answer", NULL);
	resp = MHD_create_response_from_buffer(ex->resp.len, ex->resp.data, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", ex->resp_type != NULL ? ex->resp_type : "text/plain");
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (ex->location != NULL)
		MHD_add_response_header(resp, "Location", ex->location);
	if (ex->retry_after > 0) {
		snprintf(n, sizeof(n), "%u", ex->retry_after);
		MHD_add_response_header(resp, "Retry-After", n);
	}
	if (ex->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"maildesk\"");
	ret = MHD_queue_response(r->conn, ex->status, resp);
	MHD_destroy_response(resp);
	r->state = HTTP_REQ_DONE;
	return ret;
}

/* Answers a problem at once, from libmicrohttpd's thread. */
static enum MHD_Result answer_problem(struct http_req *r, enum http_problem p, const char *detail)
{
	http_reply_problem(&r->ex, p, detail, NULL);
	return send_answer(r);
}

/* The checks of a request's first callback: route, size, client rate.
 * Returns 1 to go on reading, else the answer was queued. */
static int first_checks(struct http_req *r, enum MHD_Result *ret)
{
	struct http_server *srv = r->srv;
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	char peer[46], allow[64];
	unsigned wait;
	size_t n_args = 0;
	int found;

	peer_address(r->conn, peer);
	http_client_address(&srv->trusted, peer, xff, r->client);
	pthread_mutex_lock(&srv->rate_lock);
	wait = http_rate_take(srv->rate_addr, r->client, http_now());
	pthread_mutex_unlock(&srv->rate_lock);
	if (wait > 0) {
		r->ex.retry_after = wait;
		*ret = answer_problem(r, HTTP_PROBLEM_RATE, "too many requests from this address");
		return 0;
	}
	found = http_route_match(r->method, r->path, &r->route, r->ex.path_args, &n_args, &r->args_buf, allow);
	r->ex.n_path_args = n_args;
	if (found <= 0) {
		*ret = answer_problem(r, found == 0 ? HTTP_PROBLEM_NOT_FOUND : HTTP_PROBLEM_METHOD,
				      found == 0 ? NULL : allow);
		return 0;
	}
	if (cl != NULL && strtoull(cl, NULL, 10) > srv->max_body) {
		*ret = answer_problem(r, HTTP_PROBLEM_TOO_LARGE, "the body is larger than http_max_body");
		return 0;
	}
	return 1;
}

/* The request is complete: headers, query and Idempotency-Key are read;
 * the job is queued (the connection suspended) or a problem answered. */
static enum MHD_Result complete(struct http_req *r)
{
	struct buf q;
	const char *error = NULL, *idem;
	int qret;

	if (r->too_large)
		return answer_problem(r, HTTP_PROBLEM_TOO_LARGE, "the body is larger than http_max_body");
	if (!http_route_ctype_ok(r->route->content_types, MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
										       "Content-Type")))
		return answer_problem(r, HTTP_PROBLEM_MEDIA_TYPE, "see maildesk-http(7) for this route's body types");
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, header_cb, r);
	buf_init(&q, 0);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_cb, &q);
	qret = http_params_parse(q.data != NULL ? q.data : "", q.len, HTTP_MAX_PARAMS, &r->query, &error);
	buf_free(&q);
	if (qret < 0)
		return answer_problem(r, HTTP_PROBLEM_BAD_QUERY, error);
	r->ex.headers = (const char *const *)r->headers;
	r->ex.n_headers = r->n_headers;
	idem = http_exchange_header(&r->ex, "Idempotency-Key");
	if (idem != NULL && r->route->idempotent && http_idem_key_parse(idem, r->idem_key, &error) < 0)
		return answer_problem(r, HTTP_PROBLEM_IDEM_KEY, error);
	buf_append(&r->body, "", 1); /* the NUL handlers may rely on */
	r->ex.body = r->body.data;
	r->ex.body_len = r->body.len - 1;
	r->ex.content_type = http_exchange_header(&r->ex, "Content-Type");
	r->state = HTTP_REQ_QUEUED;
	MHD_suspend_connection(r->conn);
	if (http_job_queue(r->srv, r) < 0) {
		MHD_resume_connection(r->conn);
		r->state = HTTP_REQ_BODY;
		return answer_problem(r, HTTP_PROBLEM_UNAVAILABLE, "the server is shutting down");
	}
	return MHD_YES;
}

/* libmicrohttpd's callback, called several times per request: first
 * (checks), with each piece of the body, at its end (the job is queued),
 * and once more after the job resumed the connection (the answer). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_req *r = *con_cls;
	enum MHD_Result ret = MHD_YES;

	(void)version;
	if (r == NULL) {
		r = *con_cls = req_new(cls, conn, method, url);
		if (first_checks(r, &ret) == 0)
			return ret;
		r->state = HTTP_REQ_BODY;
		return MHD_YES;
	}
	if (r->state == HTTP_REQ_DONE)
		return send_answer(r);
	if (*upload_data_size > 0) {
		if (!r->too_large && r->body.len + *upload_data_size > r->srv->max_body)
			r->too_large = true;
		if (!r->too_large)
			buf_append(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->state == HTTP_REQ_BODY)
		return complete(r);
	return MHD_YES;
}

/* The log line of a finished request, then its memory. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;
	char path[160], outcome[200];
	double ms;

	(void)cls, (void)conn;
	if (r == NULL)
		return;
	ms = (http_now() * 1e9 - (double)r->started_ns) / 1e6;
	log_quote(path, sizeof(path), r->path, strlen(r->path), 120);
	log_quote(outcome, sizeof(outcome), r->ex.outcome != NULL ? r->ex.outcome : "",
		  r->ex.outcome != NULL ? strlen(r->ex.outcome) : 0, 160);
	log_info("event=http.request id=%s method=%s path=%s status=%u key=%s tenant=%" PRId64
		 " client=%s ms=%.1f outcome=%s%s",
		 r->request_id, r->method, path, r->ex.status, r->ex.key_id[0] != '\0' ? r->ex.key_id : "-",
		 r->ex.tenant_id, r->client, ms, outcome,
		 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
	req_free(r);
	*con_cls = NULL;
}

/* Reads a PEM file into memory for libmicrohttpd. */
static char *read_pem(const char *path, char **error_r)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n, len;

	if (f == NULL) {
		*error_r = xasprintf("http_tls: cannot read %s", path);
		return NULL;
	}
	buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 1);
	return buf_steal(&b, &len);
}

/* The listen address of http_listen ("IP:PORT", "[V6]:PORT"). */
static int listen_addr(const char *spec, struct sockaddr_storage *ss, char **error_r)
{
	struct md_listen la;
	const char *err = NULL;
	int ok;

	memset(ss, 0, sizeof(*ss));
	if (config_listen_parse(spec, &la, &err) < 0 || la.is_unix) {
		*error_r = xasprintf("http_listen: \"%s\": %s", spec, err != NULL ? err : "not IP:PORT");
		if (err == NULL)
			config_listen_free(&la);
		return -1;
	}
	ok = uv_ip4_addr(la.host, (int)la.port, (struct sockaddr_in *)ss) == 0 ||
	     uv_ip6_addr(la.host, (int)la.port, (struct sockaddr_in6 *)ss) == 0;
	config_listen_free(&la);
	if (!ok)
		*error_r = xasprintf("http_listen: \"%s\" is not an IP address and port", spec);
	return ok ? 0 : -1;
}

/* The server's settings from the configuration (no socket yet). */
static int settings(struct http_server *srv, const struct md_config *cfg, char **error_r)
{
	if (http_cidrs_parse(cfg->http_trusted_proxies, &srv->trusted, error_r) < 0) {
		char *e = *error_r;
		*error_r = xasprintf("http_trusted_proxies: %s", e);
		free(e);
		return -1;
	}
	srv->max_body = cfg->http_max_body;
	srv->rate_key = http_rate_new(cfg->http_rate_per_key, 4096);
	srv->rate_addr = http_rate_new(cfg->http_rate_per_address, 4096);
	if (!cfg->http_tls)
		return 0;
	if (cfg->tls_cert_file[0] == '\0' || cfg->tls_key_file[0] == '\0') {
		*error_r = xstrdup("http_tls = yes needs tls_cert_file and tls_key_file");
		return -1;
	}
	srv->cert_pem = read_pem(cfg->tls_cert_file, error_r);
	srv->key_pem = srv->cert_pem != NULL ? read_pem(cfg->tls_key_file, error_r) : NULL;
	return srv->key_pem != NULL ? 0 : -1;
}

/* libmicrohttpd's own complaints, into our log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512], q[600];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_quote(q, sizeof(q), line, strcspn(line, "\n"), 400);
	log_warn("event=http.error detail=%s", q);
}

/* Contract in http-server.h. */
int http_server_start(uv_loop_t *loop, const struct md_config *cfg, struct http_server **srv_r, char **error_r)
{
	struct sockaddr_storage ss;
	struct http_server *srv;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

	*srv_r = NULL;
	if (cfg->http_listen == NULL || cfg->http_listen[0] == '\0')
		return 0;
	if (listen_addr(cfg->http_listen, &ss, error_r) < 0)
		return -1;
	srv = xcalloc(1, sizeof(*srv));
	srv->loop = loop;
	srv->next_id = ((uint64_t)time(NULL) << 24) ^ (uint64_t)getpid() << 8;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->rate_lock, NULL);
	if (settings(srv, cfg, error_r) < 0 || http_job_init(srv) < 0) {
		srv->closed = true;
		http_server_free(&srv);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->http_tls)
		flags |= MHD_USE_TLS;
	srv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, cfg->http_max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
				  30U, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_UNESCAPE_CALLBACK,
				  unescape_none, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
				  cfg->http_tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, srv->cert_pem,
				  MHD_OPTION_HTTPS_MEM_KEY, srv->key_pem, MHD_OPTION_END);
	if (srv->d == NULL) {
		*error_r = xasprintf("http_listen: cannot listen on %s%s", cfg->http_listen,
				     cfg->http_tls ? " (or the TLS certificate was refused)" : "");
		http_server_stop_accepting(srv);
		srv->closed = true;
		uv_run(loop, UV_RUN_NOWAIT); /* the async handle's close */
		http_server_free(&srv);
		return -1;
	}
	log_info("event=http.listen address=%s tls=%s", cfg->http_listen, cfg->http_tls ? "yes" : "no");
	*srv_r = srv;
	return 0;
}

/* Contract in http-server.h. */
void http_server_free(struct http_server **sp)
{
	struct http_server *srv = *sp;

	if (srv == NULL)
		return;
	if (srv->d != NULL)
		MHD_stop_daemon(srv->d);
	http_cidrs_free(&srv->trusted);
	http_rate_free(&srv->rate_key);
	http_rate_free(&srv->rate_addr);
	free(srv->cert_pem);
	free(srv->key_pem);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->rate_lock);
	free(srv);
	*sp = NULL;
}
