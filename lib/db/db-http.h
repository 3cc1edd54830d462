#ifndef MD_DB_HTTP_H
#define MD_DB_HTTP_H
/* The HTTP API's storage (issue 13, sql/021_http.sql): API keys (only
 * their SHA-256 is stored) and the Idempotency-Key records written in the
 * transaction of what a POST made. Every function returns -1 with
 * *error_r (malloc'd) on a database error. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Stores a new key of tenant_id: key_id (16 hex), its hash (64 hex),
 * scope ("intake", "read", "admin"), name ("" none). Returns 0 with
 * *id_r (the row's id), -1. */
int db_apikey_add(struct db *db, int64_t tenant_id, const char *key_id, const char *key_sha256, const char *scope,
		  const char *name, int64_t *id_r, char **error_r);
/* Columns: key_id, tenant, scope, name, created, last_used, last_address,
 * revoked ("" when not); tenant_id 0: every tenant's. Oldest first. */
int db_apikey_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);
/* Revokes a key by its key_id (tenant_id 0: any tenant's): 1 revoked now,
 * 0 no such key or revoked before, -1. */
int db_apikey_revoke(struct db *db, int64_t tenant_id, const char *key_id, char **error_r);

/* What the API needs of a key to accept it. */
struct db_apikey {
	int64_t id, tenant_id;
	char key_sha256[65];
	char scope[8];
	bool revoked;
};
/* The key of key_id: 1 found (*k_r), 0 none, -1. */
int db_apikey_find(struct db *db, const char *key_id, struct db_apikey *k_r, char **error_r);
/* Records that key id was used now from address (not more often than
 * every few seconds, so busy keys do not queue on their row). 0 or -1. */
int db_apikey_touch(struct db *db, int64_t id, const char *address, char **error_r);

/* An Idempotency-Key record. */
struct db_http_idem {
	int64_t api_key_id;      /* the key's row, or 0 for a public route: */
	const char *public_path; /* then the request's path (sql/028) */
	const char *idem_key;
	const char *body_sha256;
	unsigned status;       /* the HTTP status first answered */
	int64_t ticket_number; /* what it made or joined */
	bool joined;
};
/* Inside the caller's transaction: stores the record. A concurrent
 * request with the same key waits for the first's transaction and then
 * fails with a unique violation (db_last_error_was_duplicate). 0 or -1. */
int db_http_idem_insert(struct db *db, const struct db_http_idem *r, char **error_r);
/* The record of (api_key_id, idem_key), or with api_key_id 0 of
 * (public_path, idem_key): 1 found (*r_r, body_sha256_r[65] filled;
 * r_r->idem_key, ->public_path and ->body_sha256 left NULL), 0 none, -1. */
int db_http_idem_find(struct db *db, int64_t api_key_id, const char *public_path, const char *idem_key,
		      struct db_http_idem *r_r, char body_sha256_r[65], char **error_r);
/* Rows per statement of the purge. */
#define DB_HTTP_IDEM_PURGE_BATCH 1000
/* Deletes the records older than ttl_s seconds (http_idempotency_ttl), in
 * statements of DB_HTTP_IDEM_PURGE_BATCH rows, each its own transaction
 * (never call inside one), at most max_batches of them: 0 with *n_r
 * deleted and *more_r when rows may be left, -1 (*n_r what was). */
int db_http_idem_purge_batches(struct db *db, unsigned ttl_s, unsigned max_batches, unsigned *n_r, bool *more_r,
			       char **error_r);

#endif
