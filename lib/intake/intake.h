#ifndef MD_INTAKE_H
#define MD_INTAKE_H
/* Tickets that do not arrive by mail (issue 13, intake 1-3): what a web
 * form, a chat transcript and a shop's event say, read from strangers'
 * bytes into plain structs and checked. Pure: no database, no sockets
 * (lib/desk stores what this module accepted; daemon/ and maildeskctl
 * carry the bytes). Every parser here is fuzzed (fuzz/fuzz-intake.c).
 * Strings handed out are malloc'd and owned by the struct they are in,
 * freed by its *_free(); errors are one malloc'd line for the user. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Forms ---- */

enum intake_field_type {
	INTAKE_TEXT,  /* several lines of text (a <textarea>) */
	INTAKE_LINE,  /* one line of text */
	INTAKE_EMAIL, /* the requester's address: one field of this type makes the requester */
	INTAKE_ORDER, /* an order reference (base/orderref.h): becomes the ticket's order */
};
/* "text", "line", "email", "order". */
const char *intake_field_type_name(enum intake_field_type t);
/* 1 with *t_r for one of the names above, 0 otherwise. */
int intake_field_type_parse(const char *name, enum intake_field_type *t_r);

/* The most fields a form has, the longest field name, a value's most bytes. */
#define INTAKE_FIELDS_MAX 50
#define INTAKE_NAME_MAX 32
#define INTAKE_VALUE_MAX 65536
#define INTAKE_LINE_MAX 1000

struct intake_field {
	char name[INTAKE_NAME_MAX + 1]; /* [a-z][a-z0-9_]{0,31} */
	enum intake_field_type type;
	bool required;
};
/* One "--field" of "maildeskctl form add": NAME[:required][:TYPE] in any
 * order after the name (TYPE defaults to line, or to email for a field
 * named "email", order for "order", text for "message"). 0 with *f, or -1
 * with *error_r ("field \"x:big\": unknown word \"big\" ..."). */
int intake_field_spec_parse(const char *spec, struct intake_field *f, char **error_r);
/* The fields of one form, as a whole: names unique, at most one email
 * field, at most one order field, an email field required (the ticket
 * needs a requester), at most INTAKE_FIELDS_MAX. 0 or -1 with *error_r. */
int intake_fields_check(const struct intake_field *fields, size_t n, char **error_r);

/* The honeypot: a field every form carries, hidden from people; a robot
 * that fills it is refused. */
#define INTAKE_HONEYPOT "website"
/* The field that carries the signed time the form was served. */
#define INTAKE_STAMP "md_stamp"

/* One submitted name=value (both NUL-terminated, value maybe with NULs
 * cut: a value with a NUL byte is refused by intake_form_check). */
struct intake_pair {
	char *name, *value;
	size_t value_len;
};
/* Submitted pairs as a parser makes them. */
struct intake_pairs {
	struct intake_pair *v;
	size_t n, cap;
};
void intake_pairs_add(struct intake_pairs *p, const char *name, size_t name_len, const char *value,
		      size_t value_len);
void intake_pairs_free(struct intake_pairs *p);
/* The value of name (the first), NULL when absent. */
const struct intake_pair *intake_pairs_get(const struct intake_pairs *p, const char *name);

/* Reads an application/x-www-form-urlencoded body (len bytes, need not be
 * NUL-terminated): '&'-separated name=value, '+' a space, %XX a byte. At
 * most max_pairs pairs. 0 with *out filled (free with intake_pairs_free()
 * also on -1), or -1 with *error_r (a bad %-escape, too many pairs). */
int intake_urlencoded_parse(const char *body, size_t len, size_t max_pairs, struct intake_pairs *out,
			    char **error_r);

/* A file sent with a multipart/form-data submission. */
struct intake_file {
	char *field;        /* the form field it came in */
	char *filename;     /* as the browser named it (may be ""; sanitise before storing) */
	char *content_type; /* the part's, "application/octet-stream" when none */
	char *data;
	size_t size;
};
struct intake_files {
	struct intake_file *v;
	size_t n, cap;
};
void intake_files_free(struct intake_files *f);
/* Reads a multipart/form-data body (RFC 7578) of len bytes with the
 * boundary of content_type: each part with a Content-Disposition
 * form-data name; a part with a filename is a file (into *files), else a
 * value (into *values). At most max_parts parts. 0 (free both with their
 * *_free() also on -1), or -1 with *error_r (no or a bad boundary, a part
 * without a name, no closing delimiter, too many parts). */
int intake_multipart_parse(const char *content_type, const char *body, size_t len, size_t max_parts,
			   struct intake_pairs *values, struct intake_files *files, char **error_r);

/* What is wrong with a submission: one entry per field (name, problem). */
struct intake_field_error {
	char field[INTAKE_NAME_MAX + 1]; /* a form field, or the submitted name (cut) when unknown */
	const char *code;                 /* static: "required", "unknown", "invalid", "too_long", "repeated" */
	const char *detail;               /* static: one sentence */
};
struct intake_form_errors {
	struct intake_field_error v[INTAKE_FIELDS_MAX + 8];
	size_t n;
};
/* Checks submitted against the form's fields: every submitted name is a
 * field of the form (INTAKE_HONEYPOT and INTAKE_STAMP aside), none twice,
 * every required field present and not blank, each value of its type
 * (UTF-8 without NUL or control characters but tab/CR/LF in text; one line
 * of at most INTAKE_LINE_MAX bytes for line, email and order; an address;
 * an order reference). Returns the number of problems (0: fine), each in
 * *errs. */
