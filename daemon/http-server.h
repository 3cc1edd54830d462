#ifndef MD_DAEMON_HTTP_SERVER_H
#define MD_DAEMON_HTTP_SERVER_H
/* maildeskd's HTTP API listener (issue 13, maildesk-http(7)): libmicrohttpd
 * in its own thread parses HTTP; each complete request becomes a job of
 * libuv's thread pool (workers.h), so that writes run on the same worker
 * and transaction path as mail. Routes: http-routes.h. */
#include <uv.h>

#include "base/conf.h"

struct http_server;

/* Starts listening on cfg->http_listen (off when "": 0 with *srv_r NULL),
 * with TLS (tls_cert_file/tls_key_file) when cfg->http_tls. Loop thread,
 * before the loop runs. Returns 0, or -1 with *error_r malloc'd (a bad
 * address, http_trusted_proxies, certificate or a busy port). */
int http_server_start(uv_loop_t *loop, const struct md_config *cfg, struct http_server **srv_r, char **error_r);
/* At shutdown (loop thread): no new job is queued (later requests get 503),
 * jobs already queued finish and answer; the loop handle is closed.
 * NULL-safe; may be called twice. */
void http_server_stop_accepting(struct http_server *srv);
/* After the loop has ended (no job runs): stops libmicrohttpd and frees.
 * NULL-safe; *srv set to NULL. */
void http_server_free(struct http_server **srv);

#endif
