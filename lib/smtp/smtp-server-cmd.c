#include "config.h"
#include "smtp-server-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Which protocol a command belongs to. */
enum smtp_cmd_flags {
	SMTP_CMD_SMTP_ONLY = 1 << 0,
	SMTP_CMD_LMTP_ONLY = 1 << 1,
};

struct smtp_cmd {
	const char *name;
	void (*handler)(struct smtp_session *s, struct strv args);
	unsigned flags;
};

void smtp_cmd_count_error(struct smtp_session *s)
{
	if (++s->bad_commands >= s->set.max_bad_commands)
		smtp_session_close_421(s, s->cmd_name, 421, "4.7.0", "Too many errors, closing connection",
				       "too many errors");
}

bool smtp_cmd_count_junk(struct smtp_session *s)
{
	if (++s->junk_commands <= s->set.max_junk_commands)
		return true;
	smtp_session_close_421(s, s->cmd_name, 421, "4.7.0", "Too many commands without mail, closing connection",
			       "too many junk commands");
	return false;
}

void smtp_cmd_error(struct smtp_session *s, unsigned code, const char *enh, const char *text)
{
	smtp_reply(s, code, enh, text);
	smtp_cmd_count_error(s);
}

bool smtp_cmd_no_args(struct smtp_session *s, struct strv args, const char *syntax)
{
	if (args.len == 0)
		return true;
	smtp_cmd_error(s, 501, "5.5.4", syntax);
	return false;
}

/* Shared by HELO, EHLO and LHLO: the greeting starts afresh (RFC 5321
 * 4.1.4: like RSET). The client's name is only required to be there. */
static bool smtp_cmd_greeting_check(struct smtp_session *s, struct strv args, const char *syntax)
{
	if (s->greeted && !smtp_cmd_count_junk(s))
		return false;
	if (strv_trim(args).len == 0) {
		smtp_cmd_error(s, 501, "5.5.4", syntax);
		return false;
	}
	smtp_trans_reset(s);
	s->greeted = true;
	free(s->helo);
	s->helo = xstrndup(strv_trim(args).p, strv_trim(args).len);
	return true;
}

/* The EHLO/LHLO capability list; STARTTLS only while it can still be used. */
static void smtp_cmd_ehlo_reply(struct smtp_session *s)
{
	char size[48];
	const char *lines[8];
	size_t n = 0;

	if (s->set.max_message_size > 0)
		snprintf(size, sizeof(size), "SIZE %" PRIu64, s->set.max_message_size);
	else
		snprintf(size, sizeof(size), "SIZE");
	lines[n++] = s->set.hostname;
	lines[n++] = "PIPELINING";
	lines[n++] = size;
	if (s->set.starttls && !s->tls_active)
		lines[n++] = "STARTTLS";
	lines[n++] = "ENHANCEDSTATUSCODES";
	lines[n++] = "8BITMIME";
	lines[n++] = "SMTPUTF8";
	smtp_reply_lines(s, 250, lines, n);
}

/* SMTP only: LMTP clients must say LHLO (RFC 2033 4.1). */
static void smtp_cmd_ehlo(struct smtp_session *s, struct strv args)
{
	if (smtp_cmd_greeting_check(s, args, "Syntax: EHLO hostname"))
		smtp_cmd_ehlo_reply(s);
}

/* LMTP only: the same capabilities as EHLO. */
static void smtp_cmd_lhlo(struct smtp_session *s, struct strv args)
{
	if (smtp_cmd_greeting_check(s, args, "Syntax: LHLO hostname"))
		smtp_cmd_ehlo_reply(s);
}

/* Old clients: a one-line reply without extensions. MAIL parameters are
 * still accepted afterwards (as Postfix does). */
static void smtp_cmd_helo(struct smtp_session *s, struct strv args)
{
	if (smtp_cmd_greeting_check(s, args, "Syntax: HELO hostname"))
		smtp_reply(s, 250, NULL, s->set.hostname);
}

/* Aborts the transaction; the greeting stays valid. */
static void smtp_cmd_rset(struct smtp_session *s, struct strv args)
{
	if (!smtp_cmd_count_junk(s) || !smtp_cmd_no_args(s, args, "Syntax: RSET"))
		return;
	smtp_trans_reset(s);
	smtp_reply(s, 250, "2.0.0", "Ok");
}

/* NOOP may carry a string, which is ignored (RFC 5321 4.1.1.9). */
static void smtp_cmd_noop(struct smtp_session *s, struct strv args)
{
	if (smtp_cmd_count_junk(s))
		smtp_reply(s, 250, "2.0.0", "Ok");
}

