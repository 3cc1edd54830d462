#ifndef MD_SMTP_SERVER_PRIVATE_H
#define MD_SMTP_SERVER_PRIVATE_H
/* Inside the protocol core: the session struct and the functions the
 * session, command and reply files share. Nothing outside lib/smtp includes
 * this. */
#include "smtp-server.h"

#include "base/buf.h"
#include "base/strv.h"
#include "smtp-data.h"
#include "smtp-status.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define SMTP_COMMAND_LINE_MAX 512
/* Used when a setting is 0. */
#define SMTP_DEFAULT_MAX_RECIPIENTS 1000
#define SMTP_DEFAULT_MAX_BAD_COMMANDS 10
#define SMTP_DEFAULT_PIPELINE_DEPTH 100
#define SMTP_DEFAULT_MAX_JUNK_COMMANDS 100

enum smtp_phase {
	SMTP_PHASE_COMMAND,    /* reading command lines */
	SMTP_PHASE_DATA,       /* reading the message after 354 */
	SMTP_PHASE_TLS,        /* STARTTLS accepted: input is ignored until
				* smtp_session_tls_started() */
	SMTP_PHASE_CLOSED,     /* close() was called: nothing happens any more */
};

/* What the session waits for from the application. */
enum smtp_wait {
	SMTP_WAIT_NONE,
	SMTP_WAIT_RCPT,        /* smtp_session_rcpt_reply() */
	SMTP_WAIT_DATA,        /* smtp_session_data_reply() for every rcpt */
};

/* One recipient's answer to DATA, formatted and waiting for its turn. */
struct smtp_data_reply {
	char *line;            /* "250 2.0.0 Ok\r\n"; NULL until answered */
	unsigned code;
};

/* The MAIL transaction: from MAIL to the end of the data replies. */
struct smtp_trans {
	bool active;           /* MAIL accepted */
	char *mail_from;
	uint64_t declared_size;
	bool body_8bitmime, smtputf8;
	char **rcpts;          /* accepted, in order, duplicates included */
	void **contexts;       /* the application's, one per rcpt (or NULL) */
	size_t n_rcpts, cap_rcpts;
	struct smtp_data_reply *replies;  /* n_rcpts, during SMTP_WAIT_DATA */
	size_t n_replied;      /* answers received */
	size_t next_reply;     /* LMTP: the next index to write */
};

struct smtp_session {
	struct smtp_server_settings set;
	struct smtp_server_callbacks cb;
	void *ctx;

	enum smtp_phase phase;
	enum smtp_wait wait;
	bool greeted;          /* HELO/EHLO/LHLO seen (since TLS started) */
	bool tls_active;
	bool running;          /* inside the input loop: replies given from a
				* callback must not start it again */
	bool in_data_cb;       /* inside the data callback */
	bool line_too_long;    /* discarding the rest of an overlong line */
	bool shutdown_requested;
	unsigned bad_commands;
	unsigned junk_commands; /* since the session began or the last message */
	const char *cmd_name;  /* the command being answered, for trace() */

	struct buf line;       /* the command line being assembled, <= 512 */
	struct buf pending;    /* input that arrived while waiting */
	size_t pending_lines;  /* LFs in pending, kept up to date so that
				* input in small pieces is never rescanned */
	struct buf out;        /* reply formatting scratch */
	struct buf msg;        /* the message during DATA, capped */
	struct smtp_data data;
	struct smtp_trans t;
	char *rcpt_address;    /* the RCPT the application is looking at */
	char *helo;            /* the name the last HELO/EHLO/LHLO gave, or NULL */
};

/* smtp-server.c */
/* Ends the session: phase CLOSED, pending input dropped, close() called. */
void smtp_session_close(struct smtp_session *s, const char *reason);
/* The application answered: write a pending shutdown 421 or carry on with
 * the input that piled up meanwhile (unless the input loop is already
 * running further up the stack). */
void smtp_session_resume(struct smtp_session *s);
/* Replies 421 with the hostname (RFC 5321 3.8) and closes. */
void smtp_session_close_421(struct smtp_session *s, const char *cmd, unsigned code, const char *enh,
			    const char *text, const char *reason);

/* smtp-server-cmd.c */
/* Runs one complete command line (without its line end). */
void smtp_cmd_dispatch(struct smtp_session *s, struct strv line);
/* Counts a protocol error; too many close the session with 421. */
void smtp_cmd_count_error(struct smtp_session *s);
/* Replies with a protocol error and counts it. */
void smtp_cmd_error(struct smtp_session *s, unsigned code, const char *enh, const char *text);
/* Counts a command that moves no mail forward; past the budget it answers
 * 421 and closes. Returns false when the session was closed. */
bool smtp_cmd_count_junk(struct smtp_session *s);
/* A command with arguments where none are allowed gets this. */
bool smtp_cmd_no_args(struct smtp_session *s, struct strv args, const char *syntax);

/* smtp-server-trans.c */
void smtp_cmd_mail(struct smtp_session *s, struct strv args);
void smtp_cmd_rcpt(struct smtp_session *s, struct strv args);
void smtp_cmd_data(struct smtp_session *s, struct strv args);
/* The message ended (CRLF.CRLF): hand it over or refuse it as too big. */
void smtp_trans_data_end(struct smtp_session *s);
/* Forgets the MAIL transaction (RSET, EHLO, after the data replies). */
void smtp_trans_reset(struct smtp_session *s);

/* smtp-reply.c */
/* Writes one reply line "code enh text\r\n"; enh may be NULL. CR, LF and
 * other control bytes in text become spaces. */
void smtp_reply(struct smtp_session *s, unsigned code, const char *enh, const char *text);
/* printf form of smtp_reply(). */
void smtp_replyf(struct smtp_session *s, unsigned code, const char *enh, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes a reply from the status table. */
void smtp_reply_status(struct smtp_session *s, enum smtp_status st);
/* Writes a multi-line reply: "code-line" for all but the last. */
void smtp_reply_lines(struct smtp_session *s, unsigned code, const char *const *lines, size_t n);
/* Formats one reply line into a new string (for replies written later). */
char *smtp_reply_format(unsigned code, const char *enh, const char *text);
/* Writes an already formatted reply and traces it. */
void smtp_reply_raw(struct smtp_session *s, const char *line, unsigned code);

#endif
