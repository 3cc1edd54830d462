/* The SMTP client side of the outbound queue (contract in relay.h). The
 * protocol is libetpan's, except EHLO/HELO: libetpan's own announces
 * gethostname(), and maildesk announces its configured hostname. */
#include "config.h"
#include "relay.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <libetpan/libetpan.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "smtp/smtp-client.h"
#include "tls-peer.h"

#define REPLY_MAX 1000

/* The session's deadline: a thread that shuts the socket down when the
 * whole session (not one wait) took too long. The fd is set once
 * connected and cleared (under the lock) before the socket is closed. */
struct watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int fd;          /* -1: not connected (yet, or any more) */
	bool done;       /* the session is over: stop waiting */
	bool fired;      /* the deadline passed and the socket was shut down */
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

/* One attempt in progress: the session and what has been learnt. */
struct attempt {
	struct watchdog dog;
	bool dog_on;        /* its thread runs */
	mailsmtp *smtp;
	struct buf reply;   /* the line for last_error */
	struct buf refused; /* "a@b: 550 ...; c@d: 450 ..." */
	unsigned first_4xx, first_5xx;
	char hello_text[REPLY_MAX]; /* our own EHLO's reply text */
};

/* The deadline thread: waits until the session is done or the deadline
 * passes, then shuts the socket down so every blocked read or write of
 * the session returns at once. */
