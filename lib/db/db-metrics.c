#include "config.h"
#include "db-metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"

static const char *const states[5] = { "queued", "sending", "sent", "deferred", "failed" };

/* One statement, so a scrape costs one round trip and sees one snapshot. */
int db_metrics_gauges(struct db *db, int64_t queue_r[5], double *oldest_deferred_r, int64_t *snoozed_r,
		      char **error_r)
{
	static const char sql[] =
		"SELECT s.state, (SELECT count(*) FROM outbound o WHERE o.state = s.state),"
		" COALESCE((SELECT extract(epoch FROM now() - min(created_at)) FROM outbound"
		"           WHERE state = 'deferred'), 0),"
		" (SELECT count(*) FROM tickets WHERE status = 'snoozed')"
		" FROM unnest($1::text[]) AS s(state)";
	const char *params[1] = { "{queued,sending,sent,deferred,failed}" };
	struct db_table *t = NULL;

	if (db_exec(db, sql, 1, params, &t, error_r) < 0)
		return -1;
	memset(queue_r, 0, 5 * sizeof(*queue_r));
	*oldest_deferred_r = 0;
	*snoozed_r = 0;
	for (size_t r = 0; r < t->n_rows; r++) {
		const char *st = db_table_get(t, r, 0);
		for (int i = 0; i < 5; i++)
			if (st != NULL && strcmp(st, states[i]) == 0)
				queue_r[i] = strtoll(db_table_get(t, r, 1), NULL, 10);
		*oldest_deferred_r = strtod(db_table_get(t, r, 2), NULL);
		*snoozed_r = strtoll(db_table_get(t, r, 3), NULL, 10);
	}
	db_table_free(&t);
	return 0;
}

/* Contract in db-metrics.h. */
int db_heartbeat(struct db *db, const char *host, long pid, const char *version, int64_t started_at,
		 const char *metrics, char **error_r)
{
	char spid[24], sstart[24];
	const char *params[5] = { host, spid, version, sstart, metrics };

	snprintf(spid, sizeof(spid), "%ld", pid);
	snprintf(sstart, sizeof(sstart), "%lld", (long long)started_at);
	return db_exec(db,
		       "INSERT INTO daemons (host, pid, version, started_at, heartbeat_at, metrics)"
		       " VALUES ($1, $2::integer, $3, to_timestamp($4::bigint), now(), $5)"
		       " ON CONFLICT (host, pid) DO UPDATE SET version = EXCLUDED.version,"
		       " started_at = EXCLUDED.started_at, heartbeat_at = now(), metrics = EXCLUDED.metrics",
		       5, params, NULL, error_r);
}

/* Contract in db-metrics.h. */
int db_heartbeat_delete(struct db *db, const char *host, long pid, char **error_r)
{
	char spid[24];
	const char *params[2] = { host, spid };

	snprintf(spid, sizeof(spid), "%ld", pid);
	return db_exec(db, "DELETE FROM daemons WHERE host = $1 AND pid = $2::integer", 2, params, NULL, error_r);
}
