/* Reports of the outbound queue (contracts in db-report-queue.h). */
#include "config.h"
#include "db/db-report-queue.h"
#include "db/db-admin-private.h"

#include <stdlib.h>

#include "base/xalloc.h"

#define QUEUE_FROM                                                                         \
	" FROM outbound o JOIN tenants n ON n.id = o.tenant_id"                           \
	" LEFT JOIN tickets t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id"
/* When the next attempt is, for the rows that have one. */
#define NEXT_ATTEMPT                                                                       \
	"CASE WHEN o.state IN ('queued', 'deferred', 'sending') THEN " DB_TS("o.next_attempt_at") " END"

/* Contract in db-report-queue.h. */
int db_report_queue_list(struct db *db, const char *state, struct db_table **t_r, char **error_r)
{
	const char *params[1] = { state };

	return db_exec(db,
		       "SELECT o.id, n.name AS tenant, t.number AS ticket, o.kind, o.state, o.attempts,"
		       " array_to_json(o.rcpts)::text AS rcpts, " DB_TS("o.created_at") " AS created, "
		       NEXT_ATTEMPT " AS next_attempt, o.last_code, o.last_error" QUEUE_FROM
		       " WHERE ($1::text IS NULL AND o.state <> 'sent' OR o.state = $1) ORDER BY o.id",
		       1, params, t_r, error_r);
}

/* A one-row query by id. */
static int one_row(struct db *db, const char *sql, int64_t id, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, id) };

	return db_exec_row(db, sql, 1, params, t_r, error_r);
}

/* Contract in db-report-queue.h. */
int db_report_queue_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r)
{
	return one_row(db,
		       "SELECT o.id, n.name AS tenant, t.number AS ticket, o.kind, o.state, o.attempts,"
		       " o.envelope_from, o.message_id, array_to_json(o.rcpts)::text AS rcpts, "
		       DB_TS("o.created_at") " AS created, " NEXT_ATTEMPT " AS next_attempt, "
		       DB_TS("o.claimed_at") " AS claimed, o.claimed_by, " DB_TS("o.sent_at") " AS sent,"
		       " o.last_code, o.last_error, octet_length(o.data) AS size, " DB_TS("o.purged_at") " AS purged,"
		       /* the first 64 KiB hold the headers */
		       " encode(substring(o.data FROM 1 FOR 65536), 'hex') AS head" QUEUE_FROM
		       " WHERE o.id = $1",
		       id, t_r, error_r);
}

/* Contract in db-report-queue.h. */
int db_report_queue_state(struct db *db, int64_t id, char **state_r, char **purged_r, char **error_r)
{
	struct db_table *t;
	int found = one_row(db, "SELECT state, " DB_TS("purged_at") " FROM outbound WHERE id = $1", id, &t, error_r);

	if (found <= 0)
		return found;
	*state_r = xstrdup(db_table_get(t, 0, 0));
	if (purged_r != NULL)
		*purged_r = db_table_get(t, 0, 1) != NULL ? xstrdup(db_table_get(t, 0, 1)) : NULL;
	db_table_free(&t);
	return 1;
}
