#include "config.h"
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "delivery.h"
#include "metrics.h"
#include "rcpt-route.h"
#include "smtp/smtp-received.h"
#include "smtp/smtp-server.h"
#include "smtp/smtp-status.h"
#include "tls.h"

struct write_req {
	uv_write_t req;
	struct conn *conn;
	char *data;
};

/* Millisecond clock for session durations in the log. */
static uint64_t now_ms(struct conn *c) { return uv_now(c->srv->loop); }

/* The core's output goes to a buffer that is flushed once per event. */
static void on_session_write(void *ctx, const char *data, size_t len)
{
	struct conn *c = ctx;
	buf_append(&c->out, data, len);
}

/* The core drops a recipient's route (the transaction is over). */
static void on_rcpt_context_free(void *ctx, void *rcpt_ctx)
{
	struct rcpt_route *r = rcpt_ctx;

	(void)ctx;
	rcpt_route_free(&r);
}

/* One log line per RCPT lookup, with the reply the client really got. */
static void conn_rcpt_log(const struct conn *c, const struct delivery_rcpt_result *res, unsigned code)
{
	char q[300], eq[600];

	log_quote(q, sizeof(q), res->address, strlen(res->address), 200);
	if (res->found < 0)
		log_warn("event=rcpt session=%s rcpt=%s reply=%u error=%s", c->id, q, code,
			 log_quote(eq, sizeof(eq), res->error, strlen(res->error), 400));
	else
		log_info("event=rcpt session=%s rcpt=%s reply=%u", c->id, q, code);
}

/* The lookup's answer: accepted recipients keep their route in the core's
 * transaction (the context DATA reads); the reply is what the core sent. */
static void on_rcpt_looked_up(void *ctx, struct delivery_rcpt_result *res)
{
	struct conn *c = ctx;
	enum smtp_status st = res->found < 0 ? SMTP_STATUS_TEMPFAIL
			      : res->found ? SMTP_STATUS_OK : SMTP_STATUS_NO_SUCH_USER;
	const struct smtp_status_reply *r = smtp_status_reply(st);
	unsigned code = r->code;

	if (!c->closing) {
		if (res->found > 0) {
			code = smtp_session_rcpt_accept(c->session, res->route, "2.1.5", "Ok");
			res->route = NULL; /* the core's now */
		} else {
			code = smtp_session_rcpt_reply(c->session, r->code, r->enh, r->text);
		}
	}
	if (code == 0) /* the session closed meanwhile: nothing was sent */
		code = r->code;
	else if (code != r->code && code / 100 != 2)
		st = SMTP_STATUS_TOO_MANY_RCPTS; /* the core refused to keep it */
	metrics_rcpt_result(st);
	conn_rcpt_log(c, res, code);
	if (!c->closing) {
		conn_arm_timer(c);
		conn_flush(c);
	}
	conn_unref(c);
}

static void on_session_rcpt(void *ctx, const char *address)
{
	struct conn *c = ctx;
	const struct smtp_status_reply *r = smtp_status_reply(SMTP_STATUS_TEMPFAIL);

	uv_timer_stop(&c->timer);
	c->refs++;
	if (delivery_rcpt_start(c->srv->loop, address, on_rcpt_looked_up, c) == 0)
		return;
	c->refs--;
	log_warn("event=rcpt session=%s reply=%u error=\"cannot queue the lookup\"", c->id, r->code);
	smtp_session_rcpt_reply(c->session, r->code, r->enh, r->text);
}

/* Each recipient's answer to the message, as delivery reports it. */
static void on_delivery_reply(void *ctx, size_t index, unsigned code, const char *enh, const char *text)
{
	struct conn *c = ctx;

	if (!c->closing)
		smtp_session_data_reply(c->session, index, code, enh, text);
}

/* The delivery job is over: its reference to the conn goes. */
static void on_delivery_done(void *ctx)
{
	struct conn *c = ctx;

	if (!c->closing) {
		conn_arm_timer(c);
		conn_flush(c);
	}
	conn_unref(c);
}

static const struct delivery_data_cbs delivery_cbs = { .reply = on_delivery_reply, .done = on_delivery_done };

