#ifndef MD_MIME_COMPOSE_H
#define MD_MIME_COMPOSE_H
/* Building outgoing messages (RFC 5322 + MIME) with GMime, so that header
 * encoding (RFC 2047), folding and transfer encodings are done by the same
 * library that parses. The result is 7-bit clean (quoted-printable text,
 * base64 attachments, encoded words in headers), so no relay re-encodes it
 * and a DKIM signature over it survives.
 *
 * Header safety: every value that comes from a customer or an agent is
 * passed through mime_header_value_clean() first, so CR, LF and other
 * control characters never reach a header and cannot inject one. */
#include <stddef.h>
#include <stdint.h>

struct mime_compose_addr {
	const char *name; /* display name, may be NULL or "" */
	const char *addr;
};

struct mime_compose_attachment {
	const char *filename;
	const char *content_type; /* "type/subtype" */
	const unsigned char *data;
	size_t size;
};

struct mime_compose {
	struct mime_compose_addr from;
	const struct mime_compose_addr *reply_to; /* NULL: none */
	const struct mime_compose_addr *to, *cc;
	size_t n_to, n_cc;
	const char *subject;
	int64_t date;                    /* Unix time */
	const char *message_id;          /* without <> */
	const char *in_reply_to;         /* without <>, NULL: none */
	const char *const *references;   /* without <>, oldest first */
	size_t n_references;
	const char *text;                /* UTF-8 plain text, LF or CRLF line ends */
	const struct mime_compose_attachment *attachments;
	size_t n_attachments;
	/* Extra header fields as name/value pairs, e.g. "Auto-Submitted",
	 * "auto-replied"; values are cleaned like every other. */
	const char *const *extra_names;
	const char *const *extra_values;
	size_t n_extra;
};

/* Serialises the message with CRLF line ends. Returns a malloc'd,
 * NUL-terminated buffer (length in *len_r). Never fails (mime_init() must
 * have been called). */
char *mime_compose(const struct mime_compose *c, size_t *len_r);

/* A copy of s (malloc'd) with CR, LF, NUL-free control characters and
 * other C0 controls replaced by spaces and runs of them collapsed, so it is
 * safe as one header value. NULL gives "". */
char *mime_header_value_clean(const char *s);

#endif
