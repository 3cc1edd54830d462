/* A server's certificate on a libetpan stream, checked with OpenSSL
 * (contract in tls-peer.h). */
#include "config.h"
#include "tls-peer.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

/* The certificates the server sent, leaf first, as OpenSSL objects; NULL
 * leaf when there were none or the first does not parse. */
static X509 *chain_read(mailstream *stream, STACK_OF(X509) *rest)
{
	carray *chain = mailstream_get_certificate_chain(stream);
	X509 *leaf = NULL;

	for (unsigned i = 0; chain != NULL && i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		const unsigned char *p = (const unsigned char *)der->str;
		X509 *x = d2i_X509(NULL, &p, (long)der->len);

		if (x == NULL)
			continue;
		if (i == 0)
			leaf = x;
		else if (leaf != NULL)
			sk_X509_push(rest, x);
		else
			X509_free(x);
	}
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return leaf;
}

/* Contract in tls-peer.h. */
bool tls_peer_verify(mailstream *stream, const char *host, const char *ca_file, const char **why_r)
{
	STACK_OF(X509) *rest = sk_X509_new_null();
	X509 *leaf = chain_read(stream, rest);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	struct in6_addr ip;
	int ok = 0, err = X509_V_ERR_UNSPECIFIED;

	if (store == NULL || ctx == NULL || rest == NULL)
		abort();
	if (leaf != NULL &&
	    (ca_file != NULL && ca_file[0] != '\0' ? X509_STORE_load_file(store, ca_file)
						    : X509_STORE_set_default_paths(store)) == 1 &&
	    X509_STORE_CTX_init(ctx, store, leaf, rest) == 1) {
		X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);

		X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
		if (inet_pton(AF_INET, host, &ip) == 1 || inet_pton(AF_INET6, host, &ip) == 1)
			X509_VERIFY_PARAM_set1_ip_asc(param, host);
		else
			X509_VERIFY_PARAM_set1_host(param, host, 0);
		ok = X509_verify_cert(ctx) == 1;
		err = X509_STORE_CTX_get_error(ctx);
	}
	if (!ok)
		*why_r = leaf == NULL ? "no certificate" : X509_verify_cert_error_string(err);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	return ok;
}
