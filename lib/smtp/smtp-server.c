#include "config.h"
#include "smtp-server-private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Zero settings mean "the default", so a caller that fills only what it
 * cares about still gets a bounded session. */
static void smtp_settings_apply_defaults(struct smtp_server_settings *set)
{
	if (set->max_recipients == 0)
		set->max_recipients = SMTP_DEFAULT_MAX_RECIPIENTS;
	if (set->max_bad_commands == 0)
		set->max_bad_commands = SMTP_DEFAULT_MAX_BAD_COMMANDS;
	if (set->max_junk_commands == 0)
		set->max_junk_commands = SMTP_DEFAULT_MAX_JUNK_COMMANDS;
	if (set->pipeline_depth == 0)
		set->pipeline_depth = SMTP_DEFAULT_PIPELINE_DEPTH;
	if (set->hostname == NULL)
		set->hostname = "localhost";
}

struct smtp_session *smtp_session_new(const struct smtp_server_settings *settings,
				      const struct smtp_server_callbacks *cb, void *ctx)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));
	size_t msg_max = settings->max_message_size > SIZE_MAX - 1 ? 0 : (size_t)settings->max_message_size;

	s->set = *settings;
	smtp_settings_apply_defaults(&s->set);
	s->cb = *cb;
	s->ctx = ctx;
	buf_init(&s->line, SMTP_COMMAND_LINE_MAX);
	buf_init(&s->pending, 0);
	buf_init(&s->out, 0);
	buf_init(&s->msg, msg_max);
	s->cmd_name = "CONNECT";
	smtp_replyf(s, 220, NULL, "%s %s maildesk", s->set.hostname,
		    s->set.protocol == SMTP_PROTOCOL_LMTP ? "LMTP" : "ESMTP");
	return s;
}

void smtp_session_free(struct smtp_session **sp)
{
	struct smtp_session *s = *sp;

	if (s == NULL)
		return;
	smtp_trans_reset(s);
	free(s->rcpt_address);
	free(s->helo);
	buf_free(&s->line);
	buf_free(&s->pending);
	buf_free(&s->out);
	buf_free(&s->msg);
	free(s);
	*sp = NULL;
}

void smtp_session_close(struct smtp_session *s, const char *reason)
{
	if (s->phase == SMTP_PHASE_CLOSED)
		return;
	s->phase = SMTP_PHASE_CLOSED;
	/* Reset, not freed: the input loop may still hold a pointer into it. */
	buf_reset(&s->pending);
	s->pending_lines = 0;
	s->cb.close(s->ctx, reason);
}

void smtp_session_close_421(struct smtp_session *s, const char *cmd, unsigned code, const char *enh,
			    const char *text, const char *reason)
{
	s->cmd_name = cmd;
	smtp_replyf(s, code, enh, "%s %s", s->set.hostname, text);
	smtp_session_close(s, reason);
}

/* Adds bytes to the current command line. A line past 512 octets is not
 * kept: the rest of it is skipped up to its LF and answered with one error,
 * so a client cannot make the session buffer an endless line. A bare LF
 * ends a command line too (the CR before it is optional); only DATA is
 * strict about CRLF, because only there does it matter (smuggling). */
static size_t smtp_session_input_command(struct smtp_session *s, const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);
	size_t take = lf != NULL ? (size_t)(lf - p) + 1 : n;
	struct strv line;

	if (!s->line_too_long && buf_append(&s->line, p, take) < 0) {
		s->line_too_long = true;
		buf_reset(&s->line);
	}
	if (lf == NULL)
		return take;
	if (s->line_too_long) {
		s->line_too_long = false;
		s->cmd_name = "LINE";
		smtp_cmd_error(s, 500, "5.5.2", "Line too long");
		return take;
	}
	line = buf_view(&s->line);
	line.len--;
	if (line.len > 0 && line.p[line.len - 1] == '\r')
		line.len--;
	smtp_cmd_dispatch(s, line);
	buf_reset(&s->line);
	return take;
}

/* Feeds message bytes to the DATA decoder; the rest after CRLF.CRLF is
 * left for the next command. */
static size_t smtp_session_input_data(struct smtp_session *s, const char *p, size_t n)
{
	bool end;
	size_t used = smtp_data_parse(&s->data, p, n, &end);

	if (end) {
		s->phase = SMTP_PHASE_COMMAND;
		smtp_trans_data_end(s);
	}
	return used;
}

/* Consumes input until it runs out or the session has to stop: it waits
 * for the application, began TLS or closed. Returns the bytes used. */
static size_t smtp_session_input(struct smtp_session *s, const char *p, size_t n)
{
	size_t used = 0;

	while (used < n && s->wait == SMTP_WAIT_NONE) {
		if (s->phase == SMTP_PHASE_COMMAND)
			used += smtp_session_input_command(s, p + used, n - used);
		else if (s->phase == SMTP_PHASE_DATA)
			used += smtp_session_input_data(s, p + used, n - used);
		else
			break;
	}
	return used;
}

