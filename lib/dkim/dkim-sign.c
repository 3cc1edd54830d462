/* DKIM signing (RFC 6376 5, RFC 8463): pick the header instances h=
 * names, hash them and the signature field itself, and sign with RSA
 * PKCS#1 v1.5 / SHA-256 or PureEd25519 over SHA-256. */
#include "config.h"
#include "dkim/dkim-private.h"
#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A name listed once more than a message has instances of it signs their
 * absence too (oversigning, RFC 6376 8.15): nobody can add a second From,
 * Subject, Reply-To, To, Cc or Content-Type that a reader would show. */
const char *const dkim_signed_headers[] = {
	"from", "from", "to", "to", "cc", "cc", "subject", "subject", "date", "message-id",
	"reply-to", "reply-to", "in-reply-to", "references", "content-type", "content-type",
	"content-transfer-encoding", "mime-version", NULL,
};

/* SHA-256 through EVP: bh= and the Ed25519 pre-hash (RFC 8463 3). */
static void sha256(const void *p, size_t n, unsigned char out[32])
{
	if (!EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL))
		abort(); /* SHA-256 of memory fails only without memory */
}

/* bh= of a body that starts at msg + body_off. */
static char *body_hash(const char *msg, size_t len, size_t body_off)
{
	unsigned char digest[32];
	size_t clen;
	char *canon = dkim_canon_body_relaxed(msg + body_off, len - body_off, &clen);

	sha256(canon, clen, digest);
	free(canon);
	return dkim_b64(digest, sizeof(digest));
}

char *dkim_body_hash(const char *msg, size_t len)
{
	struct dkim_field *fields;
	size_t body_off;

	dkim_msg_split(msg, len, &fields, &body_off);
	free(fields);
	return body_hash(msg, len, body_off);
}

/* Appends one relaxed field per name in h=: each name takes the lowest
 * instance not yet taken (RFC 6376 5.4.2); a name with none left adds
 * nothing, which signs the field's absence. */
static void add_signed_fields(struct buf *data, const struct dkim_field *fields, size_t count,
			      const char *const *names)
{
	bool *taken = xcalloc(count, sizeof(*taken));

	for (; *names != NULL; names++) {
		size_t nlen = strlen(*names);

		for (size_t i = count; i-- > 0;) {
			const struct dkim_field *f = &fields[i];
			size_t clen;
			char *canon;

			if (taken[i] || f->name_len != nlen || strncasecmp(f->p, *names, nlen) != 0)
				continue;
			taken[i] = true;
			canon = dkim_canon_header_relaxed(f->p, f->len, &clen);
			buf_append(data, canon, clen);
			free(canon);
			break;
		}
	}
	free(taken);
}

/* The signature over data: RSA hashes it with SHA-256 itself; Ed25519
 * signs SHA-256(data) as a message (RFC 8463 3). */
static char *sign_data(const struct dkim_key *key, const char *data, size_t n, char **error_r)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *tbs = (const unsigned char *)data;
	unsigned char digest[32], *sig = NULL;
	size_t siglen = 0;
	char *b64 = NULL;

	if (key->alg == DKIM_ED25519_SHA256) {
		sha256(data, n, digest);
		tbs = digest;
		n = sizeof(digest);
	}
	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, key->alg == DKIM_RSA_SHA256 ? EVP_sha256() : NULL, NULL,
			       key->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, tbs, n) != 1) {
		*error_r = dkim_ssl_error("DKIM signing");
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, tbs, n) == 1)
		b64 = dkim_b64(sig, siglen);
	else
		*error_r = dkim_ssl_error("DKIM signing");
	free(sig);
	EVP_MD_CTX_free(ctx);
	return b64;
}

