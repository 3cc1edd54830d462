/* The SMTP/LMTP protocol core, driven without sockets: whole sessions are
 * fed as bytes and the exact reply bytes are compared, whole, one byte at a
 * time, split at every point, and with the application answering late. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "smtp/smtp-received.h"
#include "smtp/smtp-server.h"
#include "smtp/smtp-status.h"

#define HOST "mx.example"
#define GREET_L "220 " HOST " LMTP maildesk\r\n"
#define GREET_S "220 " HOST " ESMTP maildesk\r\n"
#define CAPS_HEAD "250-" HOST "\r\n250-PIPELINING\r\n250-SIZE 10000\r\n"
#define CAPS_TAIL "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
#define CAPS CAPS_HEAD CAPS_TAIL
#define CAPS_TLS CAPS_HEAD "250-STARTTLS\r\n" CAPS_TAIL
#define OK "250 2.0.0 Ok\r\n"
#define OK_MAIL "250 2.1.0 Ok\r\n"
#define OK_RCPT "250 2.1.5 Ok\r\n"
#define NOUSER "550 5.1.1 No such recipient here\r\n"
#define GO "354 End data with <CR><LF>.<CR><LF>\r\n"
#define QUEUED "250 2.0.0 Ok: queued\r\n"
#define TEMPFAIL "451 4.3.0 Temporary failure, try again later\r\n"
#define TOO_BIG "552 5.3.4 Message size exceeds fixed limit\r\n"
#define BYE "221 2.0.0 Bye\r\n"
#define X10 "xxxxxxxxxx"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define X500 X100 X100 X100 X100 X100

/* The application side: records what the core asks and answers by a fixed
 * policy on the address, at once (sync) or from app_answer_all() (async). */
struct app {
	struct smtp_session *s;
	struct buf out;        /* everything written to the client */
	struct buf events;     /* one line per callback */
	struct buf trace;
	struct buf msg;        /* the last message */
	bool async;
	bool tls_in_callback;
	bool take;
	char *rcpt;            /* waiting for an answer */
	char **data_rcpts;     /* waiting for answers */
	size_t n_data_rcpts;
	char *mail_from;
	uint64_t declared_size;
	bool body8, utf8;
	unsigned n_data, n_starttls, n_close;
	const char *close_reason;
};

static void app_write(void *ctx, const char *data, size_t len)
{
	struct app *a = ctx;
	ck_assert(len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n');
	buf_append(&a->out, data, len);
}

static void app_rcpt_answer(struct app *a)
{
	const struct smtp_status_reply *r = NULL;
	char *addr = a->rcpt;

	a->rcpt = NULL;
	if (strncmp(addr, "unknown", 7) == 0)
		r = smtp_status_reply(SMTP_STATUS_NO_SUCH_USER);
	else if (strncmp(addr, "busy", 4) == 0)
		r = smtp_status_reply(SMTP_STATUS_TEMPFAIL);
	if (r != NULL)
		smtp_session_rcpt_reply(a->s, r->code, r->enh, r->text);
	else
		smtp_session_rcpt_reply(a->s, 250, "2.1.5", "Ok");
	free(addr);
}

static void app_rcpt(void *ctx, const char *address)
{
	struct app *a = ctx;

	/* A test may have answered the previous one itself. */
	free(a->rcpt);
	buf_printf(&a->events, "RCPT %s\n", address);
	a->rcpt = xstrdup(address);
	if (!a->async)
		app_rcpt_answer(a);
}

static void app_data_answer_one(struct app *a, size_t i)
{
	const char *addr = a->data_rcpts[i];
	enum smtp_status st = SMTP_STATUS_OK;

	if (strncmp(addr, "data451", 7) == 0)
		st = SMTP_STATUS_TEMPFAIL;
	else if (strncmp(addr, "dup", 3) == 0)
		st = SMTP_STATUS_DUPLICATE;
	if (strncmp(addr, "data550", 7) == 0) {
		smtp_session_data_reply(a->s, i, 550, "5.7.1", "Rejected by policy");
	} else {
		const struct smtp_status_reply *r = smtp_status_reply(st);
		smtp_session_data_reply(a->s, i, r->code, r->enh, r->text);
	}
}

static void app_data_forget(struct app *a)
{
	size_t i;

	for (i = 0; i < a->n_data_rcpts; i++)
		free(a->data_rcpts[i]);
	free(a->data_rcpts);
	a->data_rcpts = NULL;
	a->n_data_rcpts = 0;
}

/* Answers every recipient; async answers go last-first to prove the core
 * puts LMTP replies back in RCPT order. */
static void app_data_answer_all(struct app *a, bool reverse)
{
	size_t i, n = a->n_data_rcpts;
	char **rcpts = a->data_rcpts;

	a->data_rcpts = NULL;
	a->n_data_rcpts = 0;
	for (i = 0; i < n; i++) {
		char **saved = a->data_rcpts;
		a->data_rcpts = rcpts;
		app_data_answer_one(a, reverse ? n - 1 - i : i);
		a->data_rcpts = saved;
	}
	for (i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
}

static void app_data(void *ctx, const struct smtp_transaction *t, const char *msg, size_t len)
{
	struct app *a = ctx;
	size_t i;

	a->n_data++;
	buf_printf(&a->events, "DATA from=<%s> n=%zu size=%zu\n", t->mail_from, t->n_rcpts, len);
	free(a->mail_from);
	a->mail_from = xstrdup(t->mail_from);
	a->declared_size = t->declared_size;
	a->body8 = t->body_8bitmime;
	a->utf8 = t->smtputf8;
	buf_reset(&a->msg);
	if (a->take) {
		char *owned = smtp_session_take_message(a->s);
		ck_assert_mem_eq(owned, msg, len);
		ck_assert_int_eq(owned[len], '\0');
		buf_append(&a->msg, owned, len);
		free(owned);
	} else {
		buf_append(&a->msg, msg, len);
	}
	app_data_forget(a);
	a->data_rcpts = xcalloc(t->n_rcpts, sizeof(char *));
	a->n_data_rcpts = t->n_rcpts;
	for (i = 0; i < t->n_rcpts; i++)
		a->data_rcpts[i] = xstrdup(t->rcpts[i]);
	if (!a->async)
		app_data_answer_all(a, false);
}

static void app_starttls(void *ctx)
{
	struct app *a = ctx;

	a->n_starttls++;
	buf_append_str(&a->events, "STARTTLS\n");
	if (a->tls_in_callback)
		smtp_session_tls_started(a->s);
}

static void app_close(void *ctx, const char *reason)
{
	struct app *a = ctx;

	a->n_close++;
	a->close_reason = reason;
	buf_printf(&a->events, "CLOSE %s\n", reason);
}

static void app_trace(void *ctx, const char *command, unsigned code)
{
	struct app *a = ctx;
	buf_printf(&a->trace, "%s %u\n", command, code);
}

static const struct smtp_server_callbacks app_callbacks = {
	.write = app_write,
	.rcpt = app_rcpt,
	.data = app_data,
	.starttls = app_starttls,
	.close = app_close,
	.trace = app_trace,
};

static struct smtp_server_settings settings_for(enum smtp_protocol p)
{
	return (struct smtp_server_settings){
		.protocol = p,
		.hostname = HOST,
		.max_message_size = 10000,
		.max_recipients = 3,
		.max_bad_commands = 20,
		.pipeline_depth = 64,
	};
}

static void app_start(struct app *a, const struct smtp_server_settings *set)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->out, 0);
	buf_init(&a->events, 0);
	buf_init(&a->trace, 0);
	buf_init(&a->msg, 0);
	a->s = smtp_session_new(set, &app_callbacks, a);
}

