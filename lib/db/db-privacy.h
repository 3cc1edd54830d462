#ifndef MD_DB_PRIVACY_H
#define MD_DB_PRIVACY_H
/* Privacy (issue 14, sql/026_privacy.sql): what is stored about one
 * customer address (export), removing or anonymising it (erase), and the
 * per-tenant retention of raw mail and attachment bytes (purge). Errors as
 * in db.h: -1 with *error_r a malloc'd line. Addresses are compared in
 * lower case. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* ---- Export ---- */

/* Everything "contact export" writes; tables as db_exec() returns them
 * (timestamps ISO 8601 UTC text; free with db_privacy_export_free()).
 * Tickets are those the address is the requester of, or a participant
 * in; messages are every message of the first kind, and of the second
 * only the ones the address sent or received (To, Cc). */
struct db_privacy_export {
	int64_t contact_id;
	/* email, name, created */
	struct db_table *contact;
	/* id, number, role (requester / participant), status, priority,
	 * team, subject, order, created, updated, closed */
	struct db_table *tickets;
	/* id, ticket_number, direction, kind, from_name, from_addr, to (JSON),
	 * cc (JSON), subject, date, received, message_id, text, html,
	 * has_raw (boolean: raw bytes kept) */
	struct db_table *messages;
	/* id, message_id, filename, content_type, size, sha256, purged (boolean) */
	struct db_table *attachments;
	/* id, ticket_number, kind, state, created, sent, purged (boolean):
	 * the outbound mail sent to the address */
	struct db_table *outbound;
};
/* Fills e for address in tenant_id (one snapshot: a repeatable-read,
 * read-only transaction). Returns 1, 0 when the tenant has no such
 * contact, -1; free e with db_privacy_export_free() in every case. */
int db_privacy_export(struct db *db, int64_t tenant_id, const char *address, struct db_privacy_export *e,
		      char **error_r);
void db_privacy_export_free(struct db_privacy_export *e);
/* The bytes of outbound row id of the tenant as queued. Returns 1 with
 * *data_r (malloc'd) and *len_r, 0 when there is no such row or its bytes
 * were purged, -1. */
int db_privacy_outbound_data(struct db *db, int64_t tenant_id, int64_t id, char **data_r, size_t *len_r,
			     char **error_r);

/* ---- Erase ---- */

struct db_privacy_erase_result {
	int64_t erasure_id;    /* the contact_erasures row */
	char placeholder[64];  /* what the address became: erased-ID@invalid */
	int64_t tickets;       /* tickets of which it was the requester */
	int64_t messages;      /* messages emptied */
	int64_t raw_messages;  /* raw mails whose bytes were removed */
	int64_t blobs;         /* attachment contents removed */
	int64_t outbound;      /* outbound mails whose bytes were removed */
};
/* In one transaction of its own: the address's contact becomes
 * erased-ID@invalid without a name; the tickets it requested keep their
 * number, status, times, team and assignee, lose their subject, and every
 * message on them is emptied (subject, headers, text, HTML, its
 * attachments' names) with the raw bytes and attachment contents removed
 * (a content another message still carries stays); the address's own
 * messages on other tickets likewise; elsewhere the address is replaced
 * by the placeholder in addresses, headers, texts and ticket events, and
 * raw mail that names it loses its bytes, and it is no participant any
 * more (no answer goes to the placeholder); outbound mail to it or about
 * its tickets loses its bytes and, unsent, is failed; a contact_erasures
 * row records the SHA-256 of the address and the counts. actor is stored
 * with it. Returns 1, 0 when the tenant has no such contact, 2 when the
 * address is an agent's of the tenant (refused: their answers on every
 * ticket would go), -1; nothing changed unless 1. */
int db_privacy_erase(struct db *db, int64_t tenant_id, const char *address, const char *actor,
		     struct db_privacy_erase_result *r, char **error_r);

/* ---- Retention ---- */

/* "tenant set --inbound-retention / --attachment-retention": seconds,
 * 0 keeps for ever, -1 leaves the setting as it is. Returns 0 or -1. */
int db_privacy_retention_set(struct db *db, int64_t tenant_id, int64_t inbound_s, int64_t attachment_s,
			     char **error_r);
/* The tenant's settings (seconds, 0: kept for ever). 1, 0 no such
 * tenant, -1. */
int db_privacy_retention_get(struct db *db, int64_t tenant_id, int64_t *inbound_s_r, int64_t *attachment_s_r,
			     char **error_r);

/* Rows per purge statement (maildeskd and "maildeskctl retention purge"). */
#define DB_PRIVACY_PURGE_BATCH 500

/* One batch: at most limit raw messages older than their tenant's
 * inbound retention, and at most limit attachment contents (blobs) older
 * than the attachment retention (the inbound one when unset) that no
 * younger message carries, lose their bytes (data empty, purged_at set);
 * the rows stay. tenant_id 0: every tenant. Each statement commits on
 * its own and skips rows others hold locked. Returns 0 with the counts,
 * or -1. Not inside a transaction. */
int db_privacy_purge(struct db *db, int64_t tenant_id, unsigned limit, unsigned *raw_r, unsigned *blobs_r,
		     char **error_r);
/* db_privacy_purge in batches of DB_PRIVACY_PURGE_BATCH until both come
 * back short or max_batches ran (*more_r: work may be left). Counts
 * summed. Returns 0 or -1 (the counts of the committed batches set). */
int db_privacy_purge_batches(struct db *db, int64_t tenant_id, unsigned max_batches, unsigned *raw_r,
			     unsigned *blobs_r, bool *more_r, char **error_r);

#endif
