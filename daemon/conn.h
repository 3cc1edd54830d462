#ifndef MD_DAEMON_CONN_H
#define MD_DAEMON_CONN_H
/* One client connection: a libuv stream, optional TLS, the protocol core and
 * the jobs it has in flight in the worker pool.
 *
 * Lifetime: a conn is freed only when its stream and timer handles are
 * closed (libuv close callbacks) and no job refers to it any more; jobs that
 * finish after the client left only drop their reference. */
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"
#include "server.h"

/* Replies queued in libuv past which the conn stops reading from a client
 * that does not read its replies; it reads again once half has drained. */
#define CONN_OUTPUT_MAX (256 * 1024)

struct conn {
	struct server *srv;
	struct listener *listener;
	union {
		uv_tcp_t tcp;
		uv_pipe_t pipe;
		uv_handle_t handle;
		uv_stream_t stream;
	} h;
	uv_timer_t timer;
	struct smtp_session *session;
	struct tls_conn *tls;
	bool tls_up;
	bool is_unix;          /* accepted on a unix socket */
	bool trusted;          /* its listener is in trusted_listeners */
	enum smtp_protocol protocol;
	struct buf out;        /* replies not yet handed to libuv */
	struct buf plain_in;   /* decrypted input */
	char rbuf[65536];
	char id[17];           /* session id for the logs */
	char peer[64];
	unsigned refs;         /* open handles + jobs in flight */
	unsigned n_messages;
	uint64_t started_ms;
	const char *metrics_kind; /* "lmtp"/"smtp" once counted as open */
	bool close_requested;  /* the core is done: flush, then close */
	bool closing;          /* handles are being closed */
	bool data_timer_armed;
	bool reading;          /* uv_read_start is in effect */
	bool output_full;      /* reading paused: too many replies unread */
	const char *close_reason;
	struct conn *next, *prev;
};

/* Accepts a pending connection on listener l. Refuses it with 421 when the
 * server is at max_connections or shutting down. */
void conn_accept(struct listener *l);
/* Gives buffered replies to libuv; closes when the session asked for it. */
void conn_flush(struct conn *c);
/* Re-arms the idle or data timer to match what the session is doing. */
void conn_arm_timer(struct conn *c);
/* Drops one reference; frees the conn when none is left. */
void conn_unref(struct conn *c);

#endif