static void app_finish(struct app *a)
{
	smtp_session_free(&a->s);
	ck_assert_ptr_null(a->s);
	smtp_session_free(&a->s);
	free(a->rcpt);
	app_data_forget(a);
	free(a->mail_from);
	buf_free(&a->out);
	buf_free(&a->events);
	buf_free(&a->trace);
	buf_free(&a->msg);
}

/* Answers everything the core waits for, in the order it asks. */
static void app_answer_all(struct app *a)
{
	while (smtp_session_is_waiting(a->s)) {
		if (a->rcpt != NULL)
			app_rcpt_answer(a);
		else if (a->data_rcpts != NULL)
			app_data_answer_all(a, true);
		else
			ck_abort_msg("waiting, but for nothing the app was asked");
	}
}

static void app_feed_str(struct app *a, const char *s) { smtp_session_feed(a->s, s, strlen(s)); }

/* Clears what was written so far, to look only at the next replies. */
static void app_out_reset(struct app *a) { buf_reset(&a->out); }

static const char *app_out(struct app *a) { return a->out.data != NULL ? a->out.data : ""; }

/* ---- transcripts ---- */

struct transcript {
	const char *name;
	enum smtp_protocol proto;
	bool starttls;
	const char *in;
	const char *out;
	const char *msg;       /* the last message, or NULL */
	const char *events;    /* the callbacks, or NULL */
};

