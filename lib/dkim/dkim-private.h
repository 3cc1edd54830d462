#ifndef MD_DKIM_PRIVATE_H
#define MD_DKIM_PRIVATE_H
/* Inside lib/dkim only: the key's layout and small shared helpers. */
#include <openssl/evp.h>

#include "base/buf.h"
#include "dkim/dkim.h"

struct dkim_key {
	EVP_PKEY *pkey;
	enum dkim_alg alg;
};

/* Base64 (RFC 4648, with padding, no line breaks) of n bytes, malloc'd. */
char *dkim_b64(const unsigned char *data, size_t n);
/* "what: <OpenSSL's last error>" (malloc'd); clears OpenSSL's error queue. */
char *dkim_ssl_error(const char *what);

/* One header field of a message: p[0..len) with its folding and line
 * end; p[0..name_len) is its name without trailing WSP. Points into the
 * message. */
struct dkim_field {
	const char *p;
	size_t len, name_len;
};
/* Splits msg into its header fields (*fields_r, malloc'd, in message
 * order) and the offset of the body (*body_r; len when there is none).
 * Returns the number of fields. */
size_t dkim_msg_split(const char *msg, size_t len, struct dkim_field **fields_r, size_t *body_r);

/* Builds a header field folded at DKIM_FOLD_COLS columns: pieces are
 * separated by " " when they fit and by CRLF SP otherwise. */
#define DKIM_FOLD_COLS 78
struct dkim_fold {
	struct buf b; /* the field so far, no CRLF at the end */
	size_t col;   /* columns used on the current line */
};
/* Starts with "Name:" (no space). */
void dkim_fold_init(struct dkim_fold *f, const char *name);
/* Adds a piece, after a space (space) or directly, or after CRLF SP when
 * the line would pass DKIM_FOLD_COLS. */
void dkim_fold_add(struct dkim_fold *f, const char *piece, bool space);
/* Adds a value that may be broken anywhere (base64), filling lines. */
void dkim_fold_add_breakable(struct dkim_fold *f, const char *value);

#endif
