#ifndef MD_DKIM_H
#define MD_DKIM_H
/* DKIM signatures (RFC 6376) with rsa-sha256 and ed25519-sha256 (RFC 8463),
 * relaxed/relaxed canonicalisation, and the keys behind them. Pure: no
 * database, no DNS; the only global state is the Public Suffix List,
 * loaded once (thread-safe) on first use by dkim_org_domain(). OpenSSL
 * does the cryptography. Never signs with rsa-sha1 and never writes l=.
 * Every function is safe to call from several threads; a key may be
 * shared by threads that sign with it. Programs linking libmddkim.a add
 * $(OPENSSL_LIBS) $(LIBPSL_LIBS).
 *
 * Errors: -1 (or NULL) with *error_r a malloc'd one-line message. */
#include <stdbool.h>
#include <stddef.h>

enum dkim_alg { DKIM_RSA_SHA256, DKIM_ED25519_SHA256 };

/* "rsa-sha256" / "ed25519-sha256" (the a= tag). */
const char *dkim_alg_name(enum dkim_alg alg);
/* "rsa" / "ed25519" (the k= tag of the key record, and file suffix). */
const char *dkim_key_type_name(enum dkim_alg alg);

struct dkim_key; /* a private key, opaque */

/* ---- Keys (dkim-key.c) ---- */
/* A new key pair: RSA 2048 bits or Ed25519. */
struct dkim_key *dkim_key_generate(enum dkim_alg alg, char **error_r);
/* Reads a PEM private key (PKCS#8 or traditional RSA). Its type decides
 * the algorithm; other types and RSA keys under 1024 bits (RFC 8301) are
 * refused. */
struct dkim_key *dkim_key_load_pem(const char *pem, size_t len, char **error_r);
/* Reads a key file; refuses (with a message naming the file and its mode)
 * a file readable or writable by group or others. */
struct dkim_key *dkim_key_load_file(const char *path, char **error_r);
/* Writes the private key as PKCS#8 PEM to path with mode 0600, created
 * exclusively (never overwrites). Returns 0 or -1. */
int dkim_key_write_file(const struct dkim_key *key, const char *path, char **error_r);
/* The PEM text (malloc'd). */
char *dkim_key_pem(const struct dkim_key *key, size_t *len_r);
enum dkim_alg dkim_key_alg(const struct dkim_key *key);
/* The p= value of the key record (malloc'd base64): for RSA the DER
 * SubjectPublicKeyInfo, for Ed25519 the raw 32-byte public key. */
char *dkim_key_public_b64(const struct dkim_key *key);
/* The whole TXT record: "v=DKIM1; k=rsa; p=..." (malloc'd). */
char *dkim_key_record(const struct dkim_key *key);
void dkim_key_free(struct dkim_key **key);
/* Checks that dir exists, is a directory owned by the current user and is
 * not accessible by group or others (mode 0700 or stricter). Returns 0, or
 * -1 with a message naming the directory, its mode and the fix
 * ("chmod 700 DIR"). */
int dkim_key_dir_check(const char *dir, char **error_r);

/* ---- Canonicalisation (dkim-canon.c), exposed for tests ---- */
/* Relaxed header canonicalisation of one field "Name: value\r\n" (may be
 * folded; len bytes, need not end in CRLF): lower-case name, unfolded,
 * whitespace runs to one SP, no WSP around the colon or at the end,
 * terminated by CRLF. malloc'd. */
char *dkim_canon_header_relaxed(const char *field, size_t len, size_t *len_r);
/* Relaxed body canonicalisation of a whole body (CRLF or bare LF line
 * ends both accepted and output as CRLF): WSP runs to one SP, WSP at line
 * ends removed, trailing empty lines removed; an empty body becomes "" (no
 * CRLF) per RFC 6376 3.4.4 / errata 1384: the hash of "" is
 * 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=. malloc'd. */
char *dkim_canon_body_relaxed(const char *body, size_t len, size_t *len_r);

/* ---- Signing (dkim-sign.c) ---- */
/* The headers signed, in this order; From appears twice (over-signed, so a
 * From added later breaks the signature). A header the message lacks is
 * still listed once (signing its absence), as RFC 6376 5.4 allows. */
extern const char *const dkim_signed_headers[];

struct dkim_sign_params {
	const char *domain;   /* d= */
	const char *selector; /* s= */
	const struct dkim_key *key;
	long long timestamp;  /* t=; 0 = leave out */
	/* h= override (for the RFC test vectors); NULL = dkim_signed_headers */
	const char *const *headers;
};

/* Signs a complete message (headers, blank line, body; CRLF line ends;
 * bare LF tolerated) and returns the DKIM-Signature field to prepend,
 * "DKIM-Signature: v=1; a=...\r\n", folded at 78 columns, malloc'd.
 * Tag order: v, a, c, d, s, t (when set), h, bh, b. When the same header
 * name occurs more than once the instances are signed bottom-up (RFC 6376
 * 5.4.2). NULL with *error_r when domain or selector is empty or holds
 * anything but letters, digits, '.', '-', '_', when h= lacks "from", or
 * when OpenSSL fails. */
char *dkim_sign(const struct dkim_sign_params *p, const char *msg, size_t len, char **error_r);

/* The two steps under dkim_sign(), public so that tests can reproduce
 * signatures laid out by someone else byte for byte (RFC 8463 appendix A
 * writes "h=from : to : ..." and i=, q= tags that dkim_sign() does not).
 * dkim_body_hash: the bh= value (base64 SHA-256 of the relaxed body) of
 * a whole message; malloc'd.
 * dkim_sign_header: the b= value (base64, unfolded, malloc'd) for sig_head,
 * the DKIM-Signature field exactly as it will be written (folding
 * included, no CRLF at the end) up to and including "b=", where headers
 * are the names its h= lists, in order. The caller makes sure sig_head's
 * a= matches key and its bh= is dkim_body_hash() of msg. NULL with
 * *error_r when OpenSSL fails. */
char *dkim_body_hash(const char *msg, size_t len);
char *dkim_sign_header(const struct dkim_key *key, const char *sig_head, const char *const *headers,
		       const char *msg, size_t len, char **error_r);

/* ---- Alignment (dkim-align.c, libpsl with Debian's publicsuffix list) ----
 * The organisational domain of a name (RFC 7489 3.2): the public suffix
 * plus one label, lower-case, malloc'd; NULL when name is itself a public
 * suffix or invalid. */
char *dkim_org_domain(const char *name);
/* Relaxed alignment: true when both have the same organisational domain
 * (case-insensitive, a final dot ignored), or are the same name (strict
 * alignment, also for names the list gives no organisational domain). */
bool dkim_aligned(const char *from_domain, const char *d_domain);

#endif