static const struct transcript transcripts[] = {
	{ "lmtp delivery: one reply per accepted recipient", SMTP_PROTOCOL_LMTP, false,
	  "LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.com>\r\n"
	  "RCPT TO:<unknown@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
	  "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT NOUSER OK_RCPT GO QUEUED QUEUED BYE, "Subject: hi\r\n\r\nbody\r\n",
	  "RCPT a@example.com\nRCPT unknown@example.com\nRCPT b@example.com\n"
	  "DATA from=<sender@example.org> n=2 size=21\nCLOSE quit\n" },
	{ "lmtp duplicate recipient gets its own reply", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<a@example.com>\r\n"
	  "DATA\r\nx\r\n.\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT OK_RCPT GO QUEUED QUEUED, "x\r\n", NULL },
	{ "lmtp refuses HELO and EHLO", SMTP_PROTOCOL_LMTP, false, "HELO c\r\nEHLO c\r\nLHLO c\r\nQUIT\r\n",
	  GREET_L "500 5.5.1 This is an LMTP server: use LHLO\r\n"
		  "500 5.5.1 This is an LMTP server: use LHLO\r\n" CAPS BYE,
	  NULL, "CLOSE quit\n" },
	{ "smtp refuses LHLO", SMTP_PROTOCOL_SMTP, false, "LHLO c\r\nEHLO c\r\nQUIT\r\n",
	  GREET_S "500 5.5.1 This is an SMTP server: use EHLO\r\n" CAPS BYE, NULL, NULL },
	{ "smtp HELO answers on one line", SMTP_PROTOCOL_SMTP, false,
	  "HELO\r\nHELO c\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n",
	  GREET_S "501 5.5.4 Syntax: HELO hostname\r\n250 " HOST "\r\n" OK_MAIL BYE, NULL, NULL },
	{ "smtp delivery: one combined reply", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<unknown@example.com>\r\n"
	  "RCPT TO:<b@example.com>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT NOUSER OK_RCPT GO QUEUED BYE, "hello\r\n", NULL },
	{ "smtp combined reply is the first temporary failure", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<data550@example.com>\r\n"
	  "RCPT TO:<data451@example.com>\r\nDATA\r\nhello\r\n.\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT OK_RCPT OK_RCPT GO TEMPFAIL, NULL, NULL },
	{ "smtp combined reply is the rejection when nothing is temporary", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<data550@example.com>\r\n"
	  "DATA\r\nhello\r\n.\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT OK_RCPT GO "550 5.7.1 Rejected by policy\r\n", NULL, NULL },
	{ "smtp combined reply when all succeed is the first one", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<dup@example.com>\r\nRCPT TO:<a@example.com>\r\n"
	  "DATA\r\nhello\r\n.\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT OK_RCPT GO "250 2.0.0 Ok: already delivered\r\n", NULL, NULL },
	{ "sequencing errors get 503 or 554", SMTP_PROTOCOL_LMTP, false,
	  "MAIL FROM:<a@b.example>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nLHLO c\r\nMAIL FROM:<a@b.example>\r\n"
	  "MAIL FROM:<a@b.example>\r\nDATA\r\nRCPT TO:<unknown@b.example>\r\nDATA\r\nRSET\r\n"
	  "RCPT TO:<a@b.example>\r\nQUIT\r\n",
	  GREET_L "503 5.5.1 Send LHLO first\r\n503 5.5.1 Need MAIL command\r\n503 5.5.1 Need MAIL command\r\n" CAPS
		  OK_MAIL "503 5.5.1 Nested MAIL command\r\n554 5.5.1 No valid recipients\r\n" NOUSER
			  "554 5.5.1 No valid recipients\r\n" OK "503 5.5.1 Need MAIL command\r\n" BYE,
	  NULL, "RCPT unknown@b.example\nCLOSE quit\n" },
	{ "syntax errors get 500/501/555", SMTP_PROTOCOL_LMTP, false,
	  "LHLO\r\nLHLO c\r\nMAIL FROM a@b\r\nMAIL FROM:a@b.example\r\nMAIL FROM:<a@b.example> FOO=1\r\n"
	  "MAIL FROM:<a@b.example> BODY=BINARYMIME\r\nMAIL FROM:<a@b.example> SIZE=12x\r\n"
	  "MAIL FROM:<a@b.example> SMTPUTF8=yes\r\n"
	  "MAIL FROM:<a@b.example>x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<>\r\nRCPT TO:<postmaster>\r\n"
	  "RCPT TO:<a@b.example> NOTIFY=NEVER\r\nRCPT <a@b.example>\r\nRCPT TO:<a@b.example>x\r\n"
	  "FOO\r\n\r\nRSET x\r\nVRFY\r\nQUIT\r\n",
	  GREET_L "501 5.5.4 Syntax: LHLO hostname\r\n" CAPS "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
		  "501 5.1.7 Bad sender address syntax: missing '<'\r\n"
		  "555 5.5.4 Unsupported MAIL parameter\r\n"
		  "501 5.5.4 Bad BODY parameter\r\n"
		  "501 5.5.4 Bad SIZE parameter\r\n"
		  "501 5.5.4 Bad SMTPUTF8 parameter\r\n"
		  "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]\r\n" OK_MAIL
		  "501 5.1.3 Bad recipient address syntax: null address not allowed\r\n"
		  "501 5.1.3 Bad recipient address syntax: missing domain\r\n"
		  "555 5.5.4 Unsupported RCPT parameter\r\n"
		  "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
		  "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
		  "500 5.5.2 Command not recognized\r\n"
		  "500 5.5.2 Command not recognized\r\n"
		  "501 5.5.4 Syntax: RSET\r\n"
		  "501 5.5.4 Syntax: VRFY address\r\n" BYE,
	  NULL, "CLOSE quit\n" },
	{ "MAIL parameters reach the transaction", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nmail from: <A@Example.ORG> size=10000 body=8bitmime smtputf8\r\nrcpt to:<Bob@EXAMPLE.com>\r\n"
	  "DATA\r\nhi\r\n.\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT GO QUEUED, "hi\r\n",
	  "RCPT Bob@example.com\nDATA from=<A@example.org> n=1 size=4\n" },
	{ "SIZE above the limit is refused at MAIL", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<a@b.example> SIZE=10001\r\nMAIL FROM:<a@b.example> SIZE=10000\r\n",
	  GREET_L CAPS TOO_BIG OK_MAIL, NULL, NULL },
	{ "null sender is accepted for MAIL", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nbounce\r\n.\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT GO QUEUED, "bounce\r\n", "RCPT a@b.example\nDATA from=<> n=1 size=8\n" },
	{ "recipients past max_recipients get 452 4.5.3", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<unknown@b.example>\r\nRCPT TO:<b@b.example>\r\n"
	  "RCPT TO:<c@b.example>\r\nRCPT TO:<d@b.example>\r\nDATA\r\nm\r\n.\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT NOUSER OK_RCPT OK_RCPT "452 4.5.3 Too many recipients\r\n" GO QUEUED QUEUED
		  QUEUED,
	  "m\r\n",
	  "RCPT a@b.example\nRCPT unknown@b.example\nRCPT b@b.example\nRCPT c@b.example\n"
	  "DATA from=<> n=3 size=3\n" },
	{ "RSET forgets the transaction", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRSET\r\nDATA\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT OK "503 5.5.1 Need MAIL command\r\n", NULL, NULL },
	{ "dot-stuffing is removed", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n"
	  "line1\r\n..dots\r\n...\r\n.x\r\n..\r\n.\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT GO QUEUED, "line1\r\n.dots\r\n..\r\nx\r\n.\r\n", NULL },
	{ "bare LF and bare CR do not end DATA", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n"
	  "a\n.\nb\r.\rc\r\n.\n\r\n.\r\nNOOP\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT GO QUEUED OK, "a\n.\nb\r.\rc\r\n\n\r\n", NULL },
	{ "a smuggled message after LF.LF stays inside the first", SMTP_PROTOCOL_SMTP, false,
	  "EHLO c\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n"
	  "body\r\n\n.\n\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nforged\r\n.\r\n",
	  GREET_S CAPS OK_MAIL OK_RCPT GO QUEUED,
	  "body\r\n\n.\n\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nforged\r\n",
	  "RCPT a@b.example\nDATA from=<s@example.org> n=1 size=75\n" },
	{ "NOOP, VRFY and HELP", SMTP_PROTOCOL_LMTP, false,
	  "NOOP\r\nnoop hello\r\nVRFY <a@b.example>\r\nHELP\r\nQUIT\r\n",
	  GREET_L OK OK "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
			"214 2.0.0 Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS\r\n" BYE,
	  NULL, NULL },
	{ "a 600-octet command line is refused and the session goes on", SMTP_PROTOCOL_LMTP, false,
	  "NOOP " X500 X100 "\r\nNOOP\r\n", GREET_L "500 5.5.2 Line too long\r\n" OK, NULL, NULL },
	{ "a command line of exactly 512 octets is accepted, 513 is not", SMTP_PROTOCOL_LMTP, false,
	  "NOOP " X500 "xxxxx\r\nNOOP " X500 "xxxxxx\r\n", GREET_L OK "500 5.5.2 Line too long\r\n", NULL, NULL },
	{ "a bare LF ends a command line", SMTP_PROTOCOL_LMTP, false, "LHLO c\nNOOP\nQUIT\n",
	  GREET_L CAPS OK BYE, NULL, NULL },
	{ "input after QUIT is ignored", SMTP_PROTOCOL_LMTP, false, "QUIT\r\nNOOP\r\n", GREET_L BYE, NULL,
	  "CLOSE quit\n" },
	{ "a second pipelined transaction follows the first message", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\none\r\n.\r\n"
	  "MAIL FROM:<x@y.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<c@b.example>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n",
	  GREET_L CAPS OK_MAIL OK_RCPT GO QUEUED OK_MAIL OK_RCPT OK_RCPT GO QUEUED QUEUED BYE, "two\r\n",
	  "RCPT a@b.example\nDATA from=<> n=1 size=5\nRCPT b@b.example\nRCPT c@b.example\n"
	  "DATA from=<x@y.example> n=2 size=5\nCLOSE quit\n" },
	{ "a UTF-8 address needs SMTPUTF8", SMTP_PROTOCOL_LMTP, false,
	  "LHLO c\r\nMAIL FROM:<j\xc3\xb6@b.example>\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<j\xc3\xb6@b.example>\r\n"
	  "RSET\r\nMAIL FROM:<j\xc3\xb6@b.example> SMTPUTF8\r\nRCPT TO:<j\xc3\xb6@b\xc3\xa4.example>\r\n",
	  GREET_L CAPS "553 5.6.7 SMTPUTF8 is required for a non-ASCII address\r\n" OK_MAIL
		       "553 5.6.7 SMTPUTF8 is required for a non-ASCII address\r\n" OK OK_MAIL OK_RCPT,
	  NULL, "RCPT j\xc3\xb6@b\xc3\xa4.example\n" },
	{ "STARTTLS is refused when not offered", SMTP_PROTOCOL_SMTP, false, "EHLO c\r\nSTARTTLS\r\nNOOP\r\n",
	  GREET_S CAPS "502 5.5.1 STARTTLS not available\r\n" OK, NULL, NULL },
	{ "STARTTLS is refused inside a transaction or with arguments", SMTP_PROTOCOL_SMTP, true,
	  "EHLO c\r\nSTARTTLS now\r\nMAIL FROM:<a@b.example>\r\nSTARTTLS\r\nNOOP\r\n",
	  GREET_S CAPS_TLS "501 5.5.4 Syntax: STARTTLS\r\n" OK_MAIL "503 5.5.1 MAIL transaction in progress\r\n" OK,
	  NULL, "" },
};

#define N_TRANSCRIPTS (sizeof(transcripts) / sizeof(transcripts[0]))

/* Plays tc with the input cut at the given offsets (sorted). */
static void transcript_play(const struct transcript *tc, bool async, const size_t *cuts, size_t n_cuts,
			    const char *how)
{
	struct smtp_server_settings set = settings_for(tc->proto);
	size_t len = strlen(tc->in), prev = 0, i;
	struct app a;

	set.starttls = tc->starttls;
	app_start(&a, &set);
	a.async = async;
	for (i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;
		smtp_session_feed(a.s, tc->in + prev, end - prev);
		prev = end;
	}
	app_answer_all(&a);
	ck_assert_msg(strcmp(app_out(&a), tc->out) == 0, "%s (%s, %s):\ngot:\n%s\nwant:\n%s", tc->name,
		      async ? "async" : "sync", how, app_out(&a), tc->out);
	if (tc->msg != NULL)
		ck_assert_msg(a.msg.len == strlen(tc->msg) && memcmp(a.msg.data, tc->msg, a.msg.len) == 0,
			      "%s: message [%s]", tc->name, a.msg.data ? a.msg.data : "");
	if (tc->events != NULL)
		ck_assert_msg(strcmp(a.events.data ? a.events.data : "", tc->events) == 0, "%s: events:\n%s",
			      tc->name, a.events.data ? a.events.data : "");
	app_finish(&a);
}

START_TEST(test_transcript_fed_whole_gives_exact_replies)
{
	transcript_play(&transcripts[_i], false, NULL, 0, "whole");
	transcript_play(&transcripts[_i], true, NULL, 0, "whole");
}
END_TEST

START_TEST(test_transcript_split_at_every_point_gives_same_replies)
{
	const struct transcript *tc = &transcripts[_i];
	size_t len = strlen(tc->in), cut;
	char how[64];

	for (cut = 0; cut <= len; cut++) {
		snprintf(how, sizeof(how), "split at %zu", cut);
		transcript_play(tc, false, &cut, 1, how);
		transcript_play(tc, true, &cut, 1, how);
	}
}
END_TEST

START_TEST(test_transcript_fed_one_byte_at_a_time_gives_same_replies)
{
	const struct transcript *tc = &transcripts[_i];
	size_t len = strlen(tc->in), i;
	size_t *cuts = xcalloc(len + 1, sizeof(*cuts));

	for (i = 1; i < len; i++)
		cuts[i - 1] = i;
	transcript_play(tc, false, cuts, len > 0 ? len - 1 : 0, "bytewise");
	transcript_play(tc, true, cuts, len > 0 ? len - 1 : 0, "bytewise");
	free(cuts);
}
END_TEST

/* ---- the application answering late or out of order ---- */

#define LMTP_TXN "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<a@b.example>\r\n"

START_TEST(test_lmtp_data_replies_follow_rcpt_order_when_app_answers_out_of_order)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_feed_str(&a, LMTP_TXN "DATA\r\n");
	app_out_reset(&a);
	a.async = true;
	app_feed_str(&a, "msg\r\n.\r\nNOOP\r\n");
	ck_assert_uint_eq(a.n_data, 1);
	ck_assert(smtp_session_is_waiting(a.s));
	smtp_session_data_reply(a.s, 2, 250, "2.0.0", "third");
	ck_assert_str_eq(app_out(&a), "");
	smtp_session_data_reply(a.s, 0, 451, "4.3.0", "first");
	ck_assert_str_eq(app_out(&a), "451 4.3.0 first\r\n");
	smtp_session_data_reply(a.s, 0, 250, "2.0.0", "again");
	smtp_session_data_reply(a.s, 7, 250, "2.0.0", "no such index");
	ck_assert_str_eq(app_out(&a), "451 4.3.0 first\r\n");
	ck_assert(smtp_session_is_waiting(a.s));
	smtp_session_data_reply(a.s, 1, 550, "5.1.1", "second");
	ck_assert_str_eq(app_out(&a), "451 4.3.0 first\r\n550 5.1.1 second\r\n250 2.0.0 third\r\n" OK);
	ck_assert(!smtp_session_is_waiting(a.s));
	app_finish(&a);
}
END_TEST

/* A per-recipient context application: accepts each RCPT with a context
 * (an int naming the RCPT), records what the data callback sees, counts
 * the contexts the core frees. */
struct ctx_app {
	struct smtp_session *s;
	int next;              /* context value of the next RCPT */
	int seen[8];           /* what the data callback got, -1 for NULL */
	size_t n_seen;
	unsigned freed;
	unsigned last_code;    /* smtp_session_rcpt_*() returned */
	bool plain;            /* answer the next RCPT without a context */
};

static void ctx_write(void *ctx, const char *data, size_t len) { (void)ctx; (void)data; (void)len; }
static void ctx_close(void *ctx, const char *reason) { (void)ctx; (void)reason; }

static void ctx_rcpt(void *ctx, const char *address)
{
	struct ctx_app *a = ctx;
	int *v = xmalloc(sizeof(*v));

	(void)address;
	*v = a->next++;
	if (a->plain) {
		free(v);
		a->last_code = smtp_session_rcpt_reply(a->s, 250, "2.1.5", "Ok");
	} else {
		a->last_code = smtp_session_rcpt_accept(a->s, v, "2.1.5", "Ok");
	}
}

static void ctx_data(void *ctx, const struct smtp_transaction *t, const char *msg, size_t len)
{
	struct ctx_app *a = ctx;

	(void)msg;
	(void)len;
	for (size_t i = 0; i < t->n_rcpts && a->n_seen < 8; i++)
		a->seen[a->n_seen++] = t->rcpt_contexts[i] != NULL ? *(int *)t->rcpt_contexts[i] : -1;
	for (size_t i = 0; i < t->n_rcpts; i++)
		smtp_session_data_reply(a->s, i, 250, "2.0.0", "Ok");
}

static void ctx_free(void *ctx, void *rcpt_ctx)
{
	struct ctx_app *a = ctx;

	a->freed++;
	free(rcpt_ctx);
}

static const struct smtp_server_callbacks ctx_cbs = {
	.write = ctx_write, .rcpt = ctx_rcpt, .data = ctx_data, .close = ctx_close,
	.rcpt_context_free = ctx_free,
};

static void ctx_feed(struct ctx_app *a, const char *s)
{
	smtp_session_feed(a->s, s, strlen(s));
}

START_TEST(test_rcpt_contexts_come_back_with_the_transaction_and_are_freed)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct ctx_app a = { 0 };

	set.max_recipients = 8;
	a.s = smtp_session_new(&set, &ctx_cbs, &a);
	ctx_feed(&a, "LHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\n"
		     "RCPT TO:<a@b.example>\r\n");
	ck_assert_uint_eq(a.last_code, 250);
	a.plain = true;
	ctx_feed(&a, "RCPT TO:<c@b.example>\r\nDATA\r\nbody\r\n.\r\n");
	/* In RCPT order, the duplicate with its own, a plain answer NULL. */
	ck_assert_uint_eq(a.n_seen, 4);
	ck_assert_int_eq(a.seen[0], 0);
	ck_assert_int_eq(a.seen[1], 1);
	ck_assert_int_eq(a.seen[2], 2);
	ck_assert_int_eq(a.seen[3], -1);
	ck_assert_uint_eq(a.freed, 3); /* the transaction ended with the replies */
	a.plain = false;
	ctx_feed(&a, "MAIL FROM:<s@x.example>\r\nRCPT TO:<a@b.example>\r\nRSET\r\n");
	ck_assert_uint_eq(a.freed, 4); /* RSET */
	ctx_feed(&a, "MAIL FROM:<s@x.example>\r\nRCPT TO:<a@b.example>\r\n");
	smtp_session_free(&a.s);
	ck_assert_uint_eq(a.freed, 5); /* the session's end */
}
END_TEST

START_TEST(test_rcpt_reply_returns_the_code_sent)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;
	int *v = xmalloc(sizeof(*v));

	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<a@b.example>\r\n");
	/* Out of range: the client gets 451, and the log must say so. */
	ck_assert_uint_eq(smtp_session_rcpt_reply(a.s, 700, NULL, "bogus"), 451);
	/* Nothing pending: nothing sent, and a context given is not kept
	 * (no rcpt_context_free set here: the caller's to free). */
	ck_assert_uint_eq(smtp_session_rcpt_reply(a.s, 250, "2.1.5", "Ok"), 0);
	ck_assert_uint_eq(smtp_session_rcpt_accept(a.s, v, "2.1.5", "Ok"), 0);
	free(v);
	app_finish(&a);
}
END_TEST

START_TEST(test_pipelined_rcpts_wait_for_each_async_rcpt_reply)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n");
	ck_assert_str_eq(app_out(&a), GREET_L CAPS OK_MAIL);
	ck_assert_str_eq(a.events.data, "RCPT a@b.example\n");
	ck_assert(smtp_session_is_waiting(a.s));
	ck_assert(!smtp_session_in_data(a.s));
	smtp_session_rcpt_reply(a.s, 250, "2.1.5", "first ok");
	ck_assert_str_eq(a.events.data, "RCPT a@b.example\nRCPT b@b.example\n");
	ck_assert_str_eq(app_out(&a), GREET_L CAPS OK_MAIL "250 2.1.5 first ok\r\n");
	smtp_session_rcpt_reply(a.s, 550, "5.1.1", "second no");
	ck_assert_str_eq(app_out(&a), GREET_L CAPS OK_MAIL "250 2.1.5 first ok\r\n550 5.1.1 second no\r\n" GO);
	ck_assert(!smtp_session_is_waiting(a.s));
	ck_assert(smtp_session_in_data(a.s));
	app_feed_str(&a, "body\r\n.\r\n");
	ck_assert(!smtp_session_in_data(a.s));
	ck_assert_uint_eq(a.n_data, 1);
	ck_assert_uint_eq(a.n_data_rcpts, 1);
	ck_assert_str_eq(a.data_rcpts[0], "a@b.example");
	smtp_session_rcpt_reply(a.s, 250, "2.1.5", "not asked");
	app_answer_all(&a);
	ck_assert_str_eq(app_out(&a), GREET_L CAPS OK_MAIL "250 2.1.5 first ok\r\n550 5.1.1 second no\r\n" GO QUEUED);
	app_finish(&a);
}
END_TEST

START_TEST(test_transaction_fields_and_taken_message_reach_the_app)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_SMTP);
	struct app a;

	app_start(&a, &set);
	a.take = true;
	app_feed_str(&a, "EHLO c\r\nMAIL FROM:<Who@Sender.EXAMPLE> SIZE=42 BODY=8BITMIME SMTPUTF8\r\n"
			 "RCPT TO:<@relay.example,@r2.example:\"john doe\"@Dest.Example>\r\nDATA\r\n..hi\r\n.\r\n");
	ck_assert_uint_eq(a.n_data, 1);
	ck_assert_str_eq(a.mail_from, "Who@sender.example");
	ck_assert_uint_eq(a.declared_size, 42);
	ck_assert(a.body8);
	ck_assert(a.utf8);
	ck_assert_str_eq(a.msg.data, ".hi\r\n");
	ck_assert_str_eq(a.events.data, "RCPT \"john doe\"@dest.example\nDATA from=<Who@sender.example> n=1 size=5\n");
	ck_assert_ptr_null(smtp_session_take_message(a.s));
	app_feed_str(&a, "MAIL FROM:<a@b.example>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nx\r\n.\r\n");
	ck_assert_uint_eq(a.declared_size, 0);
	ck_assert(!a.body8);
	ck_assert(!a.utf8);
	app_finish(&a);
}
END_TEST

START_TEST(test_reply_text_from_app_stays_on_one_line)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\n");
	app_out_reset(&a);
	smtp_session_rcpt_reply(a.s, 550, "5.1.1", "no\r\n250 2.1.5 injected");
	ck_assert_str_eq(app_out(&a), "550 5.1.1 no  250 2.1.5 injected\r\n");
	app_feed_str(&a, "RCPT TO:<b@b.example>\r\n");
	smtp_session_rcpt_reply(a.s, 99, "2.1.5", "bogus code");
	ck_assert_str_eq(app_out(&a),
			 "550 5.1.1 no  250 2.1.5 injected\r\n451 4.3.0 Internal error, try again later\r\n");
	app_feed_str(&a, "RCPT TO:<c@b.example>\r\n");
	smtp_session_rcpt_reply(a.s, 250, NULL, NULL);
	ck_assert_str_eq(app_out(&a), "550 5.1.1 no  250 2.1.5 injected\r\n451 4.3.0 Internal error, try again later\r\n"
				      "250 \r\n");
	app_finish(&a);
}
END_TEST

