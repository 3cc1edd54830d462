#ifndef MD_SMTP_SERVER_H
#define MD_SMTP_SERVER_H
/* The SMTP (RFC 5321) and LMTP (RFC 2033) server protocol core. It does no
 * I/O: the caller feeds the bytes it read, and the core answers through
 * callbacks (write, rcpt, data, starttls, close). Commands are handled strictly
 * in order; while one waits for the application (an RCPT lookup or the
 * storing of a message) further pipelined input is kept and processed once
 * the application replies.
 *
 * Lifetime: a callback is never called after smtp_session_free() (which
 * itself calls rcpt_context_free() for the contexts it still holds). The
 * core may call callbacks from inside smtp_session_new() (the greeting),
 * smtp_session_feed(), the *_reply() and *_accept() functions,
 * smtp_session_tls_started(), smtp_session_timeout() and
 * smtp_session_shutdown(), never at any other time. The application must not call smtp_session_free() or
 * smtp_session_feed() from inside a callback; the *_reply() functions,
 * smtp_session_tls_started(), _timeout() and _shutdown() may be called from
 * inside one. close() only asks the application to close (after flushing
 * what write() delivered); after it the core ignores input and writes
 * nothing more.
 *
 * Input: command lines end at CRLF; a bare LF is tolerated as the end of a
 * command line (a CR before it is dropped). A command line longer than 512
 * octets (CRLF included) gets "500 5.5.2 Line too long" and the rest of it is
 * skipped without being stored. The message after DATA ends only at the
 * strict CRLF "." CRLF: bare LF or bare CR never end it (SMTP smuggling);
 * they are passed on unchanged. Memory per session is bounded by the line
 * limit, pipeline_depth * 512 octets of queued input and max_message_size. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smtp_protocol { SMTP_PROTOCOL_SMTP, SMTP_PROTOCOL_LMTP };

struct smtp_server_settings {
	enum smtp_protocol protocol;
	const char *hostname;          /* in the greeting and EHLO/LHLO reply */
	uint64_t max_message_size;     /* SIZE and DATA limit, 0 = unlimited */
	unsigned max_recipients;       /* RCPTs past this get 452 4.5.3;
					* 0 = 1000 */
	unsigned max_bad_commands;     /* after this many protocol errors
					* (unknown command, syntax, sequence):
					* 421 4.7.0 and close; 0 = 10 */
	unsigned max_junk_commands;    /* NOOP, RSET, HELP, VRFY and repeated
					* greetings allowed between two
					* messages (like Postfix's
					* smtpd_junk_command_limit); the next
					* gets 421 4.7.0 and the session
					* closes; 0 = 100 */
	unsigned pipeline_depth;       /* max complete command lines (and
					* pipeline_depth * 512 octets) kept
					* while the application works; past
					* it: 421 4.7.0 and close; 0 = 100. A
					* client that pipelines all its RCPTs
					* needs this above max_recipients. */
	bool starttls;                 /* advertise and accept STARTTLS */
};

/* What the client declared for the current transaction. Valid only during
 * the callback it is passed to. */
struct smtp_transaction {
	const char *mail_from;         /* "" for the null sender <> */
	uint64_t declared_size;        /* SIZE=, 0 when absent */
	bool body_8bitmime;            /* BODY=8BITMIME */
	bool smtputf8;                 /* SMTPUTF8 */
	const char *const *rcpts;      /* accepted recipients, in RCPT order,
					* duplicates included */
	void *const *rcpt_contexts;    /* what the application gave with each
					* one's 2xx (smtp_session_rcpt_accept),
					* same order; NULL entries for plain
					* smtp_session_rcpt_reply() */
	size_t n_rcpts;
};

