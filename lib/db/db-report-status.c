/* The daemons' heartbeats for "maildeskctl status" (contract in
 * db-report-status.h). */
#include "config.h"
#include "db/db-report-status.h"
#include "db/db-admin-private.h"

/* Contract in db-report-status.h. */
int db_report_daemons_live(struct db *db, unsigned max_age_s, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, max_age_s) };

	return db_exec(db,
		       "SELECT host, pid, version, " DB_TS("started_at") ", metrics, " DB_TS("heartbeat_at")
		       " AS heartbeat_at FROM daemons WHERE heartbeat_at > now() - make_interval(secs => $1::integer)"
		       " ORDER BY host, pid",
		       1, params, t_r, error_r);
}
