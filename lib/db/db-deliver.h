#ifndef MD_DB_DELIVER_H
#define MD_DB_DELIVER_H
/* The typed storage steps of one delivery. lib/desk (desk_deliver) opens
 * the transaction with db_begin_pipelined(), calls these in order and commits; lib/db
 * decides nothing here (threading is lib/thread's, called by lib/desk).
 * Every statement is prepared once per connection.
 *
 * Errors as in db.h: 0 (or 1 found / 0 not found) and -1 with *error_r a
 * malloc'd line. All take the tenant first: nothing crosses tenants. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Stores the raw bytes once per tenant and SHA-256 (hex). A repeated
 * store of the same hash writes nothing. Messages over 2 GiB are refused. */
int db_raw_store(struct db *db, int64_t tenant_id, const char *raw, size_t len, const char *sha256_hex,
		 char **error_r);

/* The contact for email (lower-cased; must not be empty), created with
 * name (NULL or "" = none) when new, without locking an existing row.
 * Returns 0 with *contact_id_r, or -1. */
int db_contact_upsert(struct db *db, int64_t tenant_id, const char *email, const char *name, int64_t *contact_id_r,
		      char **error_r);

/* What threading needs from the tenant and team. */
struct db_thread_settings {
	char subject_tag_format[80];
	unsigned reopen_days;
	bool require_authenticated_requester;
	bool sender_is_agent; /* from_addr is an agent of the tenant (address only) */
	bool team_autoack;    /* the team has an acknowledgement template */
	bool team_sla;        /* the team has an SLA policy */
	int64_t order_patterns_version; /* the tenant's order patterns (db-order.h), 0: none */
	bool brand_connected; /* the tenant is a brand with an active connection (db-connection.h) */
};

/* Whether a message with these raw bytes (SHA-256, hex) was delivered to
 * the team before (the dedupe's look-up, outside a delivery). 1 yes, 0
 * no, -1. */
int db_delivery_stored(struct db *db, int64_t tenant_id, int64_t team_id, const char *sha256_hex, char **error_r);

/* What a delivery learns before it decides anything (db_delivery_start). */
struct db_delivery_start {
	bool duplicate;            /* delivered to this team before: */
	int64_t message_id;        /*   the stored message's id */
	int64_t ticket_number;     /*   and its ticket's number */
	int64_t contact_id;        /* the sender's contact (found or created) */
	struct db_thread_settings settings;
};
/* The first steps of a delivery, in one round trip inside a transaction
 * from db_begin_pipelined: db_raw_store, the search for an earlier
 * delivery of the same raw message to this team, db_contact_upsert
 * (contact_email must not be empty; contact_name may be NULL) and the
 * tenant's and team's threading settings (from_addr, maybe NULL, decides
 * sender_is_agent). Returns 0 with
 * *out filled, or -1 (also for an unknown tenant or team). For a duplicate
 * nothing more is to be written (the contact already existed). */
int db_delivery_start(struct db *db, int64_t tenant_id, int64_t team_id, const char *raw, size_t len,
		      const char *sha256_hex, const char *contact_email, const char *contact_name,
		      const char *from_addr, struct db_delivery_start *out, char **error_r);

/* A ticket a message might belong to, after following merges. */
struct db_ticket_candidate {
	int64_t id, number;
	char status[16];
	int64_t closed_at; /* Unix time, 0 when open */
	bool sender_is_participant; /* the sender contact is requester or participant */
};
/* Loads a ticket by row id or by number and locks it (FOR NO KEY UPDATE,
 * so the status read is the committed one), following merged_into up to
 * 16 hops. Returns 1 found, 0 not in this tenant (or a merge cycle), -1. */
int db_ticket_candidate(struct db *db, int64_t tenant_id, bool by_number, int64_t key, int64_t sender_contact_id,
			struct db_ticket_candidate *c_r, char **error_r);

/* The ticket of one of our outbound mails (a delivery report came back
 * to its signed return path): 1 with *ticket_id_r (0 when the mail had no
 * ticket), 0 no such outbound row, -1 error. */
int db_outbound_ticket(struct db *db, int64_t tenant_id, int64_t outbound_id, int64_t *ticket_id_r,
		       char **error_r);

/* The ticket of the first of msgids (in the caller's order of preference)
 * that names a stored message of the tenant; where several messages carry
 * one Message-ID, our own outgoing one wins, then one on a ticket the
 * sender contact is on, then the oldest. Returns 0 with *ticket_id_r (0 when
 * none), or -1. */
int db_references_ticket(struct db *db, int64_t tenant_id, const char *const *msgids, size_t n,
			 int64_t sender_contact_id, int64_t *ticket_id_r, char **error_r);

/* A new ticket for a message: subject (not empty) as its title, contact
 * as requester. Returns 0 with its row id and number, or -1. */
int db_ticket_open_new(struct db *db, int64_t tenant_id, int64_t team_id, const char *subject,
		       int64_t requester_id, int64_t *ticket_id_r, int64_t *number_r, char **error_r);
/* A message joined the ticket: activity now, and with reopen status open
 * (closed_at and snooze_until cleared), unless it is a closed request
 * whose order and reason another open request has. Returns 0 with its
 * number and, when reopened_r is not NULL, whether it was reopened; or -1. */
int db_ticket_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, bool reopen, int64_t *number_r,
		    bool *reopened_r, char **error_r);
/* Links a new ticket to the older one it continues. */
int db_ticket_link(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t linked_ticket_id, char **error_r);
/* Records one event on a ticket (actor e.g. "mail", detail may be NULL). */
int db_ticket_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
		    const char *detail, char **error_r);

/* One address that may join a ticket: as written (lower-cased when
 * stored) and without its recipient extension (compared to our aliases). */
struct db_participant_in {
	const char *email, *base;
};
/* Adds those of addrs that are none of our aliases, not on the provider's
 * shared sending domain, no agent of the tenant and not the requester as
 * participants; each one added is a participant.added event by "mail". */
int db_participants_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_participant_in *addrs,
			size_t n, char **error_r);

/* Inserts the received message (direction in) on its ticket, with how it
 * was matched. rcpt is stored lower-cased. Returns 0 with its row id. */
int db_message_store(struct db *db, int64_t tenant_id, int64_t team_id, int64_t ticket_id, const char *rcpt,
		     const struct db_message_in *m, const char *match_reason, const char *match_detail,
		     int64_t *message_id_r, char **error_r);
/* Stores one attachment of a stored message: content once per hash. */
int db_attachment_store(struct db *db, int64_t tenant_id, int64_t message_id, const struct db_attachment_in *a,
			char **error_r);

/* After a failed delivery: whether one more attempt can succeed where this
 * one failed: a unique-key race lost to a concurrent twin, a deadlock or a
 * serialisation failure, or a connection that died and was re-established
 * just now (reconnecting is part of the check). */
bool db_delivery_retryable(struct db *db);

#endif