static void on_session_data(void *ctx, const struct smtp_transaction *t, const char *msg, size_t len)
{
	struct conn *c = ctx;
	const struct smtp_status_reply *r = smtp_status_reply(SMTP_STATUS_TEMPFAIL);
	struct smtp_received rcv = {
		.helo = smtp_session_helo(c->session), .peer = c->peer, .is_unix = c->is_unix,
		.hostname = c->srv->cfg.hostname, .lmtp = c->protocol == SMTP_PROTOCOL_LMTP, .tls = c->tls_up,
		.session_id = c->id,
	};
	struct delivery_data d = {
		.session_id = c->id, .mail_from = t->mail_from, .n_rcpts = t->n_rcpts, .received = &rcv,
		.routes = (const struct rcpt_route *const *)t->rcpt_contexts, .trusted = c->trusted,
		.msg = smtp_session_take_message(c->session), .len = len,
	};

	(void)msg;
	uv_timer_stop(&c->timer);
	c->n_messages++;
	c->refs++;
	if (delivery_data_start(c->srv->loop, &d, &delivery_cbs, c) == 0)
		return;
	c->refs--;
	for (size_t i = 0; i < t->n_rcpts; i++)
		smtp_session_data_reply(c->session, i, r->code, r->enh, r->text);
}

static void conn_flush_plain(struct conn *c);
static void on_timer(uv_timer_t *t);

/* The 220 for STARTTLS must leave in plaintext before TLS takes over. */
static void on_session_starttls(void *ctx)
{
	struct conn *c = ctx;

	conn_flush_plain(c);
	c->tls = tls_conn_new(c->srv->tls);
}

static void on_session_close(void *ctx, const char *reason)
{
	struct conn *c = ctx;
	c->close_requested = true;
	c->close_reason = reason;
}

static void on_session_trace(void *ctx, const char *command, unsigned reply_code)
{
	struct conn *c = ctx;
	log_debug("event=command session=%s cmd=%s reply=%u", c->id, command, reply_code);
}

static const struct smtp_server_callbacks session_callbacks = {
	.write = on_session_write,
	.rcpt = on_session_rcpt,
	.rcpt_context_free = on_rcpt_context_free,
	.data = on_session_data,
	.starttls = on_session_starttls,
	.close = on_session_close,
	.trace = on_session_trace,
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

/* Reading follows the output queue: a client that sends commands but never
 * reads the replies would otherwise make us buffer replies without end. */
static void conn_read_update(struct conn *c)
{
	size_t queued = uv_stream_get_write_queue_size(&c->h.stream);

	if (c->closing)
		return;
	if (!c->output_full && queued > CONN_OUTPUT_MAX) {
		c->output_full = true;
		log_info("event=read.paused session=%s queued=%zu", c->id, queued);
	} else if (c->output_full && queued <= CONN_OUTPUT_MAX / 2) {
		c->output_full = false;
		log_info("event=read.resumed session=%s queued=%zu", c->id, queued);
	}
	if (c->output_full && c->reading)
		uv_read_stop(&c->h.stream);
	else if (!c->output_full && !c->reading)
		uv_read_start(&c->h.stream, on_alloc, on_read);
	c->reading = !c->output_full;
}

static void on_write_done(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	(void)status; /* a failed write shows up as a read error or EOF */
	if (status == 0)
		conn_read_update(w->conn);
	free(w->data);
	free(w);
}

/* Hands bytes to libuv, which keeps them until written. */
static void conn_write_raw(struct conn *c, struct buf *b)
{
	struct write_req *w;
	uv_buf_t ub;
	size_t len;

	if (b->len == 0 || c->closing)
		return;
	w = xmalloc(sizeof(*w));
	w->conn = c;
	w->data = buf_steal(b, &len);
	ub = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, &c->h.stream, &ub, 1, on_write_done) != 0) {
		free(w->data);
		free(w);
		return;
	}
	conn_read_update(c);
}

static void conn_flush_plain(struct conn *c) { conn_write_raw(c, &c->out); }

