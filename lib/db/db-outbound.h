#ifndef MD_DB_OUTBOUND_H
#define MD_DB_OUTBOUND_H
/* The outbound queue: every mail maildesk sends is a row in PostgreSQL,
 * committed in the same transaction as the action that made it, and
 * delivered by a daemon to relay_host. States:
 *   queued -> sending -> sent
 *                     -> deferred (retry at next_attempt_at, growing backoff)
 *                     -> failed   (permanent 5xx, or past the lifetime)
 * A row is marked sent only after the relay answered 2xx to the DATA.
 * Several daemons may run against one database: claims use
 * FOR UPDATE SKIP LOCKED, so no row is sent twice concurrently. Each claim
 * names its daemon (db_outbound_claimer_set). A row left in "sending" by
 * a crashed daemon is due again once its claim is stale, and the stale
 * window of a row outlasts the worst relay session its claimer can have:
 * OUTBOUND_CLAIM_WINDOW_S(relay_timeout, recipients) plus the margin
 * outbound_claim_timeout, every wait of that session at relay_timeout (so a crash between the relay's 2xx and the
 * update may send it twice, never lose it, and a slow but live session is
 * never sent a second time beside itself). A daemon never re-claims a row
 * it claimed itself: only another daemon takes over a stale claim. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* The waits of one relay session besides one RCPT per recipient, each at
 * most relay_timeout (daemon/relay.c): connect, greeting, EHLO, HELO after
 * a refused EHLO, STARTTLS, the TLS handshake, EHLO and HELO again, MAIL,
 * DATA, sending the data, the end of data; daemon/relay.c ends any session
 * after that many waits (RELAY_SESSION_WAITS) whatever happens. */
#define OUTBOUND_SESSION_WAITS 12
#define OUTBOUND_CLAIM_MARGIN_S 60
/* The default margin (outbound_claim_timeout), for tools and tests. */
#define OUTBOUND_STALE_CLAIM_S OUTBOUND_CLAIM_MARGIN_S
#define OUTBOUND_RELAY_TIMEOUT_DEFAULT 300
/* The stale-claim window of a row with n_rcpts recipients, in seconds. */
#define OUTBOUND_CLAIM_WINDOW_S(relay_timeout, n_rcpts) \
	((relay_timeout) * (OUTBOUND_SESSION_WAITS + (n_rcpts)) + OUTBOUND_CLAIM_MARGIN_S)

/* Names the daemon that claims and records on this connection (copied;
 * "host/pid/random", new at each start) and its relay_timeout (0: the
 * default), from which each claim's stale window is derived. Without it a
 * connection claims as "" with the default timeout (tests, tools). */
void db_outbound_claimer_set(struct db *db, const char *claimer, unsigned relay_timeout_s);

/* What kind of mail a row is (stored as text). */
enum db_outbound_kind {
	DB_OUTBOUND_REPLY,        /* an agent's answer to the customer */
	DB_OUTBOUND_NEW,          /* the first mail of an outbound ticket */
	DB_OUTBOUND_NOTIFICATION, /* to an agent: new ticket, customer reply, note */
	DB_OUTBOUND_ACK,          /* automatic acknowledgement to a customer */
	DB_OUTBOUND_EXPLANATION,  /* to an agent: why their mail was not sent */
};
const char *db_outbound_kind_name(enum db_outbound_kind k);

struct db_outbound_in {
	int64_t tenant_id;
	int64_t ticket_id;          /* 0 = none */
	enum db_outbound_kind kind;
	const char *envelope_from;  /* "" = null sender <> */
	const char *const *rcpts;   /* envelope recipients */
	size_t n_rcpts;
	const char *data;           /* the complete message (headers + body, CRLF) */
	size_t len;
	const char *message_id;     /* its Message-ID without <>, for threading lookups */
};

/* Inserts a queued row. Must be called inside a transaction the caller
 * commits (db_begin/db_commit, or inside desk_deliver's). It sends no NOTIFY:
 * PostgreSQL serialises the commits of notifying transactions (a global
 * lock held through the commit's flush), which would make every delivery
 * wait for every other. The daemon that queued a row wakes its own sender;
 * another process calls db_outbound_wake() after its commit. Returns 0 (id
 * in *id_r, may be NULL) or -1. */
int db_outbound_enqueue(struct db *db, const struct db_outbound_in *o, int64_t *id_r, char **error_r);

/* One claimed row, owned by the caller (db_outbound_claimed_free). */
struct db_outbound_claimed {
	int64_t id, tenant_id, ticket_id;
	char *kind;
	char *envelope_from;
	char **rcpts;
	size_t n_rcpts;
	char *data;
	size_t len;
	unsigned attempts;       /* including this one */
	int64_t created_at;      /* Unix time */
};

/* Claims up to max due rows (queued, or deferred whose time has come, or
 * stale "sending" claims of another claimer) and marks them sending, with
 * this connection's claimer and a stale window of relay_timeout x
 * (OUTBOUND_SESSION_WAITS + the row's recipients) + margin_s seconds
 * (outbound_claim_timeout; 0 = OUTBOUND_CLAIM_MARGIN_S). Returns the number
 * claimed (rows in *rows_r, free with db_outbound_claimed_free) or -1. */
int db_outbound_claim(struct db *db, size_t max, unsigned margin_s, struct db_outbound_claimed **rows_r,
		      char **error_r);