START_TEST(test_trace_names_each_command_and_reply_code)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<unknown@b.example>\r\nRCPT TO:<a@b.example>\r\n"
			 "DATA\r\nx\r\n.\r\nBOGUS\r\nQUIT\r\n");
	ck_assert_str_eq(a.trace.data, "CONNECT 220\nLHLO 250\nMAIL 250\nRCPT 550\nRCPT 250\nDATA 354\nEOM 250\n"
				       "UNKNOWN 500\nQUIT 221\n");
	app_finish(&a);
}
END_TEST

/* The client's name is kept for our Received line; the last greeting wins. */
START_TEST(test_helo_name_is_kept_for_the_received_line)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	ck_assert_str_eq(smtp_session_helo(a.s), "");
	app_feed_str(&a, "LHLO  first.example \r\n");
	ck_assert_str_eq(smtp_session_helo(a.s), "first.example");
	app_feed_str(&a, "LHLO\r\nLHLO second.example\r\n");
	ck_assert_str_eq(smtp_session_helo(a.s), "second.example");
	app_finish(&a);
}
END_TEST

/* Our Received field: RFC 5321 4.4 form, client text made harmless. */
START_TEST(test_received_field_form_and_client_text)
{
	struct smtp_received r = { .helo = "mx.postfix.test", .peer = "127.0.0.1", .hostname = "maildesk.test",
				   .lmtp = true, .session_id = "00000000000000a1" };
	char *f = smtp_received_format(&r, "support@demo.example", 1796460455);

	ck_assert_str_eq(f, "Received: from mx.postfix.test ([127.0.0.1])\r\n\tby maildesk.test (maildesk) with LMTP id "
			    "00000000000000a1\r\n\tfor <support@demo.example>; Sat, 05 Dec 2026 08:47:35 +0000\r\n");
	free(f);
	r = (struct smtp_received){ .helo = "evil\r\nAuthentication-Results: x; (dkim=pass)", .peer = "::1",
				    .hostname = "maildesk.test", .tls = true, .session_id = "2" };
	f = smtp_received_format(&r, "a\"b>c@x.example", 0);
	ck_assert_str_eq(f, "Received: from evil??Authentication-Results:?x???dkim=pass? ([IPv6:::1])\r\n\tby maildesk.test "
			    "(maildesk) with ESMTPS id 2\r\n\tfor <a?b?c@x.example>; Thu, 01 Jan 1970 00:00:00 +0000\r\n");
	free(f);
	r = (struct smtp_received){ .helo = "", .is_unix = true, .hostname = "h", .lmtp = true, .session_id = "3" };
	f = smtp_received_format(&r, NULL, 0);
	ck_assert_str_eq(f, "Received: from unknown (local)\r\n\tby h (maildesk) with LMTP id 3; Thu, 01 Jan 1970 00:00:00 +0000\r\n");
	free(f);
}
END_TEST

