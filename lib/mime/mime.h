#ifndef MD_MIME_H
#define MD_MIME_H
/* The only module that includes GMime. It turns the raw bytes of a message
 * into plain C data (all strings valid UTF-8, NUL-terminated, owned by the
 * struct mime_message). No GLib or GMime type appears here.
 *
 * Parsing never fails: a message GMime cannot make sense of still yields a
 * struct with whatever could be recovered and defect flags set, so the raw
 * bytes can be stored and the mail answered 250.
 *
 * Thread safety: call mime_init() once before any thread uses the module;
 * after that, mime_parse() may run in several threads at once on different
 * inputs. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime/mime-dsn.h"
#include "mime/mime-fields.h"

/* Defects found while parsing; stored with the message. */
enum mime_defect {
	MIME_DEFECT_UNPARSEABLE = 1u << 0,   /* GMime produced no message at all */
	MIME_DEFECT_NO_HEADERS = 1u << 1,    /* no header/body separation found (the input does
					      * not start with a header field) */
	MIME_DEFECT_MISSING_BOUNDARY = 1u << 2, /* multipart without (or never reaching) its boundary */
	MIME_DEFECT_BAD_ENCODING = 1u << 3,  /* invalid base64 / quoted-printable */
	MIME_DEFECT_BAD_CHARSET = 1u << 4,   /* unknown or lying charset, text was repaired */
	MIME_DEFECT_8BIT_HEADER = 1u << 5,   /* raw 8-bit bytes in a header that are not UTF-8
					      * (RFC 6532 UTF-8 headers are legal, not flagged) */
	MIME_DEFECT_NUL_BYTES = 1u << 6,     /* NUL bytes in the message */
	MIME_DEFECT_TOO_DEEP = 1u << 7,      /* MIME nesting past 32 levels; deeper parts ignored */
	MIME_DEFECT_TOO_MANY_PARTS = 1u << 8,/* more than 1000 parts; further parts ignored */
	MIME_DEFECT_HEADER_TOO_LONG = 1u << 9,/* header section past 1 MiB; header_block cut there */
	MIME_DEFECT_BAD_ADDRESS = 1u << 10,  /* From/To/Cc could not be parsed */
	MIME_DEFECT_BAD_DATE = 1u << 11,     /* Date missing or unparseable */
	MIME_DEFECT_BAD_TNEF = 1u << 12,     /* a winmail.dat (application/ms-tnef) that could not be
					      * decoded; it is kept whole as an attachment */
};

struct mime_address {
	char *name; /* display name, "" when none */
	char *addr; /* local@domain as written (domain lowercased), never NULL */
};

struct mime_address_list {
	struct mime_address *items;
	size_t n;
};

struct mime_attachment {
	char *filename;      /* sanitised (mime_filename_sanitise): no '/', '\\', control
			      * chars; <= 255 bytes; "" when none */
	char *content_type;  /* "type/subtype", lowercase */
	char *content_id;    /* without <>, NULL when none */
	bool is_inline;      /* Content-Disposition: inline */
	unsigned char *data; /* decoded content */
	size_t size;
	unsigned char sha256[32];
};

struct mime_message {
	struct mime_address from;     /* addr "" when missing */
	size_t from_count;            /* mailboxes in all From fields together
				       * (two From fields, or one listing two
				       * mailboxes, give 2); 0 when none */
	struct mime_address_list to, cc, reply_to;
	char *subject;                /* decoded (RFC 2047), "" when none */
	int64_t date;                 /* Unix time, 0 when missing/bad */
	char *message_id;             /* without <>, NULL when none */
	char *in_reply_to;            /* first msg-id, without <>, NULL when none */
	char **references;            /* msg-ids without <>, oldest first */
	size_t n_references;
	char *header_block;           /* the raw header section, made valid UTF-8 (line ends as
				       * received, no trailing newline); "" when none */
	char *text_body;              /* text/plain, or text derived from text/html; "" when none;
				       * LF line ends, no NUL bytes */
	char *html_body;              /* the text/html part as UTF-8 (LF line ends), NULL when none */
	struct mime_attachment *attachments;
	size_t n_attachments;
	char *content_type;           /* the top-level part's "type/subtype", lowercase
				       * ("text/plain" when none or unparseable) */
	unsigned defects;             /* mask of enum mime_defect */
	/* header_block split into fields once (mime-fields.h); the strings
	 * live in fields_buf. */
	struct mime_field *fields;
	struct mime_field_span *field_spans; /* each field's bytes in header_block */
	size_t n_fields;
	char *fields_buf;
	/* The first delivery-status part (message/delivery-status or
	 * message/global-delivery-status, anywhere in the tree) parsed into its
	 * groups (mime-dsn.h); NULL when there is none or it is empty. The part
	 * also stays in attachments as it came. */
	struct mime_dsn *dsn;
};

/* Must be called before any other mime_ function, from the main thread
 * before other threads use the module; further calls do nothing. */
void mime_init(void);
/* Releases GMime's and libxml2's global state; for clean leak checks at
 * exit, after every thread has stopped parsing. */
void mime_shutdown(void);

/* Parses len bytes of a raw message (CRLF or LF line ends). Always returns a
 * message (free with mime_message_free), never NULL. */
struct mime_message *mime_parse(const char *raw, size_t len);
void mime_message_free(struct mime_message **msg);

/* name made safe to use as a file name: '/', '\\', control characters and
 * invalid UTF-8 replaced, leading dots and spaces dropped, cut to at most 255
 * bytes on a character boundary (keeping a short extension). NULL gives "".
 * Returns a malloc()ed string; the filenames in struct mime_attachment have
 * already been through this. */
char *mime_filename_sanitise(const char *name);

/* Lowercase hex SHA-256 of data into out (65 bytes with the NUL). */
void mime_sha256_hex(const void *data, size_t len, char out[65]);
/* Comma-separated names of the defects in mask ("bad-charset,nul-bytes"),
 * into out (always terminated). */
const char *mime_defects_str(unsigned mask, char *out, size_t out_size);

#endif
