#ifndef MD_SMTP_RECEIVED_H
#define MD_SMTP_RECEIVED_H
/* The Received trace field (RFC 5321 4.4) maildeskd writes on top of every
 * message it stores: it marks where our own trust boundary is, so that the
 * Authentication-Results fields below it can be judged by position. Pure
 * formatting, no I/O. */
#include <stdbool.h>
#include <time.h>

struct smtp_received {
	const char *helo;       /* the client's HELO/EHLO/LHLO name, as given ("" none) */
	const char *peer;       /* the client's IP address (no brackets); ignored when is_unix */
	bool is_unix;           /* a unix socket: "(local)" instead of an address */
	const char *hostname;   /* ours, after "by" */
	bool lmtp;              /* with LMTP (else ESMTP) */
	bool tls;               /* ...S (RFC 3848) */
	const char *with;       /* NULL, or the protocol instead of LMTP/ESMTP
				 * (a message fetched over IMAP: "IMAP") */
	const char *session_id; /* after "id" */
};

/* Returns the whole field, folded, CRLF-ended (malloc'd, free() it):
 *   Received: from HELO ([PEER])\r\n\tby HOSTNAME (maildesk) with LMTP id ID\r\n
 *   \tfor <RCPT>; Sat, 05 Dec 2026 08:47:35 +0000\r\n
 * The client's text (helo, rcpt) is reduced to printable ASCII without
 * "()<>;\\\"", every other byte written as '?', and cut at 255 bytes; a
 * missing HELO is "unknown". IPv6 peers are written [IPv6:...]. now is
 * written in UTC. rcpt NULL leaves out "for <...>". */
char *smtp_received_format(const struct smtp_received *r, const char *rcpt, time_t now);

#endif
