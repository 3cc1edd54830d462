/* Small helpers shared by the lib/dkim files: algorithm names, base64 and
 * OpenSSL error text. */
#include "config.h"
#include "dkim/dkim-private.h"
#include "base/xalloc.h"

#include <openssl/err.h>

/* The a= tag value; one table so the name never drifts between files. */
const char *dkim_alg_name(enum dkim_alg alg)
{
	return alg == DKIM_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
}

/* The k= tag value of the key record. */
const char *dkim_key_type_name(enum dkim_alg alg)
{
	return alg == DKIM_ED25519_SHA256 ? "ed25519" : "rsa";
}

/* b=, bh= and p= are all plain base64 without line breaks. */
char *dkim_b64(const unsigned char *data, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)n);
	return out;
}

/* OpenSSL reports through a thread-local queue; turn its newest entry into
 * our one-line error and leave the queue empty for the next caller. */
char *dkim_ssl_error(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];

	if (e == 0) {
		ERR_clear_error();
		return xasprintf("%s failed", what);
	}
	ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return xasprintf("%s: %s", what, reason);
}
