#ifndef MD_SMTP_DSN_H
#define MD_SMTP_DSN_H
/* Delivery status notifications (RFC 3464): what a report that comes back
 * for one of our mails says. The report is written by a stranger's mail
 * server, so this reads it without trusting it, and without I/O or the
 * database (lib/desk files the result). */
#include <stddef.h>

/* The first Action, Status, Diagnostic-Code and Final-Recipient fields.
 * Each is a malloc'd string, never NULL ("" when the field is missing):
 * the value after the colon on the field's first line, spaces, tabs and
 * other control bytes around it removed, as valid UTF-8 without control characters (a control
 * byte becomes a space, a byte that is not part of valid UTF-8 a '?'), so
 * it can go into a log line and a UTF-8 text column as it is. */
struct smtp_dsn {
	char *action, *status, *diagnostic, *recipient;
};

/* Reads the fields of a message/delivery-status body of len bytes (need
 * not be NUL-terminated; read only in [text, text + len); NULL is fine
 * when len is 0). A field counts at the start of a line, its name in any
 * case, directly followed by ':'. Fills *d_r (free with smtp_dsn_free). */
void smtp_dsn_parse(const char *text, size_t len, struct smtp_dsn *d_r);

/* Frees the strings of d and sets them to NULL. */
void smtp_dsn_free(struct smtp_dsn *d);

#endif