static void on_close_handle(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void on_shutdown_done(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;
	(void)status;
	free(req);
	uv_close(&c->h.handle, on_close_handle);
}

/* Ends the connection once libuv has written everything queued. */
static void conn_close(struct conn *c)
{
	uv_shutdown_t *req;

	if (c->closing)
		return;
	c->closing = true;
	log_info("event=session.end session=%s reason=\"%s\" messages=%u duration_ms=%llu", c->id,
		 c->close_reason ? c->close_reason : "closed", c->n_messages,
		 (unsigned long long)(now_ms(c) - c->started_ms));
	if (c->metrics_kind != NULL)
		metrics_session(c->metrics_kind, -1);
	uv_read_stop(&c->h.stream);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, on_close_handle);
	if (c->output_full) { /* it does not read: a shutdown would wait forever */
		uv_close(&c->h.handle, on_close_handle);
		return;
	}
	req = xmalloc(sizeof(*req));
	req->data = c;
	if (uv_shutdown(req, &c->h.stream, on_shutdown_done) != 0) {
		free(req);
		uv_close(&c->h.handle, on_close_handle);
	}
}

void conn_flush(struct conn *c)
{
	const char *err;

	if (c->closing)
		return;
	if (c->tls != NULL) {
		struct buf cipher;
		buf_init(&cipher, 0);
		if (c->out.len > 0 && tls_conn_write(c->tls, c->out.data, c->out.len, &err) < 0) {
			log_warn("event=tls.error session=%s error=\"%s\"", c->id, err);
			c->close_requested = true;
			c->close_reason = err;
		}
		buf_reset(&c->out);
		tls_conn_take_output(c->tls, &cipher);
		conn_write_raw(c, &cipher);
		buf_free(&cipher);
	} else {
		conn_flush_plain(c);
	}
	if (c->close_requested)
		conn_close(c);
}

void conn_arm_timer(struct conn *c)
{
	const struct md_config *cfg = &c->srv->cfg;

	if (c->closing)
		return;
	if (smtp_session_is_waiting(c->session)) {
		uv_timer_stop(&c->timer);
	} else if (smtp_session_in_data(c->session)) {
		if (!c->data_timer_armed)
			uv_timer_start(&c->timer, on_timer, (uint64_t)cfg->data_timeout * 1000, 0);
		c->data_timer_armed = true;
	} else {
		c->data_timer_armed = false;
		uv_timer_start(&c->timer, on_timer, (uint64_t)cfg->idle_timeout * 1000, 0);
	}
}

static void on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	log_info("event=timeout session=%s phase=%s", c->id,
		 smtp_session_in_data(c->session) ? "data" : "command");
	smtp_session_timeout(c->session);
	conn_flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	(void)suggested;
	*b = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

/* Decrypts and passes on what arrived under TLS. */
static void conn_feed_tls(struct conn *c, const char *data, size_t len)
{
	const char *err;

	if (tls_conn_feed(c->tls, data, len, &c->plain_in, &err) < 0) {
		log_info("event=tls.error session=%s error=\"%s\"", c->id, err);
		c->close_requested = true;
		c->close_reason = err;
		return;
	}
	if (!c->tls_up && tls_conn_established(c->tls)) {
		c->tls_up = true;
		log_info("event=tls.start session=%s version=%s cipher=%s", c->id,
			 tls_conn_version(c->tls), tls_conn_cipher(c->tls));
		smtp_session_tls_started(c->session);
	}
	if (c->tls_up && c->plain_in.len > 0) {
		smtp_session_feed(c->session, c->plain_in.data, c->plain_in.len);
		buf_reset(&c->plain_in);
	}
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;

	if (nread < 0) {
		if (!c->close_requested)
			c->close_reason = nread == UV_EOF ? "client disconnected" : uv_strerror((int)nread);
		c->close_requested = true;
		conn_close(c);
		return;
	}
	if (nread == 0 || c->closing)
		return;
	if (c->tls != NULL)
		conn_feed_tls(c, b->base, (size_t)nread);
	else
		smtp_session_feed(c->session, b->base, (size_t)nread);
	conn_arm_timer(c);
	conn_flush(c);
}

/* Renders the peer address for the log. */
static void conn_describe_peer(struct conn *c, bool is_unix)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	strcpy(c->peer, "unix");
	if (is_unix || uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer, sizeof(c->peer));
	else
		uv_ip4_name((struct sockaddr_in *)&ss, c->peer, sizeof(c->peer));
}

static struct conn *conn_new(struct listener *l)
{
	struct server *srv = l->server;
	struct conn *c = xcalloc(1, sizeof(*c));