/* STARTTLS was accepted while reading: whatever the client sent after it in
 * plaintext is thrown away before TLS begins (the CVE-2011-0411 command
 * injection), then the application is told to start the handshake. */
static void smtp_session_begin_tls(struct smtp_session *s)
{
	buf_free(&s->pending);
	s->pending_lines = 0;
	buf_reset(&s->line);
	s->line_too_long = false;
	if (s->cb.starttls != NULL)
		s->cb.starttls(s->ctx);
}

/* Line ends in n bytes. */
static size_t count_lf(const char *p, size_t n)
{
	size_t lines = 0;
	const char *lf;

	while (n > 0 && (lf = memchr(p, '\n', n)) != NULL) {
		lines++;
		n -= (size_t)(lf - p) + 1;
		p = lf + 1;
	}
	return lines;
}

/* Keeps input that arrived while the application works. Too much of it is
 * a client that does not wait for replies at all: it is cut off rather than
 * buffered without end. Only the new bytes are counted, so a client that
 * trickles input in one-byte packets costs O(n), not O(n^2). */
static void smtp_session_queue(struct smtp_session *s, const char *p, size_t n)
{
	size_t max_bytes = (size_t)s->set.pipeline_depth * SMTP_COMMAND_LINE_MAX;

	if (n > max_bytes || s->pending.len > max_bytes - n) {
		smtp_session_close_421(s, "PIPELINE", 421, "4.7.0", "Too much pipelined input",
				       "pipeline overflow");
		return;
	}
	buf_append(&s->pending, p, n);
	s->pending_lines += count_lf(p, n);
	if (s->pending_lines > s->set.pipeline_depth)
		smtp_session_close_421(s, "PIPELINE", 421, "4.7.0", "Too many pipelined commands",
				       "pipeline overflow");
}

/* Works through the queued input, for as long as nothing blocks it. */
static void smtp_session_drain(struct smtp_session *s)
{
	size_t used;

	if (s->running)
		return;
	s->running = true;
	while (s->pending.len > 0 && s->wait == SMTP_WAIT_NONE &&
	       (s->phase == SMTP_PHASE_COMMAND || s->phase == SMTP_PHASE_DATA)) {
		used = smtp_session_input(s, s->pending.data, s->pending.len);
		if (s->phase == SMTP_PHASE_CLOSED || s->phase == SMTP_PHASE_TLS)
			break;
		s->pending_lines -= count_lf(s->pending.data, used);
		buf_consume(&s->pending, used);
	}
	s->running = false;
	if (s->phase == SMTP_PHASE_TLS)
		smtp_session_begin_tls(s);
}

void smtp_session_feed(struct smtp_session *s, const char *data, size_t len)
{
	size_t used;

	if (s->phase == SMTP_PHASE_CLOSED || s->phase == SMTP_PHASE_TLS || len == 0)
		return;
	if (s->running || s->wait != SMTP_WAIT_NONE || s->pending.len > 0) {
		smtp_session_queue(s, data, len);
		return;
	}
	s->running = true;
	used = smtp_session_input(s, data, len);
	s->running = false;
	if (s->phase == SMTP_PHASE_TLS)
		smtp_session_begin_tls(s);
	else if (s->phase != SMTP_PHASE_CLOSED && used < len)
		smtp_session_queue(s, data + used, len - used);
}

void smtp_session_resume(struct smtp_session *s)
{
	if (s->phase == SMTP_PHASE_CLOSED || s->wait != SMTP_WAIT_NONE)
		return;
	if (s->shutdown_requested) {
		const struct smtp_status_reply *r = smtp_status_reply(SMTP_STATUS_SHUTDOWN);

		/* A message being transferred is finished and stored first:
		 * the 421 follows its replies. */
		if (s->phase == SMTP_PHASE_DATA)
			return;

		smtp_session_close_421(s, "SHUTDOWN", r->code, r->enh, r->text, "shutdown");
		return;
	}
	smtp_session_drain(s);
}

/* Contract in smtp-server.h. */
const char *smtp_session_helo(const struct smtp_session *s)
{
	return s->helo != NULL ? s->helo : "";
}

void smtp_session_tls_started(struct smtp_session *s)
{
	if (s->phase != SMTP_PHASE_TLS)
		return;
	s->phase = SMTP_PHASE_COMMAND;
	s->tls_active = true;
	s->greeted = false;
	smtp_trans_reset(s);
	smtp_session_resume(s);
}

void smtp_session_timeout(struct smtp_session *s)
{
	if (s->phase == SMTP_PHASE_CLOSED)
		return;
	smtp_session_close_421(s, "TIMEOUT", 421, "4.4.2", "Timeout, closing connection", "timeout");
}

void smtp_session_shutdown(struct smtp_session *s)
{
	if (s->phase == SMTP_PHASE_CLOSED)
		return;
	s->shutdown_requested = true;
	smtp_session_resume(s);
}

bool smtp_session_is_waiting(const struct smtp_session *s) { return s->wait != SMTP_WAIT_NONE; }

bool smtp_session_in_data(const struct smtp_session *s) { return s->phase == SMTP_PHASE_DATA; }
