#ifndef MD_DAEMON_RELAY_H
#define MD_DAEMON_RELAY_H
/* One delivery attempt of a queued message to the relay (relay_host), with
 * libetpan's SMTP client. Blocking: runs in a worker thread. No state is
 * kept between calls, so calls on several threads are independent. */
#include <stddef.h>

#include "base/conf.h"

/* Where to send. The strings are borrowed for the call. */
struct relay_target {
	const char *host; /* a name or an address (IPv6 without brackets) */
	unsigned port;
	const char *helo; /* our name in EHLO/HELO */
	unsigned timeout_s; /* connecting, and each wait for a reply (relay_timeout) */
	enum md_relay_tls tls; /* relay_tls */
	const char *ca_file;   /* relay_tls_ca_file; "" = the system's CA store */
};

/* What to send. The strings are borrowed for the call. */
struct relay_mail {
	const char *from; /* "" for the null sender */
	const char *const *rcpts;
	size_t n_rcpts;
	const char *data; /* the message with CRLF line ends, not dot-stuffed */
	size_t len;
};

/* The waits of one session besides one RCPT per recipient (see
 * OUTBOUND_SESSION_WAITS in db/db-outbound.h, which this must not exceed):
 * the whole session of relay_send() ends, its socket shut down, after
 * timeout_s * (RELAY_SESSION_WAITS + n_rcpts) seconds at the latest, so a
 * relay that reads the data a byte at a time cannot outlast a claim. */
#define RELAY_SESSION_WAITS 12

/* Sets libetpan's process-wide read timeout (mailstream_network_delay) to
 * timeout_s. Call once before the first relay_send(), on one thread. */
void relay_init(unsigned timeout_s);

/* Delivers m and returns the code to record with db_outbound_record():
 *  2xx  the relay answered 2xx to the end of data (and only then);
 *  5xx  it refused the message for good: MAIL FROM, DATA or the end of data
 *       got 5xx, or every recipient got 5xx;
 *  4xx  it refused for now (the same stages), or every recipient was
 *       refused and at least one only for now;
 *  0    no verdict on the message: no connection, a greeting or EHLO that
 *       refuses the session (even 5xx: that says nothing about this
 *       message), a failed TLS handshake, or the connection lost at any
 *       point, including after the data was sent.
 * Recipients the relay refused while others were accepted are not retried;
 * *reply_r names them. TLS follows t->tls: MAY uses STARTTLS when the
 * relay offers it, without certificate checks (opportunistic, like
 * Postfix's "may"), and a refused STARTTLS continues in plain text; REQUIRE
 * and VERIFY treat a relay that offers no STARTTLS, refuses it or fails
 * the handshake as no verdict (0: the row is deferred), never plain text;
 * VERIFY also checks the relay's certificate chain against t->ca_file (or
 * the system's CA store) and t->host (a DNS name or an IP address in the
 * certificate) before any mail is sent, and gives 0 when it does not
 * verify. *reply_r gets a malloc'd single line:
 * the stage and the relay's reply, e.g. "RCPT TO:<a@b>: 550 5.1.1 unknown". */
unsigned relay_send(const struct relay_target *t, const struct relay_mail *m, char **reply_r);

#endif