/* ---- size limits ---- */

/* Feeds a 10 MB line in pieces of chunk bytes (the whole at once for 0). */
static void feed_huge_line(struct app *a, size_t total, size_t chunk)
{
	char *big = xmalloc(total);
	size_t off;

	memset(big, 'z', total);
	if (chunk == 0)
		chunk = total;
	for (off = 0; off < total; off += chunk)
		smtp_session_feed(a->s, big + off, total - off < chunk ? total - off : chunk);
	free(big);
}

static void check_oversized_message(size_t chunk)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	set.max_message_size = 1024 * 1024;
	app_start(&a, &set);
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n");
	app_out_reset(&a);
	feed_huge_line(&a, 10 * 1024 * 1024, chunk);
	ck_assert(smtp_session_in_data(a.s));
	ck_assert_str_eq(app_out(&a), "");
	app_feed_str(&a, "\r\n.\r\nNOOP\r\n");
	ck_assert_uint_eq(a.n_data, 0);
	ck_assert_str_eq(app_out(&a), TOO_BIG TOO_BIG OK);
	app_out_reset(&a);
	app_feed_str(&a, "RCPT TO:<a@b.example>\r\n");
	ck_assert_str_eq(app_out(&a), "503 5.5.1 Need MAIL command\r\n");
	app_finish(&a);
}

