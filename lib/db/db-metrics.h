#ifndef MAILDESK_DB_METRICS_H
#define MAILDESK_DB_METRICS_H

#include <stdint.h>

struct db;

/* Cluster-wide numbers for the metrics endpoint: outbound rows per state
 * (in the order queued, sending, sent, deferred, failed), the age of the
 * oldest deferred row in seconds (0 if none) and the snoozed tickets.
 * Returns 0, or -1 with *error_r set (free it). */
int db_metrics_gauges(struct db *db, int64_t queue_r[5], double *oldest_deferred_r, int64_t *snoozed_r,
		      char **error_r);

/* This daemon's heartbeat row (sql/012_daemons.sql): inserts or refreshes
 * (host, pid) with its version, start time (seconds since the epoch) and its
 * counters as Prometheus text. Returns 0, or -1 with *error_r set. */
int db_heartbeat(struct db *db, const char *host, long pid, const char *version, int64_t started_at,
		 const char *metrics, char **error_r);
/* Deletes the row on a clean exit. Returns 0, or -1 with *error_r set. */
int db_heartbeat_delete(struct db *db, const char *host, long pid, char **error_r);

#endif