struct smtp_server_callbacks {
	/* Bytes for the client, complete reply lines. Always set. */
	void (*write)(void *ctx, const char *data, size_t len);
	/* A RCPT TO with a syntactically valid address (local@domain: the
	 * local part as given, quotes included; the domain in ASCII lower
	 * case; a source route dropped). Not called past max_recipients. The
	 * app answers with smtp_session_rcpt_reply(), now or later. address is
	 * valid until that answer. */
	void (*rcpt)(void *ctx, const char *address);
	/* Optional: MAIL FROM was accepted, a new transaction starts, so
	 * whatever the app remembered of an earlier (finished or abandoned)
	 * transaction's recipients is no longer needed. Called before the
	 * 250; no RCPT or DATA of this session is pending then. */
	void (*mail)(void *ctx, const char *mail_from);
	/* The complete message after "CRLF.CRLF": dot-unstuffed, with CRLF line
	 * ends as received. msg is valid during the callback only; take a copy
	 * or steal it with smtp_session_take_message(). The app answers
	 * n_rcpts times with smtp_session_data_reply() (index 0..n_rcpts-1,
	 * any order, now or later). LMTP: one reply per recipient, written in
	 * RCPT order. SMTP: one reply written once all are in: 250 when every
	 * index got 2xx, else the first 4xx, else the first 5xx. */
	void (*data)(void *ctx, const struct smtp_transaction *t, const char *msg, size_t len);
	/* STARTTLS was accepted: "220 2.0.0 Ready to start TLS" has been
	 * written and any input that followed the command was discarded. The
	 * app starts TLS, then calls smtp_session_tls_started(). May be NULL
	 * when settings.starttls is false. */
	void (*starttls)(void *ctx);
	/* The session is over (QUIT, too many errors, timeout, pipeline
	 * overflow, a protocol violation). All output has been given to
	 * write(); the app closes the connection after flushing it. reason is a
	 * short static text for the log. */
	void (*close)(void *ctx, const char *reason);
	/* Optional: one call per reply for the log ("cmd=RCPT reply=550").
	 * command is a static verb ("MAIL", "RCPT", ...) or one of CONNECT
	 * (greeting), EOM (reply to the message), UNKNOWN, LINE (line too
	 * long), PIPELINE, TIMEOUT, SHUTDOWN. */
	void (*trace)(void *ctx, const char *command, unsigned reply_code);
	/* Optional: frees a recipient context (smtp_session_rcpt_accept) when
	 * the core drops it: the transaction ended (data replies all given,
	 * RSET, a new greeting, TLS) or the session is freed, or the context
	 * came with an answer the core did not accept. NULL: contexts are not
	 * freed by the core. */
	void (*rcpt_context_free)(void *ctx, void *rcpt_ctx);
};

struct smtp_session;

/* A new session; writes the 220 greeting at once. settings and cb are copied;
 * settings->hostname must outlive the session. */
struct smtp_session *smtp_session_new(const struct smtp_server_settings *settings,
				      const struct smtp_server_callbacks *cb, void *ctx);
/* Frees the session; *s is set to NULL; NULL is ignored. */
void smtp_session_free(struct smtp_session **s);

/* Feeds bytes read from the client (any split, even one byte at a time). */
void smtp_session_feed(struct smtp_session *s, const char *data, size_t len);

/* Answers the pending RCPT: a 2xx code accepts (the address joins the
 * transaction), 4xx/5xx refuse. enh is the enhanced status code ("2.1.5",
 * may be NULL), text a single line without CRLF (control characters in it
 * become spaces). A code outside 200-599 is sent as 451 4.3.0. Ignored
 * when no RCPT is pending. Returns the code written to the client (what
 * the application logs), 0 when nothing was written (no RCPT pending, or
 * the session is closed). */
unsigned smtp_session_rcpt_reply(struct smtp_session *s, unsigned code, const char *enh, const char *text);
/* The same, for a 2xx that carries the recipient's context (the result of
 * the application's lookup: where the mail goes): the core keeps it with
 * the accepted recipient and hands it back in the data callback's
 * transaction (rcpt_contexts), so the application never searches for it.
 * Ownership of rcpt_ctx passes to the core in every case; it is given to
 * rcpt_context_free() when dropped. A transaction that already holds
 * max_recipients recipients refuses with 452 4.5.3 instead. Returns the
 * code written, as smtp_session_rcpt_reply(). */
unsigned smtp_session_rcpt_accept(struct smtp_session *s, void *rcpt_ctx, const char *enh, const char *text);
/* Answers one recipient of the pending DATA (see the data callback).
 * Ignored for an index out of range or already answered. */
void smtp_session_data_reply(struct smtp_session *s, size_t rcpt_index, unsigned code, const char *enh,
			     const char *text);

/* Inside the data callback only: takes ownership of the message buffer
 * (free() it; NUL-terminated, length as in the callback). */
char *smtp_session_take_message(struct smtp_session *s);

/* TLS is up: the session is reset to the state after the greeting (the
 * client must send EHLO again) and STARTTLS is no longer offered. */
void smtp_session_tls_started(struct smtp_session *s);
/* The connection sat idle or a client was too slow: writes
 * "421 4.4.2 <hostname> Timeout, closing connection" and calls close(). */
void smtp_session_timeout(struct smtp_session *s);
/* The server is shutting down: writes 421 4.3.2 and calls close() as soon as
 * no command is pending (at once when idle). */
void smtp_session_shutdown(struct smtp_session *s);

/* True while an RCPT or DATA waits for the application - also after close,
 * until the application has answered (its answers are then dropped). */
bool smtp_session_is_waiting(const struct smtp_session *s);
/* The client's name from its last HELO/EHLO/LHLO, as given (its text, not
 * checked: sanitise before writing it anywhere); "" before any. Valid
 * until the next command or smtp_session_free(). */
const char *smtp_session_helo(const struct smtp_session *s);
/* True while message data is being received (for the data timeout). */
bool smtp_session_in_data(const struct smtp_session *s);

#endif