START_TEST(test_ten_mb_line_over_one_mb_limit_gets_552_per_rcpt_without_callback)
{
	check_oversized_message(64 * 1024);
	check_oversized_message(0);
}
END_TEST

START_TEST(test_message_at_limit_is_accepted_one_octet_more_is_not)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_SMTP);
	struct app a;

	set.max_message_size = 12;
	app_start(&a, &set);
	app_feed_str(&a, "EHLO c\r\nMAIL FROM:<> SIZE=12\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n"
			 "..234567890\r\n.\r\n");
	ck_assert_uint_eq(a.n_data, 1);
	ck_assert_str_eq(a.msg.data, ".234567890\r\n");
	app_out_reset(&a);
	app_feed_str(&a, "MAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n"
			 "0123456789a\r\n.\r\n");
	ck_assert_uint_eq(a.n_data, 1);
	/* SMTP: one 552 for all recipients. */
	ck_assert_str_eq(app_out(&a), OK_MAIL OK_RCPT OK_RCPT GO TOO_BIG);
	app_finish(&a);
}
END_TEST

/* ---- STARTTLS ---- */

static void starttls_check_injection(bool tls_in_callback)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_SMTP);
	struct app a;

	set.starttls = true;
	app_start(&a, &set);
	a.tls_in_callback = tls_in_callback;
	app_feed_str(&a, "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<a@b.example>\r\n");
	ck_assert_str_eq(app_out(&a), GREET_S CAPS_TLS "220 2.0.0 Ready to start TLS\r\n");
	ck_assert_uint_eq(a.n_starttls, 1);
	if (!tls_in_callback) {
		app_feed_str(&a, "NOOP\r\n\x16\x03\x01 handshake bytes\r\n");
		smtp_session_tls_started(a.s);
	}
	app_out_reset(&a);
	app_feed_str(&a, "RCPT TO:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nEHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.example>\r\n");
	ck_assert_str_eq(app_out(&a), "503 5.5.1 Need MAIL command\r\n503 5.5.1 Send EHLO/HELO first\r\n" CAPS
				      "503 5.5.1 TLS already active\r\n" OK_MAIL);
	ck_assert_str_eq(a.events.data, "STARTTLS\n");
	app_finish(&a);
}

START_TEST(test_starttls_discards_pipelined_plaintext_commands)
{
	starttls_check_injection(false);
	starttls_check_injection(true);
}
END_TEST

START_TEST(test_starttls_queued_behind_pending_rcpt_discards_what_follows_it)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_SMTP);
	struct app a;

	set.starttls = true;
	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@b.example>\r\nRSET\r\nSTARTTLS\r\n"
			 "MAIL FROM:<evil@x.example>\r\n");
	app_out_reset(&a);
	app_feed_str(&a, "RCPT TO:<evil@x.example>\r\n");
	smtp_session_rcpt_reply(a.s, 250, "2.1.5", "Ok");
	ck_assert_str_eq(app_out(&a), OK_RCPT OK "220 2.0.0 Ready to start TLS\r\n");
	ck_assert_uint_eq(a.n_starttls, 1);
	smtp_session_tls_started(a.s);
	app_feed_str(&a, "RCPT TO:<a@b.example>\r\n");
	ck_assert_str_eq(app_out(&a), OK_RCPT OK "220 2.0.0 Ready to start TLS\r\n503 5.5.1 Need MAIL command\r\n");
	app_finish(&a);
}
END_TEST

