#ifndef MD_DB_DESK_MAIL_H
#define MD_DB_DESK_MAIL_H
/* The messages lib/desk writes and the ones it threads its mail on: the
 * customer's latest message, the participants to copy, the mail an agent
 * sent (stored like a received one), internal notes, raw bytes kept once
 * per tenant and hash. Conventions of db.h: -1 with *error_r malloc'd on
 * failure; lookups return 1 found, 0 not found. Writes run in the caller's
 * transaction. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* The Message-ID of a message and the References it carried, in order
 * (without the Message-ID itself); malloc'd, free with
 * db_desk_thread_ref_free(). */
struct db_desk_thread_ref {
	char *message_id;
	char **refs;
	size_t n_refs;
};
/* The customer's latest message on the ticket that has a Message-ID (the
 * one an answer threads on) into *r. 1 found, 0 none (*r zeroed), -1
 * error. */
int db_desk_latest_customer_message(struct db *db, int64_t tenant_id, int64_t ticket_id,
				    struct db_desk_thread_ref *r, char **error_r);
/* Frees what r holds and zeroes it. */
void db_desk_thread_ref_free(struct db_desk_thread_ref *r);

/* A participant of a ticket: address and name ("" when unknown). */
struct db_desk_contact {
	char *email, *name;
};
/* The ticket's participants (never its requester) ordered by address:
 * *contacts_r, an array of *n_r (free with db_desk_contacts_free()).
 * Returns 0 or -1. */
int db_desk_participants(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_desk_contact **contacts_r,
			 size_t *n_r, char **error_r);
/* Frees n contacts and the array; *contacts set to NULL. */
void db_desk_contacts_free(struct db_desk_contact **contacts, size_t n);

/* db_raw_store() (db-deliver.h) that says whether the bytes were new, for
 * control mail, whose redelivery must change nothing: sha256_hex is their
 * SHA-256 in hex (any case). Returns 1 when the bytes are new for the
 * tenant, 0 when it had them already (also when a concurrent transaction
 * stored them first), -1 on error. */
int db_desk_raw_keep(struct db *db, int64_t tenant_id, const char *data, size_t len, const char *sha256_hex,
		     char **error_r);

/* A file sent with a mail; pointers borrowed for the call. */
struct db_desk_attachment {
	const char *filename, *content_type;
	const unsigned char *data;
	size_t size;
};
/* A mail an agent sent to the customer; pointers borrowed for the call. */
struct db_desk_outgoing {
	int64_t tenant_id, ticket_id, team_id, agent_id;
	const char *data;    /* the complete message as queued (valid UTF-8) */
	size_t len;
	const char *sha256_hex; /* SHA-256 of data, lower-case hex */
	const char *from_addr; /* the team's address: From and envelope sender */
	const char *from_name, *subject, *message_id;
	const char *in_reply_to; /* may be NULL */
	const char *text_body;
	const char *detail;    /* messages.match_detail: how it was written */
	const struct db_desk_attachment *attachments;
	size_t n_attachments;
};
/* Stores o as an outgoing message of its ticket (kind "reply", match
 * reason "agent", sent now): its raw bytes (db_raw_store()), the
 * message row and each attachment (content once per hash in blobs).
 * *message_id_r (may be NULL) gets the new row's id. Returns 0 or -1. */
int db_desk_outgoing_store(struct db *db, const struct db_desk_outgoing *o, int64_t *message_id_r,
			   char **error_r);

/* An internal note on a ticket; pointers borrowed for the call. */
struct db_desk_note {
	int64_t tenant_id, ticket_id, team_id;
	int64_t agent_id;       /* the agent who wrote it, 0 for none (a rule) */
	const char *from_name;
	const char *from_addr;  /* NULL for none */
	const char *text;
	const char *reason;     /* messages.match_reason: "agent", "rule" */
	const char *detail;     /* messages.match_detail */
};
/* Stores the note as a message of its ticket (direction "in", kind
 * "note", no raw bytes: nothing was received). Returns 0 or -1. */
int db_desk_note_add(struct db *db, const struct db_desk_note *n, char **error_r);

/* Sets the kind of a stored message, and its agent (agent_id 0: none,
 * the agent is cleared). Returns 0 or -1. */
int db_desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
			 char **error_r);

#endif
