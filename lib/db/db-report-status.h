#ifndef MD_DB_REPORT_STATUS_H
#define MD_DB_REPORT_STATUS_H
/* What "maildeskctl status" reports about the daemons (issue 16). */
#include <stdint.h>

#include "db/db.h"

/* The daemons whose heartbeat is younger than max_age_s seconds, by host
 * and pid: host, pid, version, started (ISO 8601 UTC), metrics (JSON),
 * heartbeat_at. Returns 0 with *t_r (db_table_free()), or -1 with
 * *error_r (malloc'd). */
int db_report_daemons_live(struct db *db, unsigned max_age_s, struct db_table **t_r, char **error_r);

#endif
