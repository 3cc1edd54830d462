#ifndef MD_DAEMON_HTTP_SERVER_PRIVATE_H
#define MD_DAEMON_HTTP_SERVER_PRIVATE_H
/* Shared by http-server.c (libmicrohttpd's thread) and http-job.c (the
 * loop's queue and the pool job). */
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http-routes.h"

struct http_server {
	struct MHD_Daemon *d;
	uv_loop_t *loop;
	uv_async_t async;
	pthread_mutex_t lock; /* guards queue, closed */
	struct http_req *queue;
	bool closed;
	struct http_cidrs trusted;
	uint64_t max_body;
	pthread_mutex_t rate_lock; /* guards both buckets (any thread) */
	struct http_rate *rate_key, *rate_addr;
	char *cert_pem, *key_pem;
	uint64_t next_id;
};

enum http_req_state { HTTP_REQ_NEW, HTTP_REQ_BODY, HTTP_REQ_QUEUED, HTTP_REQ_DONE };

/* One request, from libmicrohttpd's first callback to its completion. */
struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	uv_work_t work;
	struct http_req *next; /* in srv->queue */
	enum http_req_state state;
	const struct http_route *route;
	char *args_buf;
	char request_id[17];
	char *method, *path;
	struct http_params query;
	char client[46];
	struct buf body;
	bool too_large;
	char **headers; /* name, value pairs */
	size_t n_headers;
	char idem_key[256]; /* "" when none */
	struct db_http_idem idem;
	char idem_hash[65];
	struct http_exchange ex;
	uint64_t started_ns;
};

/* Queues r (suspended) for the pool: 0, or -1 when shutting down (r is
 * not queued). libmicrohttpd's thread. */
int http_job_queue(struct http_server *srv, struct http_req *r);
/* The loop side: the async handle's setup (loop thread, at start). */
int http_job_init(struct http_server *srv);
/* The monotonic seconds the rate buckets count in. */
double http_now(void);

#endif
