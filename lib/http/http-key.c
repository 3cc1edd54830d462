/* API keys: their syntax, generation and the hash that is stored; the
 * Idempotency-Key header and the hash a retried body must match. */
#include "config.h"
#include "http/http.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Lower-case hex of n bytes into out (2n + 1). */
static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Contract in http.h. */
int http_key_generate(char key[HTTP_KEY_LEN + 1], char id[HTTP_KEY_ID_LEN + 1])
{
	static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char idb[HTTP_KEY_ID_LEN / 2], secret[32];
	char *k = key;

	if (RAND_bytes(idb, sizeof(idb)) != 1 || RAND_bytes(secret, sizeof(secret)) != 1)
		return -1;
	hex(idb, sizeof(idb), id);
	k += sprintf(k, "mdk_%s_", id);
	/* 43 characters of 6 bits each: 258 bits, the last 2 zero. */
	for (size_t bit = 0; bit < 43 * 6; bit += 6) {
		unsigned v = 0;
		for (size_t b = bit; b < bit + 6; b++)
			v = v << 1 | (b < 256 ? (secret[b / 8] >> (7 - b % 8)) & 1U : 0U);
		*k++ = b64url[v];
	}
	*k = '\0';
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

/* Contract in http.h. */
int http_key_parse(const char *header, char id[HTTP_KEY_ID_LEN + 1], const char **key_r)
{
	const char *k = header;

	if (header == NULL)
		return -1;
	if (strncasecmp(k, "Bearer ", 7) == 0)
		for (k += 7; *k == ' '; k++)
			;
	if (strlen(k) != HTTP_KEY_LEN || strncmp(k, "mdk_", 4) != 0 || k[4 + HTTP_KEY_ID_LEN] != '_')
		return -1;
	for (size_t i = 0; i < HTTP_KEY_ID_LEN; i++)
		if (strchr("0123456789abcdef", k[4 + i]) == NULL || k[4 + i] == '\0')
			return -1;
	for (const char *p = k + 5 + HTTP_KEY_ID_LEN; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return -1;
	memcpy(id, k + 4, HTTP_KEY_ID_LEN);
	id[HTTP_KEY_ID_LEN] = '\0';
	*key_r = k;
	return 0;
}

/* SHA-256 of the concatenated parts, in hex. */
static void sha256_hex(const void *a, size_t alen, const void *b, size_t blen, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, a, alen);
	if (blen > 0)
		EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	hex(md, sizeof(md), out);
}

/* Contract in http.h. */
void http_key_hash(const char *key, char out[65])
{
	sha256_hex(key, strlen(key), NULL, 0, out);
}

/* Contract in http.h. */
bool http_key_hash_equal(const char *a, const char *b)
{
	return strlen(a) == 64 && strlen(b) == 64 && CRYPTO_memcmp(a, b, 64) == 0;
}

/* Contract in http.h. */
unsigned http_scope_parse(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "intake") == 0)
		return HTTP_SCOPE_INTAKE;
	if (strcmp(s, "read") == 0)
		return HTTP_SCOPE_READ;
	if (strcmp(s, "admin") == 0)
		return HTTP_SCOPE_ADMIN;
	return 0;
}

/* Contract in http.h. */
const char *http_scope_name(unsigned scope)
{
	return scope == HTTP_SCOPE_INTAKE ? "intake" : scope == HTTP_SCOPE_READ ? "read" : scope == HTTP_SCOPE_ADMIN ? "admin" : "?";
}

/* Contract in http.h. */
int http_idem_key_parse(const char *v, char out[256], const char **error_r)
{
	size_t len = strlen(v);

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
		v++, len -= 2;
	if (len == 0 || len > 255) {
		*error_r = "an Idempotency-Key is 1-255 characters";
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == '"') {
			*error_r = "an Idempotency-Key is printable ASCII without blanks or quotes";
			return -1;
		}
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* Contract in http.h. */
void http_body_hash(const char *route, const void *body, size_t len, char out[65])
{
	/* The route with its NUL: "a" + "bc" and "ab" + "c" differ. */
	sha256_hex(route, strlen(route) + 1, body, len, out);
}
