#include "config.h"
#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/xalloc.h"

struct tls_server {
	SSL_CTX *ctx;
};

struct tls_conn {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
};

/* Turns OpenSSL's error queue into one line for the operator. */
static char *tls_error_string(const char *what, const char *file)
{
	char err[256] = "unknown error";
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, err, sizeof(err));
	ERR_clear_error();
	return xasprintf("%s %s: %s", what, file, err);
}

struct tls_server *tls_server_new(const char *cert_file, const char *key_file, char **error_r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct tls_server *t;

	if (ctx == NULL) {
		*error_r = tls_error_string("cannot create TLS context for", cert_file);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		*error_r = tls_error_string("cannot load certificate", cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		*error_r = tls_error_string("cannot load private key", key_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->ctx = ctx;
	return t;
}

void tls_server_free(struct tls_server **t)
{
	if (*t == NULL)
		return;
	SSL_CTX_free((*t)->ctx);
	free(*t);
	*t = NULL;
}

struct tls_conn *tls_conn_new(struct tls_server *t)
{
	struct tls_conn *c = xcalloc(1, sizeof(*c));

	c->ssl = SSL_new(t->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL)
		abort(); /* only fails on out-of-memory */
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_accept_state(c->ssl);
	return c;
}

void tls_conn_free(struct tls_conn **c)
{
	if (*c == NULL)
		return;
	SSL_free((*c)->ssl);
	free(*c);
	*c = NULL;
}

/* Classifies an SSL_* result: 0 means "go on", -1 means the session is dead. */
static int tls_check(struct tls_conn *c, int r, const char **error_r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		*error_r = "TLS session closed by peer";
		return -1;
	default:
		ERR_clear_error();
		*error_r = "TLS protocol error";
		return -1;
	}
}

int tls_conn_feed(struct tls_conn *c, const char *data, size_t len, struct buf *plain_out,
		  const char **error_r)
{
	char tmp[16384];
	int r;

	if (len > 0 && BIO_write(c->rbio, data, (int)len) != (int)len)
		abort();
	if (!SSL_is_init_finished(c->ssl)) {
		r = SSL_do_handshake(c->ssl);
		if (r != 1)
			return tls_check(c, r, error_r);
	}
	while ((r = SSL_read(c->ssl, tmp, sizeof(tmp))) > 0)
		buf_append(plain_out, tmp, (size_t)r);
	return tls_check(c, r, error_r);
}

int tls_conn_write(struct tls_conn *c, const char *data, size_t len, const char **error_r)
{
	while (len > 0) {
		int r = SSL_write(c->ssl, data, (int)len);
		if (r <= 0)
			return tls_check(c, r, error_r) < 0 ? -1 : (*error_r = "TLS write blocked", -1);
		data += r;
		len -= (size_t)r;
	}
	return 0;
}

void tls_conn_take_output(struct tls_conn *c, struct buf *out)
{
	char tmp[16384];
	int r;

	while ((r = BIO_read(c->wbio, tmp, sizeof(tmp))) > 0)
		buf_append(out, tmp, (size_t)r);
}

bool tls_conn_established(const struct tls_conn *c) { return SSL_is_init_finished(c->ssl); }
const char *tls_conn_version(const struct tls_conn *c) { return SSL_get_version(c->ssl); }
const char *tls_conn_cipher(const struct tls_conn *c) { return SSL_get_cipher_name(c->ssl); }
