#ifndef MD_DB_WEBHOOK_H
#define MD_DB_WEBHOOK_H
/* Webhooks out (issue 13, sql/022_webhooks.sql): the receivers of a
 * tenant, the queue of deliveries written in the transaction of each
 * change, the sender's claims and results, and maildeskctl's views. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* ---- Queueing (lib/desk, inside the change's transaction) ---- */
/* Whether a webhook of the tenant wants event: 1 with the tenant's name in
 * *tenant_r (malloc'd), 0 none wants it, -1 with *error_r. */
int db_webhook_wanted(struct db *db, int64_t tenant_id, const char *event, char **tenant_r, char **error_r);
/* One pending delivery of payload for every webhook of the tenant that
 * wants event (ticket_id orders them per ticket; 0: no ticket). *n_r (may
 * be NULL): how many rows. Returns 0 or -1. */
int db_webhook_enqueue(struct db *db, int64_t tenant_id, const char *event, const char *event_id,
		       int64_t ticket_id, const char *payload, int64_t *n_r, char **error_r);

/* ---- The sender ---- */
/* A claimed delivery; strings owned (free with db_webhook_jobs_free). */
struct db_webhook_job {
	int64_t tenant_id, id, webhook_id, ticket_id;
	int attempts; /* counting this one */
	char *url, *event, *event_id, *payload;
	char *secret, *old_secret; /* old_secret "" unless in a rotation's overlap */
};
/* Claims up to max due deliveries for claimer (its lease: lease_s seconds),
 * with FOR UPDATE SKIP LOCKED, so that no two daemons hold one row; a row
 * is due when pending, past next_attempt_at, unleased (or its lease ran
 * out) and no older pending row of its webhook and ticket exists (order per
 * ticket). *jobs_r (array of *n_r) oldest first. Returns 0 or -1. */
int db_webhook_claim(struct db *db, const char *claimer, unsigned lease_s, unsigned max,
		     struct db_webhook_job **jobs_r, size_t *n_r, char **error_r);
void db_webhook_jobs_free(struct db_webhook_job **jobs, size_t n);
/* What became of an attempt. */
struct db_webhook_outcome {
	bool delivered; /* 2xx */
	bool permanent; /* a refusal that a retry would not change */
	long code;      /* HTTP status, 0 when none came */
	const char *error; /* "" when delivered */
	unsigned retry_in_s, lifetime_s;
};
/* Records it while claimer still holds the row: delivered; or failed
 * (permanent, or the next try would be past retry_from + lifetime_s);
 * else pending again after retry_in_s. *status_r (16 bytes): the new
 * status. 1 recorded, 0 the claim was lost, -1. */
int db_webhook_result(struct db *db, const struct db_webhook_job *j, const char *claimer,
		      const struct db_webhook_outcome *o, char status_r[16], char **error_r);

/* Gives a claimed row back unsent (the daemon stops): due at once for
 * anyone, the attempt not counted. Returns 0 or -1. */
int db_webhook_release(struct db *db, const struct db_webhook_job *j, const char *claimer, char **error_r);

/* ---- maildeskctl ---- */
/* A new webhook: events a PostgreSQL array literal ("{a,b}"). 0 with
 * *id_r, -1. */
int db_webhook_add(struct db *db, int64_t tenant_id, const char *url, const char *events, const char *secret,
		   int64_t *id_r, char **error_r);
/* Columns id tenant url events created rotating_until pending failed
 * delivered active connection (tenant_id 0: all; connection: the
 * connection it belongs to, or NULL): DB_WEBHOOK_LIST_KINDS. 0 or -1. */
#define DB_WEBHOOK_LIST_KINDS "isssttiiibi"
int db_webhook_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);
/* The same columns for one webhook (never the secret): 1, 0 none, -1. */
int db_webhook_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r);
/* Removes a webhook and its deliveries: 1, 0 none, -1. */
int db_webhook_remove(struct db *db, int64_t id, char **error_r);
/* A new secret; the current one stays valid for overlap_s seconds (0: at
 * once replaced). 1, 0 none, -1. */
int db_webhook_rotate(struct db *db, int64_t id, const char *secret, unsigned overlap_s, char **error_r);
/* The deliveries of a webhook, newest first, at most limit; status NULL
 * for all. Columns id event event_id ticket status attempts last_code
 * last_error created next_attempt done: DB_WEBHOOK_DELIVERY_KINDS. */
#define DB_WEBHOOK_DELIVERY_KINDS "issisiisttt"
int db_webhook_deliveries(struct db *db, int64_t webhook_id, const char *status, unsigned limit,
			  struct db_table **t_r, char **error_r);
/* A failed or waiting delivery is due now again, its lifetime counted
 * anew: 1, 0 no such delivery that is not delivered, -1. */
int db_webhook_retry(struct db *db, int64_t delivery_id, char **error_r);
/* A new pending delivery of the same event (same event id and payload) to
 * the same webhook: 1 with *new_id_r, 0 no such delivery, -1. */
int db_webhook_replay(struct db *db, int64_t delivery_id, int64_t *new_id_r, char **error_r);

/* ---- A connection's webhook (sql/027; in the caller's transaction) ---- */
/* Points the webhook of connection connection_id (of brand tenant_id) at
 * url; makes it (events: array literal, secret, active as the connection
 * is) when it has none, then *created_r true: the caller shows the secret
 * once. 0 with *id_r, -1 (also when the connection does not exist). */
int db_webhook_connection_put(struct db *db, int64_t tenant_id, int64_t connection_id, const char *url,
			      const char *events, const char *secret, int64_t *id_r, bool *created_r,
			      char **error_r);
/* Removes the connection's webhook with its deliveries (none: nothing). */
int db_webhook_connection_drop(struct db *db, int64_t tenant_id, int64_t connection_id, char **error_r);
/* The connection's webhook active or not: inactive, nothing is queued for
 * it (db_webhook_wanted, db_webhook_enqueue) and its pending deliveries
 * are not claimed; they wait. 0 or -1. */
int db_webhook_connection_active(struct db *db, int64_t tenant_id, int64_t connection_id, bool active,
				 char **error_r);
#endif