/* ---- limits that end the session ---- */

START_TEST(test_pipeline_deeper_than_limit_gets_421)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	set.pipeline_depth = 4;
	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n");
	app_out_reset(&a);
	ck_assert_uint_eq(a.n_close, 0);
	app_feed_str(&a, "NO");
	ck_assert_uint_eq(a.n_close, 0);
	app_feed_str(&a, "OP\r\n");
	ck_assert_str_eq(app_out(&a), "421 4.7.0 " HOST " Too many pipelined commands\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	ck_assert_str_eq(a.close_reason, "pipeline overflow");
	smtp_session_rcpt_reply(a.s, 250, "2.1.5", "Ok");
	app_feed_str(&a, "NOOP\r\n");
	ck_assert_str_eq(app_out(&a), "421 4.7.0 " HOST " Too many pipelined commands\r\n");
	ck_assert(!smtp_session_is_waiting(a.s));
	app_finish(&a);
}
END_TEST

START_TEST(test_pipelined_bytes_past_limit_get_421)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;
	char junk[4 * 512 + 1];

	set.pipeline_depth = 4;
	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\n");
	app_out_reset(&a);
	memset(junk, 'j', sizeof(junk));
	smtp_session_feed(a.s, junk, sizeof(junk) - 1);
	ck_assert_uint_eq(a.n_close, 0);
	smtp_session_feed(a.s, junk, 1);
	ck_assert_str_eq(app_out(&a), "421 4.7.0 " HOST " Too much pipelined input\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	app_finish(&a);
}
END_TEST

START_TEST(test_too_many_bad_commands_get_421)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	set.max_bad_commands = 3;
	app_start(&a, &set);
	app_feed_str(&a, "FOO\r\nNOOP\r\nMAIL FROM:<>\r\nBAR " X500 X100 "\r\nNOOP\r\n");
	ck_assert_str_eq(app_out(&a), GREET_L "500 5.5.2 Command not recognized\r\n" OK "503 5.5.1 Send LHLO first\r\n"
					      "500 5.5.2 Line too long\r\n421 4.7.0 " HOST
					      " Too many errors, closing connection\r\n");
	ck_assert_str_eq(a.events.data, "CLOSE too many errors\n");
	app_finish(&a);
}
END_TEST

/* Plays in with max_junk_commands = 3, whole and one byte at a time, sync
 * and async, and compares the replies and the close reason. */
static void junk_play(const char *in, const char *want, const char *events)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);

	set.max_junk_commands = 3;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		for (int async = 0; async < 2; async++) {
			struct app a;

			app_start(&a, &set);
			a.async = async;
			if (bytewise) {
				for (size_t i = 0; in[i] != '\0'; i++) {
					smtp_session_feed(a.s, in + i, 1);
					app_answer_all(&a);
				}
			} else {
				app_feed_str(&a, in);
			}
			app_answer_all(&a);
			ck_assert_msg(strcmp(app_out(&a), want) == 0, "bytewise=%d async=%d got:\n%s", bytewise, async,
				      app_out(&a));
			ck_assert_str_eq(a.events.data ? a.events.data : "", events);
			app_finish(&a);
		}
	}
}

START_TEST(test_junk_commands_past_the_budget_get_421)
{
	junk_play("LHLO c\r\nNOOP\r\nRSET\r\nHELP\r\nNOOP\r\nNOOP\r\n",
		  GREET_L CAPS OK OK "214 2.0.0 Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS\r\n"
				     "421 4.7.0 " HOST " Too many commands without mail, closing connection\r\n",
		  "CLOSE too many junk commands\n");
	/* VRFY and a repeated greeting count too; the first greeting does not. */
	junk_play("LHLO c\r\nVRFY x\r\nLHLO c\r\nLHLO c\r\nVRFY x\r\n",
		  GREET_L CAPS "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n" CAPS
			  CAPS "421 4.7.0 " HOST " Too many commands without mail, closing connection\r\n",
		  "CLOSE too many junk commands\n");
}
END_TEST

START_TEST(test_a_message_renews_the_junk_budget)
{
	junk_play("LHLO c\r\nNOOP\r\nNOOP\r\nRSET\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\nx\r\n.\r\n"
		  "RSET\r\nNOOP\r\nNOOP\r\nQUIT\r\n",
		  GREET_L CAPS OK OK OK OK_MAIL OK_RCPT GO QUEUED OK OK OK BYE,
		  "RCPT a@b.example\nDATA from=<> n=1 size=3\nCLOSE quit\n");
	/* A transaction without a message renews nothing. */
	junk_play("LHLO c\r\nMAIL FROM:<>\r\nRSET\r\nMAIL FROM:<>\r\nRSET\r\nMAIL FROM:<>\r\nRSET\r\n"
		  "MAIL FROM:<>\r\nRSET\r\n",
		  GREET_L CAPS OK_MAIL OK OK_MAIL OK OK_MAIL OK OK_MAIL
			  "421 4.7.0 " HOST " Too many commands without mail, closing connection\r\n",
		  "CLOSE too many junk commands\n");
}
END_TEST

/* Lines queued while the app works are counted as they arrive and uncounted
 * as they run: after a waiting RCPT has consumed part of the queue, exactly
 * pipeline_depth lines fit again, one byte at a time. */
START_TEST(test_queued_line_count_follows_what_ran)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;
	const char *noop = "NOOP\r\n";

	set.pipeline_depth = 4;
	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nRCPT TO:<b@b.example>\r\nNOOP\r\n");
	app_answer_all(&a); /* both RCPTs and the NOOP ran: the queue is empty */
	app_feed_str(&a, "RCPT TO:<c@b.example>\r\n");
	app_out_reset(&a);
	for (int i = 0; i < 4; i++)
		for (size_t k = 0; noop[k] != '\0'; k++)
			smtp_session_feed(a.s, noop + k, 1);
	ck_assert_uint_eq(a.n_close, 0);
	app_feed_str(&a, noop);
	ck_assert_str_eq(app_out(&a), "421 4.7.0 " HOST " Too many pipelined commands\r\n");
	app_finish(&a);
}
END_TEST

