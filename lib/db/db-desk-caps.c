/* Counting recent automatic mail in the outbound queue (contract in
 * db-desk-caps.h). */
#include "config.h"
#include "db/db-desk-caps.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/db-private.h"

/* Per ticket: everything automatic about it. Per address: only addresses
 * outside the team (an agent is mailed about every ticket, and that is no
 * loop); both read through partial indexes. Per team: automatic mail to
 * customers (kind ack) of the ticket's team. */
#define AUTO_COUNTS_SQL                                                                                       \
	"SELECT (SELECT count(*) FROM outbound WHERE tenant_id = $1 AND ticket_id = $2"                        \
	" AND kind IN ('notification', 'ack', 'explanation') AND created_at > now() - interval '1 hour'),"     \
	" CASE WHEN EXISTS (SELECT 1 FROM agents WHERE tenant_id = $1 AND email = lower($3)) THEN 0"           \
	" ELSE (SELECT count(*) FROM outbound WHERE rcpts @> ARRAY[lower($3)] AND tenant_id = $1"              \
	" AND kind IN ('notification', 'ack', 'explanation') AND created_at > now() - interval '1 hour') END," \
	" CASE WHEN NOT $4::boolean THEN 0 ELSE (SELECT count(*) FROM outbound o JOIN tickets t"              \
	" ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id WHERE o.tenant_id = $1 AND o.kind = 'ack'"      \
	" AND t.team_id = (SELECT team_id FROM tickets WHERE tenant_id = $1 AND id = $2)"                      \
	" AND o.created_at > now() - interval '1 hour') END"

int db_desk_auto_counts(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *rcpt, bool team_acks,
			struct db_desk_auto_counts *c, char **error_r)
{
	struct db_num tn, tk;
	const char *params[4] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), rcpt, team_acks ? "t" : "f" };
	struct db_table *res = NULL;

	if (db_exec(db, AUTO_COUNTS_SQL, 4, params, &res, error_r) < 0)
		return -1;
	*c = (struct db_desk_auto_counts){ .per_ticket = db_cell_int(res, 0, 0),
					   .per_address = db_cell_int(res, 0, 1),
					   .per_team = db_cell_int(res, 0, 2) };
	db_table_free(&res);
	return 0;
}

int db_desk_ack_recent(struct db *db, int64_t tenant_id, int64_t team_id, const char *rcpt, unsigned window_s,
		       char **error_r)
{
	struct db_num tn, tm;
	char win[24];
	const char *params[4] = { db_num(&tn, tenant_id), db_num(&tm, team_id), rcpt, win };
	struct db_table *res = NULL;
	int recent;

	snprintf(win, sizeof(win), "%u", window_s);
	if (db_exec(db,
		    "SELECT pg_advisory_xact_lock(hashtextextended('maildesk.ack/' || $1 || '/' || $2 || '/' || $3, 0))",
		    3, params, NULL, error_r) < 0)
		return -1;
	if (db_exec(db,
		    "SELECT EXISTS (SELECT 1 FROM outbound o JOIN tickets t ON t.tenant_id = o.tenant_id"
		    " AND t.id = o.ticket_id WHERE o.tenant_id = $1 AND t.team_id = $2 AND o.kind = 'ack'"
		    " AND $3 = ANY (o.rcpts) AND o.created_at > now() - make_interval(secs => $4::int))",
		    4, params, &res, error_r) < 0)
		return -1;
	recent = db_cell_bool(res, 0, 0);
	db_table_free(&res);
	return recent;
}