/* The b= value for a message already split into fields. */
static char *sign_fields(const struct dkim_key *key, const char *sig_head,
			 const struct dkim_field *fields, size_t count,
			 const char *const *names, char **error_r)
{
	struct buf data;
	size_t clen;
	char *canon, *b;

	buf_init(&data, 0);
	add_signed_fields(&data, fields, count, names);
	canon = dkim_canon_header_relaxed(sig_head, strlen(sig_head), &clen);
	buf_append(&data, canon, clen - 2); /* the signature field: no CRLF */
	free(canon);
	b = sign_data(key, data.data, data.len, error_r);
	buf_free(&data);
	return b;
}

char *dkim_sign_header(const struct dkim_key *key, const char *sig_head, const char *const *headers,
		       const char *msg, size_t len, char **error_r)
{
	struct dkim_field *fields;
	size_t body_off, count = dkim_msg_split(msg, len, &fields, &body_off);
	char *b = sign_fields(key, sig_head, fields, count, headers, error_r);

	free(fields);
	return b;
}

/* d= and s= go into the field unquoted: only DNS name characters. */
static bool dns_name_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 253)
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_'))
			return false;
	}
	return true;
}

/* RFC 6376 5.4: the From field MUST be signed. */
static bool names_have_from(const char *const *names)
{
	for (; *names != NULL; names++) {
		if (strcasecmp(*names, "from") == 0)
			return true;
	}
	return false;
}

/* The field up to "b=", folded: tags v a c d s [t] h bh. */
static void build_head(struct dkim_fold *f, const struct dkim_sign_params *p,
		       const char *const *names, const char *bh)
{
	char *piece;

	dkim_fold_init(f, "DKIM-Signature");
	dkim_fold_add(f, "v=1;", true);
	piece = xasprintf("a=%s;", dkim_alg_name(p->key->alg));
	dkim_fold_add(f, piece, true);
	free(piece);
	dkim_fold_add(f, "c=relaxed/relaxed;", true);
	piece = xasprintf("d=%s;", p->domain);
	dkim_fold_add(f, piece, true);
	free(piece);
	piece = xasprintf("s=%s;", p->selector);
	dkim_fold_add(f, piece, true);
	free(piece);
	if (p->timestamp > 0) {
		piece = xasprintf("t=%lld;", p->timestamp);
		dkim_fold_add(f, piece, true);
		free(piece);
	}
	for (size_t i = 0; names[i] != NULL; i++) {
		piece = xasprintf("%s%s%s", i == 0 ? "h=" : "", names[i], names[i + 1] != NULL ? ":" : ";");
		dkim_fold_add(f, piece, i == 0);
		free(piece);
	}
	piece = xasprintf("bh=%s;", bh);
	dkim_fold_add(f, piece, true);
	free(piece);
	dkim_fold_add(f, "b=", true);
}

char *dkim_sign(const struct dkim_sign_params *p, const char *msg, size_t len, char **error_r)
{
	const char *const *names = p->headers != NULL ? p->headers : dkim_signed_headers;
	struct dkim_field *fields;
	struct dkim_fold f;
	size_t body_off, count;
	char *bh, *b;

	if (!dns_name_ok(p->domain) || !dns_name_ok(p->selector)) {
		*error_r = xasprintf("invalid DKIM domain or selector: %s / %s",
				     p->domain ? p->domain : "(none)", p->selector ? p->selector : "(none)");
		return NULL;
	}
	if (!names_have_from(names)) {
		*error_r = xstrdup("DKIM h= must include From (RFC 6376 5.4)");
		return NULL;
	}
	count = dkim_msg_split(msg, len, &fields, &body_off);
	bh = body_hash(msg, len, body_off);
	build_head(&f, p, names, bh);
	free(bh);
	b = sign_fields(p->key, f.b.data, fields, count, names, error_r);
	free(fields);
	if (b == NULL) {
		buf_free(&f.b);
		return NULL;
	}
	dkim_fold_add_breakable(&f, b);
	free(b);
	buf_append(&f.b, "\r\n", 2);
	return buf_steal(&f.b, NULL);
}
