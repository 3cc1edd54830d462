#ifndef MD_DAEMON_TLS_PEER_H
#define MD_DAEMON_TLS_PEER_H
/* The check of a server's certificate on a libetpan stream (the relay's
 * SMTP, IMAP channels): libetpan's TLS, GnuTLS in Debian, checks nothing
 * itself, so after the handshake OpenSSL verifies the chain the server
 * sent. */
#include <stdbool.h>

#include <libetpan/libetpan.h>

/* True when the chain on stream leads to a CA of ca_file ("" or NULL: the
 * system's store) and names host (a name, or an IPv4/IPv6 literal, which
 * is matched as an address). Else false with *why_r a static description
 * ("no certificate", or OpenSSL's reason). */
bool tls_peer_verify(mailstream *stream, const char *host, const char *ca_file, const char **why_r);

#endif
