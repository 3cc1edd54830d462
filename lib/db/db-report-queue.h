#ifndef MD_DB_REPORT_QUEUE_H
#define MD_DB_REPORT_QUEUE_H
/* Read-only reports of the outbound queue for maildeskctl ("queue list",
 * "queue show") and the look-ups that explain why a queue command changed
 * nothing. Each returns -1 with *error_r (malloc'd) on a database error.
 * Timestamps are ISO 8601 UTC text; tables are freed with db_table_free(). */
#include <stdint.h>

#include "db/db.h"

/* The rows in state (NULL: every state but sent), by id. Columns: id,
 * tenant, ticket (number), kind, state, attempts, rcpts (JSON), created,
 * next_attempt (only while queued, deferred or sending), last_code,
 * last_error. Returns 0 with *t_r. */
int db_report_queue_list(struct db *db, const char *state, struct db_table **t_r, char **error_r);
/* One row: the list's columns up to attempts, then envelope_from,
 * message_id, rcpts, created, next_attempt, claimed, claimed_by (the
 * daemon that claimed it last, "host/pid/random"; NULL when none), sent,
 * last_code, last_error, size, purged, head (hex of the message's first
 * 64 KiB).
 * Returns 1 with *t_r (one row), or 0 (no table) when no row has id. */
int db_report_queue_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r);
/* A row's state and, when its message was purged, when (else NULL); both
 * malloc'd (purged_r may be NULL). Returns 1, or 0 when no row has id. */
int db_report_queue_state(struct db *db, int64_t id, char **state_r, char **purged_r, char **error_r);

#endif
