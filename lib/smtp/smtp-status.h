#ifndef MD_SMTP_STATUS_H
#define MD_SMTP_STATUS_H
/* The one table that turns an internal outcome into an SMTP reply, in the
 * spirit of Postfix's cleanup_strerror(): the daemon and the protocol core
 * both answer through it, so a status always reads the same on the wire. */

enum smtp_status {
	SMTP_STATUS_OK,              /* stored */
	SMTP_STATUS_DUPLICATE,       /* already stored for this team (same raw bytes, e.g. a redelivery) */
	SMTP_STATUS_NO_SUCH_USER,    /* no mailbox for this recipient */
	SMTP_STATUS_TEMPFAIL,        /* a transient failure, the client retries */
	SMTP_STATUS_DB_TIMEOUT,      /* the database did not answer in time */
	SMTP_STATUS_TOO_MANY_RCPTS,  /* max_recipients reached */
	SMTP_STATUS_TOO_BIG,         /* message_size_limit exceeded */
	SMTP_STATUS_SHUTDOWN,        /* the server is stopping */
	SMTP_STATUS_INTERNAL,        /* a bug or an unexpected error */
};

struct smtp_status_reply {
	unsigned code;     /* 250, 451, ... */
	const char *enh;   /* enhanced status code, "2.0.0" */
	const char *text;  /* one line, no CRLF */
};

/* The reply for st; never NULL (an unknown value maps to INTERNAL). The
 * result is static. */
const struct smtp_status_reply *smtp_status_reply(enum smtp_status st);

#endif
