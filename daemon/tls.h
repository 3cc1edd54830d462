#ifndef MD_DAEMON_TLS_H
#define MD_DAEMON_TLS_H
/* Server-side TLS over memory BIOs, so the event loop keeps owning the
 * socket: ciphertext read from the socket goes in with tls_conn_feed(),
 * plaintext for the application comes out of it, and whatever OpenSSL wants
 * to send is collected with tls_conn_take_output(). */
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct tls_server;
struct tls_conn;

/* Loads a certificate chain and key (PEM). Returns NULL with *error_r
 * malloc'd on failure. */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file, char **error_r);
void tls_server_free(struct tls_server **t);

struct tls_conn *tls_conn_new(struct tls_server *t);
void tls_conn_free(struct tls_conn **c);

/* Feeds ciphertext; appends any decrypted application data to plain_out.
 * Returns 0, or -1 when the TLS session failed (the connection must be
 * closed; *error_r is a static description). */
int tls_conn_feed(struct tls_conn *c, const char *data, size_t len, struct buf *plain_out,
		  const char **error_r);
/* Encrypts application data. Returns 0 or -1 as above. */
int tls_conn_write(struct tls_conn *c, const char *data, size_t len, const char **error_r);
/* Moves pending ciphertext for the peer into out. */
void tls_conn_take_output(struct tls_conn *c, struct buf *out);
/* True once the handshake has completed. */
bool tls_conn_established(const struct tls_conn *c);
/* Negotiated protocol and cipher for the log ("TLSv1.3 TLS_AES_256_GCM_SHA384"). */
const char *tls_conn_version(const struct tls_conn *c);
const char *tls_conn_cipher(const struct tls_conn *c);

#endif