static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	int r = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->done && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline);
	if (!w->done && w->fd >= 0) {
		shutdown(w->fd, SHUT_RDWR);
		w->fired = true;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Starts the deadline seconds from now. Returns 0, or -1 when no thread
 * could be started (the session then runs with its per-wait timeouts). */
static int watchdog_start(struct watchdog *w, uint64_t seconds)
{
	pthread_condattr_t ca;

	w->fd = -1;
	w->done = w->fired = false;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += (time_t)seconds;
	if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	return 0;
}

/* The socket to shut down at the deadline (once connected). */
static void watchdog_arm_fd(struct watchdog *w, int fd)
{
	pthread_mutex_lock(&w->lock);
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
}

/* Ends the thread before the socket is closed (so it never shuts down
 * an fd number that was reused). Returns whether the deadline fired. */
static bool watchdog_stop(struct watchdog *w)
{
	bool fired;

	pthread_mutex_lock(&w->lock);
	w->done = true;
	w->fd = -1;
	fired = w->fired;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return fired;
}

/* The last reply as "CODE text" on one line (multi-line replies joined),
 * cleaned by lib/smtp: the relay's words go into logs and a text column. */
static void reply_text(const mailsmtp *smtp, char *out, size_t size)
{
	smtp_client_reply_summary(smtp->response_code, smtp->response, out, size);
}

/* The code a failed step reports. Only the end of data may count as 2xx
 * (final); a lost connection or a nonsense code is "no verdict" (0). */
static unsigned step_code(const mailsmtp *smtp, int r, bool final)
{
	int c = smtp->response_code;

	if (r == MAILSMTP_ERROR_STREAM || c < (final ? 200 : 400) || c > 599 || (c >= 300 && c < 400))
		return 0;
	return (unsigned)c;
}

/* Keeps our EHLO argument to what a domain or address literal may hold. */
static void helo_name(const char *name, char *out, size_t size)
{
	size_t n = 0;

	for (; *name != '\0' && n + 1 < size; name++) {
		if (isalnum((unsigned char)*name) || strchr(".-[]:_", *name) != NULL)
			out[n++] = *name;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "localhost");
}

/* Sends "VERB name" and reads the (multi-line) reply, noting STARTTLS in
 * smtp->esmtp the way libetpan's own EHLO does. Returns the code, or 0
 * when the connection was lost or the relay's line was no reply. */
static int hello_cmd(struct attempt *a, const char *verb, const char *name)
{
	char cmd[300], *line;
	int code = 0, esmtp = 0;
	bool more = true;

	snprintf(cmd, sizeof(cmd), "%s %s\r\n", verb, name);
	if (mailstream_write(a->smtp->stream, cmd, strlen(cmd)) < 0 || mailstream_flush(a->smtp->stream) < 0)
		return 0;
	a->hello_text[0] = '\0';
	while (more) {
		struct smtp_client_line l;

		if ((line = mailstream_read_line_remove_eol(a->smtp->stream, a->smtp->line_buffer)) == NULL)
			return 0;
		smtp_client_line_parse(line, &l);
		code = l.code;
		more = l.more;
		if (l.starttls)
			esmtp |= MAILSMTP_ESMTP_STARTTLS;
		smtp_client_text_append(a->hello_text, sizeof(a->hello_text), l.text);
	}
	a->smtp->esmtp = code == 250 && verb[0] == 'E' ? MAILSMTP_ESMTP | esmtp : 0;
	a->smtp->response_code = code;
	return code;
}

/* EHLO, or HELO for a relay that does not know EHLO. Returns 250 or what
 * the relay answered (0: connection lost). */
static int hello(struct attempt *a, const char *name)
{
	int code = hello_cmd(a, "EHLO", name);

	if (code >= 500 && code <= 504)
		code = hello_cmd(a, "HELO", name);
	return code;
}

/* The relay_tls value, for last_error. */
static const char *tls_name(enum md_relay_tls m)
{
	return m == MD_RELAY_TLS_VERIFY ? "verify" : m == MD_RELAY_TLS_REQUIRE ? "require" : "may";
}

/* relay_tls = verify: the chain must lead to a trusted CA (ca_file, or
 * the system's store) and name t->host, checked after the handshake and
 * before any mail moves (tls_peer_verify). Returns 0, or -1 with the
 * reason in a->reply. */
static int cert_verify(struct attempt *a, const struct relay_target *t)
{
	const char *why;

	if (tls_peer_verify(a->smtp->stream, t->host, t->ca_file, &why))
		return 0;
	buf_printf(&a->reply, "relay_tls = verify: the certificate of %s:%u does not verify: %s", t->host, t->port,
		   why);
	return -1;
}

/* Connects and greets, with TLS when offered. Returns 0 when the session
 * can carry mail, else -1 with the reason in a->reply. */
static int session_open(struct attempt *a, const struct relay_target *t)
{
	char helo[256], text[REPLY_MAX];
	int r = mailsmtp_socket_connect(a->smtp, t->host, (uint16_t)t->port);

	if (a->dog_on && a->smtp->stream != NULL)
		watchdog_arm_fd(&a->dog, mailstream_low_get_fd(mailstream_get_low(a->smtp->stream)));
	if (r != MAILSMTP_NO_ERROR) {
		if (a->smtp->response_code != 0)
			reply_text(a->smtp, text, sizeof(text));
		buf_printf(&a->reply, "connect to %s:%u: %s%s%s%s", t->host, t->port, mailsmtp_strerror(r),
			   a->smtp->response_code != 0 ? " (" : "", a->smtp->response_code != 0 ? text : "",
			   a->smtp->response_code != 0 ? ")" : "");
		return -1;
	}
	helo_name(t->helo, helo, sizeof(helo));
	if ((r = hello(a, helo)) != 250)
		goto refused;
	if ((a->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) == 0) {
		if (t->tls == MD_RELAY_TLS_MAY)
			return 0;
		buf_printf(&a->reply, "relay_tls = %s: %s:%u offers no STARTTLS, nothing sent in plain text",
			   tls_name(t->tls), t->host, t->port);
		return -1;
	}
	r = mailsmtp_socket_starttls(a->smtp);
	if (r == MAILSMTP_ERROR_SSL || r == MAILSMTP_ERROR_STREAM) {
		buf_printf(&a->reply, "STARTTLS with %s:%u failed: %s", t->host, t->port, mailsmtp_strerror(r));
		return -1;
	}
	if (r != MAILSMTP_NO_ERROR) {
		/* Refused (454 ...): plain text only where TLS is optional. */
		if (t->tls == MD_RELAY_TLS_MAY)
			return 0;
		reply_text(a->smtp, text, sizeof(text));
		buf_printf(&a->reply, "relay_tls = %s: %s:%u refused STARTTLS: %s", tls_name(t->tls), t->host, t->port,
			   text);
		return -1;
	}
	if (t->tls == MD_RELAY_TLS_VERIFY && cert_verify(a, t) < 0)
		return -1;
	if ((r = hello(a, helo)) != 250)
		goto refused;
	return 0;
refused:
	buf_printf(&a->reply, "EHLO: %s", r == 0 ? "connection lost" : "");
	if (r != 0)
		buf_printf(&a->reply, "%d %s", r, a->hello_text);
	return -1;
}

/* RCPT TO for each recipient. Returns how many were accepted, or -1 when
 * the connection was lost. Refusals are noted in a. */
static int rcpts_send(struct attempt *a, const struct relay_mail *m)
{
	char text[REPLY_MAX];
	int accepted = 0;

	for (size_t i = 0; i < m->n_rcpts; i++) {
		int r = mailsmtp_rcpt(a->smtp, m->rcpts[i]);
		int c = a->smtp->response_code;

		if (r == MAILSMTP_ERROR_STREAM)
			return -1;
		if (r == MAILSMTP_NO_ERROR || (c >= 200 && c < 300)) {
			accepted++;
			continue;
		}
		reply_text(a->smtp, text, sizeof(text));
		buf_printf(&a->refused, "%s<%s>: %s", a->refused.len > 0 ? "; " : "", m->rcpts[i], text);
		if (c >= 400 && c < 500 && a->first_4xx == 0)
			a->first_4xx = (unsigned)c;
		if (c >= 500 && c < 600 && a->first_5xx == 0)
			a->first_5xx = (unsigned)c;
	}
	return accepted;
}

/* Why a step failed, into a->reply; returns its code. */
static unsigned step_failed(struct attempt *a, const char *stage, int r, bool final)
{
	char text[REPLY_MAX];

	if (r == MAILSMTP_ERROR_STREAM || a->smtp->response_code == 0) {
		buf_printf(&a->reply, "%s: connection lost", stage);
		return 0;
	}
	reply_text(a->smtp, text, sizeof(text));
	buf_printf(&a->reply, "%s: %s", stage, text);
	return step_code(a->smtp, r, final);
}

/* The transaction on an open session; returns the code to record. */
static unsigned transaction(struct attempt *a, const struct relay_mail *m)
{
	char text[REPLY_MAX], stage[400];
	size_t len = m->len;
	int r, accepted;

	snprintf(stage, sizeof(stage), "MAIL FROM:<%s>", m->from);
	if ((r = mailsmtp_mail(a->smtp, m->from)) != MAILSMTP_NO_ERROR)
		return step_failed(a, stage, r, false);
	if ((accepted = rcpts_send(a, m)) < 0) {
		buf_printf(&a->reply, "RCPT TO: connection lost");
		return 0;
	}
	if (accepted == 0) {
		buf_printf(&a->reply, "every recipient refused: %s", a->refused.data != NULL ? a->refused.data : "");
		return a->first_4xx != 0 ? a->first_4xx : a->first_5xx;
	}
	if ((r = mailsmtp_data(a->smtp)) != MAILSMTP_NO_ERROR)
		return step_failed(a, "DATA", r, false);
	/* libetpan ends the data with CRLF "." CRLF itself: a final line end
	 * of ours would become an extra empty line. */
	if (len >= 2 && m->data[len - 2] == '\r' && m->data[len - 1] == '\n')
		len -= 2;
	else if (len >= 1 && m->data[len - 1] == '\n')
		len -= 1;
	r = mailsmtp_data_message(a->smtp, m->data, len);
	if (r == MAILSMTP_ERROR_STREAM || a->smtp->response_code == 0) {
		buf_printf(&a->reply, "end of data: connection lost, the relay may or may not have the message");
		return 0;
	}
	reply_text(a->smtp, text, sizeof(text));
	buf_printf(&a->reply, "%s%s", a->smtp->response_code / 100 == 2 ? "" : "end of data: ", text);
	if (a->refused.len > 0)
		buf_printf(&a->reply, "; refused: %s", a->refused.data);
	return step_code(a->smtp, r, true);
}

/* Depending on libetpan's version, socket reads wait the session's
 * timeout or mailstream_network_delay, a global: both are set. */
void relay_init(unsigned timeout_s)
{
	mailstream_network_delay.tv_sec = (time_t)timeout_s;
	mailstream_network_delay.tv_usec = 0;
}

/* Contract in relay.h. */
unsigned relay_send(const struct relay_target *t, const struct relay_mail *m, char **reply_r)
{
	struct attempt a;
	unsigned code = 0;

	memset(&a, 0, sizeof(a));
	buf_init(&a.reply, 0);
	buf_init(&a.refused, 0);
	if ((a.smtp = mailsmtp_new(0, NULL)) == NULL)
		abort();
	mailsmtp_set_timeout(a.smtp, (time_t)t->timeout_s);
	a.dog_on = watchdog_start(&a.dog, (uint64_t)t->timeout_s * (RELAY_SESSION_WAITS + m->n_rcpts)) == 0;
	if (session_open(&a, t) == 0) {
		code = transaction(&a, m);
		if (code != 0)
			mailsmtp_quit(a.smtp);
	}
	/* A 2xx stands: the deadline can only have cut the QUIT after it. */
	if (a.dog_on && watchdog_stop(&a.dog) && code / 100 != 2) {
		buf_free(&a.reply);
		buf_init(&a.reply, 0);
		buf_printf(&a.reply, "the relay session took longer than %u s (relay_timeout %u s per wait), cut off",
			   (unsigned)(t->timeout_s * (RELAY_SESSION_WAITS + m->n_rcpts)), t->timeout_s);
		code = 0;
	}
	/* Closes the stream; on one still open (a lost transaction) it writes
	 * a QUIT first without waiting for the answer. */
	mailsmtp_free(a.smtp);
	if (a.reply.len == 0)
		buf_printf(&a.reply, "no reply");
	*reply_r = buf_steal(&a.reply, NULL);
	buf_free(&a.refused);
	return code;
}