/* Says goodbye; what the client pipelined after QUIT is never read. */
static void smtp_cmd_quit(struct smtp_session *s, struct strv args)
{
	smtp_reply(s, 221, "2.0.0", "Bye");
	smtp_session_close(s, "quit");
}

/* VRFY is not answered truthfully: it would let anyone harvest addresses. */
static void smtp_cmd_vrfy(struct smtp_session *s, struct strv args)
{
	if (!smtp_cmd_count_junk(s))
		return;
	if (strv_trim(args).len == 0) {
		smtp_cmd_error(s, 501, "5.5.4", "Syntax: VRFY address");
		return;
	}
	smtp_reply(s, 252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

/* A one-line list is all a human poking with telnet needs. */
static void smtp_cmd_help(struct smtp_session *s, struct strv args)
{
	if (!smtp_cmd_count_junk(s))
		return;
	smtp_reply(s, 214, "2.0.0",
		   s->set.protocol == SMTP_PROTOCOL_LMTP
			   ? "Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS"
			   : "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS");
}

/* RFC 3207. The input loop sees SMTP_PHASE_TLS and discards what follows
 * the command before the application starts the handshake. */
static void smtp_cmd_starttls(struct smtp_session *s, struct strv args)
{
	if (!s->set.starttls) {
		smtp_cmd_error(s, 502, "5.5.1", "STARTTLS not available");
		return;
	}
	if (s->tls_active) {
		smtp_cmd_error(s, 503, "5.5.1", "TLS already active");
		return;
	}
	if (!smtp_cmd_no_args(s, args, "Syntax: STARTTLS"))
		return;
	if (s->t.active) {
		smtp_cmd_error(s, 503, "5.5.1", "MAIL transaction in progress");
		return;
	}
	smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
	s->phase = SMTP_PHASE_TLS;
}

static const struct smtp_cmd smtp_cmds[] = {
	{ "EHLO", smtp_cmd_ehlo, SMTP_CMD_SMTP_ONLY },
	{ "HELO", smtp_cmd_helo, SMTP_CMD_SMTP_ONLY },
	{ "LHLO", smtp_cmd_lhlo, SMTP_CMD_LMTP_ONLY },
	{ "MAIL", smtp_cmd_mail, 0 },
	{ "RCPT", smtp_cmd_rcpt, 0 },
	{ "DATA", smtp_cmd_data, 0 },
	{ "RSET", smtp_cmd_rset, 0 },
	{ "NOOP", smtp_cmd_noop, 0 },
	{ "QUIT", smtp_cmd_quit, 0 },
	{ "VRFY", smtp_cmd_vrfy, 0 },
	{ "HELP", smtp_cmd_help, 0 },
	{ "STARTTLS", smtp_cmd_starttls, 0 },
};

/* Verbs compare without regard to case (RFC 5321 2.4). */
static const struct smtp_cmd *smtp_cmd_find(struct strv verb)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_cmds) / sizeof(smtp_cmds[0]); i++) {
		if (strv_eq_ci(verb, smtp_cmds[i].name))
			return &smtp_cmds[i];
	}
	return NULL;
}

/* A command of the other protocol is refused like an unknown one, but with
 * a text that tells a misconfigured client what went wrong. */
static bool smtp_cmd_wrong_protocol(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	bool lmtp = s->set.protocol == SMTP_PROTOCOL_LMTP;

	if (lmtp && (cmd->flags & SMTP_CMD_SMTP_ONLY)) {
		smtp_cmd_error(s, 500, "5.5.1", "This is an LMTP server: use LHLO");
		return true;
	}
	if (!lmtp && (cmd->flags & SMTP_CMD_LMTP_ONLY)) {
		smtp_cmd_error(s, 500, "5.5.1", "This is an SMTP server: use EHLO");
		return true;
	}
	return false;
}

void smtp_cmd_dispatch(struct smtp_session *s, struct strv line)
{
	const char *sp = memchr(line.p, ' ', line.len);
	struct strv verb = { line.p, sp != NULL ? (size_t)(sp - line.p) : line.len };
	struct strv args = { sp != NULL ? sp + 1 : line.p + line.len, sp != NULL ? line.len - verb.len - 1 : 0 };
	const struct smtp_cmd *cmd;

	s->cmd_name = "UNKNOWN";
	if (memchr(line.p, '\0', line.len) != NULL) {
		smtp_cmd_error(s, 500, "5.5.2", "NUL character in command");
		return;
	}
	cmd = smtp_cmd_find(verb);
	if (cmd == NULL) {
		smtp_cmd_error(s, 500, "5.5.2", "Command not recognized");
		return;
	}
	s->cmd_name = cmd->name;
	if (!smtp_cmd_wrong_protocol(s, cmd))
		cmd->handler(s, args);
}