void db_outbound_claimed_free(struct db_outbound_claimed **rows, size_t n);

/* Records the outcome of one delivery attempt of a claimed row:
 *  code 2xx: sent.
 *  code 5xx, or expired (now past created_at + lifetime): failed; a
 *           note is added to the ticket (when there is one).
 *  else (4xx, connection trouble: code 0): deferred, next attempt after
 *           a backoff that grows with attempts (1, 2, 4 ... 60 minutes).
 * reply is the relay's text (or the local error) kept as last_error. */
int db_outbound_result(struct db *db, int64_t id, unsigned code, const char *reply, unsigned lifetime_s,
		       char **error_r);

/* Seconds until the earliest due row (0 = due now, -1 = none), for the
 * sender's timer. */
int db_outbound_next_due(struct db *db, int64_t *seconds_r, char **error_r);

/* ---- Added with the sender (lib/db/db-outbound.c) ---- */

/* What db_outbound_record() left a row in. */
enum db_outbound_state {
	DB_OUTBOUND_STATE_NONE,     /* the row was no longer "sending": nothing changed */
	DB_OUTBOUND_STATE_SENT,
	DB_OUTBOUND_STATE_DEFERRED,
	DB_OUTBOUND_STATE_FAILED,
};
const char *db_outbound_state_name(enum db_outbound_state s);

/* db_outbound_result(), also telling the caller what the row became
 * (state_r may be NULL). Only a row still in "sending" under this
 * connection's claimer is changed: when its
 * claim went stale and another sender took it over, or "maildeskctl queue
 * retry" reset it meanwhile, *state_r is NONE and 0 is returned. The failure
 * note is a ticket_events row of kind "undeliverable" (actor "maildeskd").
 * Must not be called inside a transaction. */
int db_outbound_record(struct db *db, int64_t id, unsigned code, const char *reply, unsigned lifetime_s,
		       enum db_outbound_state *state_r, char **error_r);

/* Checks an envelope address before it goes into the queue or onto the
 * wire ("MAIL FROM:<%s>"): at most 320 bytes, no control characters,
 * blanks, '<' or '>'. "" (the null sender) is valid only where allowed. */
bool db_outbound_address_valid(const char *addr, bool empty_ok);

/* "maildeskctl queue retry": a failed or deferred row back to queued, due
 * now, and NOTIFY maildesk_outbound. Returns 1 done, 0 no such row, not in
 * one of those states or purged (its message is gone), -1 error. */
int db_outbound_retry(struct db *db, int64_t id, char **error_r);
/* "maildeskctl queue flush": every deferred row due now, and NOTIFY.
 * *n_r (may be NULL) gets how many rows were waiting. Returns 0 or -1. */
int db_outbound_flush(struct db *db, size_t *n_r, char **error_r);

/* ---- Outbound retention (sql/009_outbound_retention.sql) ---- */

/* Rows per purge statement (maildeskd and "maildeskctl queue purge"). */
#define DB_OUTBOUND_PURGE_BATCH 1000

/* Frees the message bytes of at most limit rows that will never be sent
 * again and are older than retention_s seconds: sent rows by sent_at,
 * failed ones by created_at. Their data becomes an empty bytea and
 * purged_at the time; the row (envelope, recipients, state, codes,
 * message_id) stays. One statement, its own transaction; rows locked by
 * someone else are skipped (FOR UPDATE SKIP LOCKED), so several daemons
 * purging at once share the work. Must not be called inside a transaction.
 * Returns 0 with the number purged in *n_r (fewer than limit: nothing more
 * is due), or -1. */
int db_outbound_purge(struct db *db, unsigned retention_s, unsigned limit, unsigned *n_r, char **error_r);

/* db_outbound_purge in batches of DB_OUTBOUND_PURGE_BATCH until one is
 * short, or after max_batches (then *more_r is set: more may be due).
 * *n_r gets the total, also when -1 is returned after some batches. */
int db_outbound_purge_batches(struct db *db, unsigned retention_s, unsigned max_batches, unsigned *n_r,
			      bool *more_r, char **error_r);

/* Waking up on new rows: db_listen(db, DB_CHANNEL_OUTBOUND) (db-listen.h). */

/* NOTIFY maildesk_outbound in a transaction of its own (after the commit
 * that queued rows), so the daemons' senders wake at once. */
int db_outbound_wake(struct db *db, char **error_r);

/* ---- Queue control, as postsuper does it (sql/010_queue_hold.sql) ---- */
enum db_outbound_admin {
	DB_OUTBOUND_HOLD,    /* queued or deferred -> held: never sent until released */
	DB_OUTBOUND_RELEASE, /* held -> queued, due now (and NOTIFY) */
	DB_OUTBOUND_DELETE,  /* queued, deferred or held -> failed, never sent; the
			      * ticket gets an "outbound.deleted" event */
};

/* "maildeskctl queue hold|release|delete": one row (id > 0), or with id 0
 * every row the action applies to in bulk: deferred rows for hold and
 * delete, held rows for release. A row being sent right now ("sending") is
 * never touched. One statement; must not be called inside a transaction.
 * Returns 0 with the number of rows changed in *n_r (0: no such row, or not
 * in a state the action takes), or -1. */
int db_outbound_admin(struct db *db, enum db_outbound_admin op, int64_t id, size_t *n_r, char **error_r);

#endif