START_TEST(test_timeout_writes_421_4_4_2_and_closes)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_out_reset(&a);
	smtp_session_timeout(a.s);
	ck_assert_str_eq(app_out(&a), "421 4.4.2 " HOST " Timeout, closing connection\r\n");
	ck_assert_str_eq(a.close_reason, "timeout");
	app_feed_str(&a, "NOOP\r\n");
	smtp_session_timeout(a.s);
	smtp_session_shutdown(a.s);
	ck_assert_str_eq(app_out(&a), "421 4.4.2 " HOST " Timeout, closing connection\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	app_finish(&a);
}
END_TEST

START_TEST(test_timeout_while_app_works_ignores_its_late_answer)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n");
	a.async = true;
	app_feed_str(&a, "x\r\n.\r\n");
	app_out_reset(&a);
	smtp_session_timeout(a.s);
	ck_assert(smtp_session_is_waiting(a.s));
	app_answer_all(&a);
	ck_assert(!smtp_session_is_waiting(a.s));
	ck_assert_str_eq(app_out(&a), "421 4.4.2 " HOST " Timeout, closing connection\r\n");
	app_finish(&a);
}
END_TEST

START_TEST(test_shutdown_when_idle_closes_at_once)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_SMTP);
	struct app a;

	app_start(&a, &set);
	app_out_reset(&a);
	smtp_session_shutdown(a.s);
	ck_assert_str_eq(app_out(&a), "421 4.3.2 " HOST " Service shutting down, closing connection\r\n");
	ck_assert_str_eq(a.close_reason, "shutdown");
	app_finish(&a);
}
END_TEST

START_TEST(test_shutdown_waits_for_the_pending_rcpt_reply)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	a.async = true;
	app_feed_str(&a, "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n");
	app_out_reset(&a);
	smtp_session_shutdown(a.s);
	ck_assert_str_eq(app_out(&a), "");
	ck_assert_uint_eq(a.n_close, 0);
	app_answer_all(&a);
	ck_assert_str_eq(app_out(&a), OK_RCPT "421 4.3.2 " HOST " Service shutting down, closing connection\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	app_finish(&a);
}
END_TEST

START_TEST(test_shutdown_waits_for_every_lmtp_data_reply)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_feed_str(&a, LMTP_TXN "DATA\r\n");
	a.async = true;
	app_feed_str(&a, "x\r\n.\r\nNOOP\r\n");
	app_out_reset(&a);
	smtp_session_shutdown(a.s);
	smtp_session_data_reply(a.s, 0, 250, "2.0.0", "one");
	smtp_session_data_reply(a.s, 1, 250, "2.0.0", "two");
	ck_assert_uint_eq(a.n_close, 0);
	smtp_session_data_reply(a.s, 2, 250, "2.0.0", "three");
	ck_assert_str_eq(app_out(&a), "250 2.0.0 one\r\n250 2.0.0 two\r\n250 2.0.0 three\r\n"
				      "421 4.3.2 " HOST " Service shutting down, closing connection\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	app_data_forget(&a);
	app_finish(&a);
}
END_TEST

START_TEST(test_shutdown_during_data_lets_the_message_finish)
{
	struct smtp_server_settings set = settings_for(SMTP_PROTOCOL_LMTP);
	struct app a;

	app_start(&a, &set);
	app_feed_str(&a, LMTP_TXN "DATA\r\n");
	a.async = true;
	app_feed_str(&a, "Subject: half\r\n");
	app_out_reset(&a);
	smtp_session_shutdown(a.s);
	ck_assert_str_eq(app_out(&a), "");
	ck_assert_uint_eq(a.n_close, 0);
	app_feed_str(&a, "\r\nrest of it\r\n.\r\n");
	smtp_session_data_reply(a.s, 0, 250, "2.0.0", "one");
	smtp_session_data_reply(a.s, 1, 250, "2.0.0", "two");
	smtp_session_data_reply(a.s, 2, 250, "2.0.0", "three");
	ck_assert_str_eq(app_out(&a), "250 2.0.0 one\r\n250 2.0.0 two\r\n250 2.0.0 three\r\n"
				      "421 4.3.2 " HOST " Service shutting down, closing connection\r\n");
	ck_assert_uint_eq(a.n_close, 1);
	app_data_forget(&a);
	app_finish(&a);
}
END_TEST

static Suite *smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc;

	tc = tcase_create("transcripts");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_transcript_fed_whole_gives_exact_replies, 0, N_TRANSCRIPTS);
	tcase_add_loop_test(tc, test_transcript_split_at_every_point_gives_same_replies, 0, N_TRANSCRIPTS);
	tcase_add_loop_test(tc, test_transcript_fed_one_byte_at_a_time_gives_same_replies, 0, N_TRANSCRIPTS);
	suite_add_tcase(s, tc);

	tc = tcase_create("application");
	tcase_add_test(tc, test_lmtp_data_replies_follow_rcpt_order_when_app_answers_out_of_order);
	tcase_add_test(tc, test_pipelined_rcpts_wait_for_each_async_rcpt_reply);
	tcase_add_test(tc, test_rcpt_contexts_come_back_with_the_transaction_and_are_freed);
	tcase_add_test(tc, test_rcpt_reply_returns_the_code_sent);
	tcase_add_test(tc, test_transaction_fields_and_taken_message_reach_the_app);
	tcase_add_test(tc, test_reply_text_from_app_stays_on_one_line);
	tcase_add_test(tc, test_trace_names_each_command_and_reply_code);
	tcase_add_test(tc, test_helo_name_is_kept_for_the_received_line);
	tcase_add_test(tc, test_received_field_form_and_client_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ten_mb_line_over_one_mb_limit_gets_552_per_rcpt_without_callback);
	tcase_add_test(tc, test_message_at_limit_is_accepted_one_octet_more_is_not);
	tcase_add_test(tc, test_pipeline_deeper_than_limit_gets_421);
	tcase_add_test(tc, test_pipelined_bytes_past_limit_get_421);
	tcase_add_test(tc, test_too_many_bad_commands_get_421);
	tcase_add_test(tc, test_junk_commands_past_the_budget_get_421);
	tcase_add_test(tc, test_a_message_renews_the_junk_budget);
	tcase_add_test(tc, test_queued_line_count_follows_what_ran);
	tcase_add_test(tc, test_timeout_writes_421_4_4_2_and_closes);
	tcase_add_test(tc, test_timeout_while_app_works_ignores_its_late_answer);
	tcase_add_test(tc, test_shutdown_when_idle_closes_at_once);
	tcase_add_test(tc, test_shutdown_waits_for_the_pending_rcpt_reply);
	tcase_add_test(tc, test_shutdown_waits_for_every_lmtp_data_reply);
	tcase_add_test(tc, test_shutdown_during_data_lets_the_message_finish);
	suite_add_tcase(s, tc);

	tc = tcase_create("starttls");
	tcase_add_test(tc, test_starttls_discards_pipelined_plaintext_commands);
	tcase_add_test(tc, test_starttls_queued_behind_pending_rcpt_discards_what_follows_it);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
