#ifndef MD_MIME_DSN_H
#define MD_MIME_DSN_H
/* Delivery status notifications (RFC 3464, RFC 6533): the fields of a
 * message/delivery-status part, parsed once by lib/mime together with the
 * message (struct mime_message's dsn) and read from memory by lib/desk.
 * The report is written by a stranger's mail server, so nothing in it is
 * trusted. Pure C: no GMime. */
#include <stdbool.h>
#include <stddef.h>

#include "mime/mime-fields.h"

/* One per-recipient group. Each string is never NULL ("" when the field is
 * missing): the first field of that name (any case) in the group, unfolded
 * (a folded value is read whole), spaces, tabs and control bytes around it
 * removed, as valid UTF-8 without control characters (a control byte
 * becomes a space, a byte that is not part of valid UTF-8 a '?'), so it can
 * go into a log line and a UTF-8 text column as it is. */
struct mime_dsn_recipient {
	const char *action;             /* Action: failed, delayed, delivered, relayed, expanded */
	const char *status;             /* Status: 5.1.1 */
	const char *diagnostic;         /* Diagnostic-Code: smtp; 550 ... */
	const char *final_recipient;    /* Final-Recipient: rfc822; a@b */
	const char *original_recipient; /* Original-Recipient: rfc822; a@b */
};

/* A parsed delivery-status body. The text is split into groups at blank
 * lines (a line of nothing but spaces and tabs counts as blank); a line
 * ends at LF, CRLF or a lone CR; NUL bytes read as spaces. Each group is
 * header-field syntax (mime_fields_split). A group holding any of the five
 * per-recipient fields above is a recipient group; the first other group
 * is the per-message group (Reporting-MTA, Arrival-Date, ...) and any
 * further one is ignored. All strings are owned by the struct. */
struct mime_dsn {
	struct mime_field *message_fields; /* the per-message group, names and values
					    * cleaned as the recipient fields are */
	size_t n_message_fields;
	struct mime_dsn_recipient *recipients; /* in the order written */
	size_t n_recipients;
	char **bufs_; /* private: the storage of the strings */
	size_t n_bufs_;
};

/* Parses len bytes of a delivery-status body (read only inside
 * [text, text + len), need not be NUL-terminated; NULL is fine when len is
 * 0). Never fails, never NULL; free with mime_dsn_free. */
struct mime_dsn *mime_dsn_parse(const char *text, size_t len);
/* Frees *d and sets it to NULL; NULL and *d NULL are fine. */
void mime_dsn_free(struct mime_dsn **d);

/* The recipient group a report is about, for one outbound mail: the first
 * whose Action is "failed" (any case), else the first; NULL when the report
 * has none. Points into d. */
const struct mime_dsn_recipient *mime_dsn_main(const struct mime_dsn *d);

/* True for the content types of a delivery-status part
 * (message/delivery-status, message/global-delivery-status; any case). */
bool mime_dsn_is_status_type(const char *content_type);

#endif