size_t intake_form_check(const struct intake_field *fields, size_t n, const struct intake_pairs *submitted,
			 struct intake_form_errors *errs);
/* Whether s (len bytes) is an address we accept from a stranger: one '@'
 * with a local part and a domain with a dot, printable ASCII without
 * blanks or <>"(),;:\[] , at most 254 bytes. */
bool intake_email_valid(const char *s, size_t len);

/* The signed time a form was served: "T.MAC" with T Unix seconds and MAC
 * hex HMAC-SHA256(secret, "md-form:" form ":" T) (malloc'd). */
char *intake_stamp_make(const char *secret, const char *form, int64_t now);
/* Checks a stamp returned with a submission at now: 1 fine; 0 too fast
 * (sent less than min_fill_s after T); -1 forged, malformed, from another
 * form, from the future or older than max_age_s (*why_r static). */
int intake_stamp_check(const char *secret, const char *form, const char *stamp, int64_t now, unsigned min_fill_s,
		       unsigned max_age_s, const char **why_r);

/* The form as HTML that works without JavaScript (a complete page when
 * page, else a fragment to embed): one labelled input per field (textarea
 * for text, type=email for email), the hidden stamp, the honeypot hidden
 * by CSS, posted to action as application/x-www-form-urlencoded (or
 * multipart/form-data when attachments). Every value is escaped. malloc'd. */
struct intake_form_view {
	const char *name, *title, *action, *stamp;
	const struct intake_field *fields;
	size_t n_fields;
	bool page, attachments;
};
char *intake_form_html(const struct intake_form_view *v);
/* s with & < > " ' escaped for HTML text and attribute values, appended
 * to a malloc'd copy (the caller frees). */
char *intake_html_escape(const char *s);

/* ---- Chat transcripts ---- */

#define INTAKE_CHAT_MESSAGES_MAX 2000
struct intake_chat_message {
	char *author; /* a participant's id */
	char *at;     /* the time as given (RFC 3339) */
	char *text;
};
struct intake_chat_participant {
	char *id, *name, *email; /* email "" for an agent or bot without one */
	char *role;              /* "customer", "agent", "bot" */
};
struct intake_chat {
	char *id;      /* the chat system's id of the conversation, 1-200 printable bytes */
	char *subject; /* "" when none given */
	struct intake_chat_participant *participants;
	size_t n_participants;
	struct intake_chat_message *messages;
	size_t n_messages;
	const struct intake_chat_participant *customer; /* the one participant with role customer */
};
/* Reads a transcript (JSON, len bytes):
 *   {"chat_id": "c-1", "subject": "...",
 *    "participants": [{"id": "u1", "role": "customer", "name": "Ana", "email": "ana@x.example"},
 *                     {"id": "a1", "role": "agent", "name": "Bob"}],
 *    "messages": [{"from": "u1", "at": "2026-12-06T10:00:00Z", "text": "Hola"}, ...]}
 * Exactly one customer, with a valid email; each message's from names a
 * participant; texts UTF-8 without NUL; unknown keys refused. 0 with *c
 * (free with intake_chat_free() also on -1), or -1 with *error_r naming
 * the member ("messages[3].from: no participant \"u9\""). */
int intake_chat_parse(const char *json, size_t len, struct intake_chat *c, char **error_r);
void intake_chat_free(struct intake_chat *c);
/* The transcript as text/plain, one block per message:
 * "[AT] NAME (ROLE):\n TEXT\n\n" (malloc'd, *len_r). */
char *intake_chat_text(const struct intake_chat *c, size_t *len_r);

/* ---- Shop events ---- */

struct intake_event {
	char *type;  /* "order.action_required", ... : [a-z][a-z0-9_]* separated by dots, <= 64 */
	char *id;    /* the shop's id of the event, "" when none (then reposts are not recognised) */
	char *order; /* an order reference */
	char *email, *name; /* the customer; name "" when none */
	char *message;      /* "" when none */
	char *comment;      /* a rating's comment, "" when none */
	int rating;         /* 1-5, 0: none */
	char *occurred_at;  /* as given, "" when none */
};
/* Reads an event (JSON):
 *   {"type": "rating.bad_with_comment", "id": "ev-9", "order": "1042",
 *    "customer": {"email": "ana@x.example", "name": "Ana"},
 *    "rating": 1, "comment": "Llegó roto", "message": "...", "occurred_at": "..."}
 * type, order and customer.email required; unknown keys refused. 0 with
 * *e (free with intake_event_free() also on -1), or -1 with *error_r. */
int intake_event_parse(const char *json, size_t len, struct intake_event *e, char **error_r);
void intake_event_free(struct intake_event *e);
/* Whether type is a well-formed event type name. */
bool intake_event_type_valid(const char *type);
/* The event as the first message's text (malloc'd, *len_r). */
char *intake_event_text(const struct intake_event *e, size_t *len_r);

#endif