	c->srv = srv;
	c->listener = l;
	l->n_conns++;
	c->protocol = l->protocol;
	c->is_unix = l->is_unix;
	c->trusted = l->trusted;
	buf_init(&c->out, 0);
	buf_init(&c->plain_in, 0);
	snprintf(c->id, sizeof(c->id), "%016llx", (unsigned long long)srv->next_session_id++);
	if (l->is_unix)
		uv_pipe_init(srv->loop, &c->h.pipe, 0);
	else
		uv_tcp_init(srv->loop, &c->h.tcp);
	c->h.handle.data = c;
	uv_timer_init(srv->loop, &c->timer);
	c->timer.data = c;
	c->refs = 2; /* stream + timer */
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	c->started_ms = now_ms(c);
	return c;
}

/* Sessions from the same client address on SMTP listeners. */
static unsigned conn_count_peer(const struct conn *c)
{
	unsigned n = 0;

	for (const struct conn *o = c->srv->conns; o != NULL; o = o->next)
		if (o != c && !o->closing && o->listener->protocol == SMTP_PROTOCOL_SMTP && strcmp(o->peer, c->peer) == 0)
			n++;
	return n;
}

/* Why a new session must be refused, or NULL. SMTP listeners face strangers:
 * their own caps keep them from using up the sessions Postfix's LMTP needs. */
static const char *conn_refusal(const struct conn *c, const char **reply_r)
{
	const struct server *srv = c->srv;
	const struct md_config *cfg = &srv->cfg;

	*reply_r = "421 4.7.0 Too many connections, try again later\r\n";
	if (srv->shutting_down) {
		*reply_r = "421 4.3.2 Service shutting down\r\n";
		return "shutting down";
	}
	if (srv->n_conns > cfg->max_connections)
		return "too many connections";
	if (c->listener->protocol != SMTP_PROTOCOL_SMTP)
		return NULL;
	if (c->listener->n_conns > cfg->smtp_max_sessions) {
		*reply_r = "421 4.7.0 Too many sessions on this listener, try again later\r\n";
		return "too many sessions on the listener";
	}
	if (conn_count_peer(c) >= cfg->smtp_max_sessions_per_ip) {
		*reply_r = "421 4.7.0 Too many sessions from your address, try again later\r\n";
		return "too many sessions from the address";
	}
	return NULL;
}

void conn_accept(struct listener *l)
{
	struct server *srv = l->server;
	const struct md_config *cfg = &srv->cfg;
	struct smtp_server_settings set;
	struct conn *c = conn_new(l);
	const char *refusal;

	if (uv_accept(&l->h.stream, &c->h.stream) != 0) {
		c->close_reason = "accept failed";
		c->closing = true;
		uv_close((uv_handle_t *)&c->timer, on_close_handle);
		uv_close(&c->h.handle, on_close_handle);
		return;
	}
	conn_describe_peer(c, l->is_unix);
	memset(&set, 0, sizeof(set));
	set.protocol = l->protocol;
	set.hostname = cfg->hostname;
	set.max_message_size = cfg->message_size_limit;
	set.max_recipients = cfg->max_recipients;
	set.max_bad_commands = cfg->max_bad_commands;
	set.max_junk_commands = cfg->max_junk_commands;
	set.pipeline_depth = cfg->pipeline_depth;
	set.starttls = srv->tls != NULL && l->protocol == SMTP_PROTOCOL_SMTP;
	log_info("event=session.start session=%s listener=%s proto=%s peer=%s trusted=%s", c->id, l->name,
		 l->protocol == SMTP_PROTOCOL_LMTP ? "lmtp" : "smtp", c->peer, l->trusted ? "yes" : "no");
	metrics_session(c->metrics_kind = l->protocol == SMTP_PROTOCOL_LMTP ? "lmtp" : "smtp", +1);
	if ((c->close_reason = conn_refusal(c, &refusal)) != NULL) {
		buf_append_str(&c->out, refusal);
		c->close_requested = true;
		conn_flush(c);
		return;
	}
	c->close_reason = NULL;
	c->session = smtp_session_new(&set, &session_callbacks, c);
	c->reading = true;
	uv_read_start(&c->h.stream, on_alloc, on_read);
	conn_arm_timer(c);
	conn_flush(c);
}

void conn_unref(struct conn *c)
{
	struct server *srv = c->srv;

	if (--c->refs > 0)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	server_listener_release(c->listener);
	smtp_session_free(&c->session);
	tls_conn_free(&c->tls);
	buf_free(&c->out);
	buf_free(&c->plain_in);
	free(c);
}
