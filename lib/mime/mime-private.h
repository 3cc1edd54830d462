#ifndef MD_MIME_PRIVATE_H
#define MD_MIME_PRIVATE_H
/* Shared between the files of lib/mime; never included outside it. This is
 * the only header that pulls in GMime (and with it GLib). Every char * handed
 * out by these functions is malloc()ed (lib/base xalloc) and freed with
 * free(), never with g_free(). */
#include <stdbool.h>
#include <stddef.h>

#include <gmime/gmime.h>

#include "mime/mime.h"

#define MIME_MAX_DEPTH 32               /* multipart nesting we descend into */
#define MIME_MAX_PARTS 1000             /* MIME parts we look at */
#define MIME_MAX_HEADER (1024 * 1024)   /* bytes of the top-level header section */
#define MIME_DETECT_MAX (64 * 1024)     /* bytes fed to uchardet */
#define MIME_CHARSET_MAX 48             /* longest charset name we accept */

/* Per-parse state; lives on mime_parse()'s stack, so nothing here is shared
 * between threads. */
struct mime_ctx {
	struct mime_message *msg;
	GMimeParserOptions *options;  /* per call, owned; carries our warning callback */
	bool addr_parsing;            /* address warnings count only while we parse From/To/Cc */
	size_t n_parts;
	size_t attachments_cap;
	bool have_text;               /* text_body came from a text/plain part */
	char *body_charset;           /* declared charset of the body part: a hint for 8-bit headers */
	char header_charset[MIME_CHARSET_MAX]; /* charset for raw 8-bit header bytes */
	char *prologue;               /* text of a multipart that had no usable parts */
};

/* mime-charset.c: all results are valid UTF-8 without NUL bytes. */

/* Converts text in the declared charset (NULL: none declared) to UTF-8,
 * repairing undeclared or lying charsets: declared -> uchardet guess ->
 * windows-1252. Sets MIME_DEFECT_BAD_CHARSET when the declared charset was
 * not usable and MIME_DEFECT_NUL_BYTES when NULs were dropped. */
char *mime_text_to_utf8(const char *data, size_t len, const char *declared, unsigned *defects, size_t *len_r);
/* Converts a short run of bytes (a header, an encoded word) whose charset is
 * known or guessed: charset strictly, then leniently, then windows-1252. No
 * detection: uchardet is unreliable on a few bytes. */
char *mime_charset_decode_short(const char *data, size_t len, const char *charset, unsigned *defects);
/* Guesses the charset of bytes that are not valid UTF-8 into out: hint (a
 * declared charset seen elsewhere in the message) when it decodes them, else
 * uchardet's guess when that decodes them, else windows-1252. */
void mime_charset_guess(const char *data, size_t len, const char *hint, char out[MIME_CHARSET_MAX]);
/* Copies len bytes as valid UTF-8: NULs dropped, invalid sequences replaced
 * by U+FFFD. */
char *mime_utf8_dup(const char *data, size_t len, size_t *len_r);
/* True when len bytes are valid UTF-8 without NULs. */
bool mime_utf8_valid(const char *data, size_t len);
/* True when the bytes have 8-bit content that is not UTF-8 (NULs aside):
 * their charset must be guessed. */
bool mime_needs_charset(const char *data, size_t len);
/* True when any byte has the high bit set. */
bool mime_has_8bit(const char *data, size_t len);
/* Rewrites CRLF (and any run of CRs before an LF) as LF in place; returns
 * the new length. The result holds no CR LF pair. */
size_t mime_crlf_to_lf(char *s, size_t len);

/* mime-rfc2047.c */

/* Decodes the RFC 2047 encoded-words of an unfolded, valid UTF-8 header
 * value. Adjacent encoded-words in one charset are joined before conversion,
 * so a character split across them survives. */
char *mime_rfc2047_decode(const char *value, unsigned *defects);

/* mime-header.c */

/* Length of the top-level header section (up to, not including, the empty
 * line), and whether the input starts with a header field at all. */
size_t mime_header_section_len(const char *raw, size_t len, bool *has_headers_r);
/* Fills subject, addresses, date, ids and header_block from gm and the raw
 * header section. */
void mime_headers_extract(struct mime_ctx *ctx, GMimeMessage *gm, const char *raw, size_t header_len);

/* mime-part.c */

/* Walks the MIME tree under root (may be NULL): picks text and HTML bodies,
 * collects attachments, enforces depth and part limits. */
void mime_parts_walk(struct mime_ctx *ctx, GMimeObject *root);
/* Appends an attachment to ctx->msg and computes its SHA-256. Takes ownership
 * of data (malloc()ed, len bytes); filename (NULL: none) is sanitised here;
 * content_type ("type/subtype") and content_id (NULL: none) are copied. */
void mime_attachment_append(struct mime_ctx *ctx, const char *filename, const char *content_type,
			    const char *content_id, bool is_inline, unsigned char *data, size_t len);

/* mime-tnef.c */

/* True for an Outlook winmail.dat: content type application/ms-tnef or
 * application/vnd.ms-tnef, or the file name winmail.dat. Either may be NULL. */
bool mime_tnef_is(const char *content_type, const char *filename);
/* Appends the files inside the TNEF stream data (which stays the caller's)
 * as attachments, each counted as a part, and uses the TNEF's body text when
 * the message has no other. A stream that cannot be decoded adds nothing and
 * sets MIME_DEFECT_BAD_TNEF. */
void mime_tnef_unpack(struct mime_ctx *ctx, const unsigned char *data, size_t len);

/* mime-html.c */

/* Readable plain text of a UTF-8 HTML document (libxml2's HTML parser, no
 * regexes): scripts, styles and head dropped, blocks become line breaks,
 * list items "- ", whitespace collapsed. */
char *mime_html_to_text(const char *html, size_t len);

#endif
