#ifndef MD_DAEMON_SERVER_H
#define MD_DAEMON_SERVER_H
/* The daemon's shared state: the loop, the configuration, listeners and the
 * list of live connections. Lives in the loop thread only. */
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/conf.h"
#include "smtp/smtp-server.h"

struct conn;
struct tls_server;

struct listener {
	union {
		uv_tcp_t tcp;
		uv_pipe_t pipe;
		uv_handle_t handle;
		uv_stream_t stream;
	} h;
	struct server *server;
	enum smtp_protocol protocol;
	bool is_unix;
	bool trusted; /* in trusted_listeners: its peers' Authentication-Results count */
	bool activated; /* its socket was passed by the service manager (sd_listen_fds) */
	char *name; /* as configured, for logs */
	unsigned n_conns; /* sessions accepted on it and not yet freed */
	bool closed;      /* its handle is closed: freed when n_conns reaches 0 */
	struct listener *next;
};

struct server {
	uv_loop_t *loop;
	struct md_config cfg;
	char *config_path;
	char *secret; /* from secret_file: signs reply tokens and Message-IDs */
	struct tls_server *tls; /* NULL when TLS is not configured */
	struct listener *listeners;
	struct conn *conns; /* doubly linked through conn->next/prev */
	unsigned n_conns;
	uint64_t next_session_id;
	bool shutting_down;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t shutdown_timer;
};

/* Binds every configured listener. Returns 0, or -1 after logging why. */
int server_listen(struct server *srv);
/* Closes the listeners (the loop ends once the connections are done too). */
void server_close_listeners(struct server *srv);
/* Starts a graceful stop: no new connections, sessions end after their
 * current command. */
void server_shutdown(struct server *srv);

/* A session accepted on l has ended: frees l once its handle is closed and
 * no session refers to it any more (sessions outlive the listeners closed at
 * shutdown, as libuv handles outlive their close call). */
void server_listener_release(struct listener *l);

#endif
