/* Rule sets: storing, names, and the inputs of tests and replays
 * (contracts in db-admin-rule.h). */
#include "config.h"
#include "db/db-admin-rule.h"
#include "db/db-admin-private.h"

#include <jansson.h>
#include <stdlib.h>

/* Contract in db-admin-rule.h. */
int db_admin_rule_set_store(struct db *db, int64_t tenant_id, int64_t team_id, const char *source,
			    const char *filename, int64_t *version_r, char **error_r)
{
	struct db_num n, m;
	const char *params[4] = { db_num(&n, tenant_id), db_id_or_null(&m, team_id), source, filename };

	return db_admin_id_query(db,
				 "INSERT INTO rule_sets (tenant_id, team_id, source, filename) VALUES ($1, $2, $3, $4)"
				 " ON CONFLICT (tenant_id, coalesce(team_id, 0)) DO UPDATE SET source = excluded.source,"
				 " filename = excluded.filename, version = rule_sets.version + 1, loaded_at = now()"
				 " RETURNING version",
				 4, params, version_r, error_r) < 0 ? -1 : 0;
}

/* Contract in db-admin-rule.h. */
int db_admin_rule_template_exists(struct db *db, int64_t tenant_id, int64_t team_id, const char *name,
				  const char *const *move_targets, size_t n, char **error_r)
{
	json_t *arr = json_array();
	struct db_num tn, mn;
	char *targets;
	int ret;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(move_targets[i]));
	targets = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	const char *params[4] = { db_num(&tn, tenant_id), name, db_id_or_null(&mn, team_id), targets };
	ret = db_admin_id_query(db,
				"SELECT 1 FROM templates p JOIN teams m ON m.tenant_id = p.tenant_id"
				" AND m.id = p.team_id WHERE p.tenant_id = $1 AND p.name = $2"
				" AND ($3::bigint IS NULL OR p.team_id = $3"
				"  OR m.name IN (SELECT json_array_elements_text($4::json)))",
				4, params, NULL, error_r);
	free(targets);
	return ret;
}

/* Contract in db-admin-rule.h. */
int db_report_rule_sets(struct db *db, int64_t tenant_id, int64_t team_id, bool all, struct db_table **t_r,
			char **error_r)
{
	struct db_num n, m;
	const char *params[3] = { db_num(&n, tenant_id), db_id_or_null(&m, team_id), all ? "t" : "f" };

	return db_exec(db,
		       "SELECT coalesce(m.name, '*') AS team, r.version, " DB_TS("r.loaded_at") " AS loaded,"
		       " r.filename, r.source FROM rule_sets r"
		       " LEFT JOIN teams m ON m.tenant_id = r.tenant_id AND m.id = r.team_id"
		       " WHERE r.tenant_id = $1 AND ($3::boolean OR r.team_id IS NOT DISTINCT FROM $2::bigint)"
		       " ORDER BY r.team_id NULLS FIRST",
		       3, params, t_r, error_r);
}

/* Contract in db-admin-rule.h. */
int db_report_rule_programs(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
			    char **error_r)
{
	struct db_num n, m;
	const char *params[2] = { db_num(&n, tenant_id), db_id_or_null(&m, team_id) };

	return db_exec(db,
		       "SELECT source, filename, team_id IS NULL FROM rule_sets WHERE tenant_id = $1"
		       " AND (team_id IS NULL OR team_id = $2) ORDER BY team_id NULLS FIRST",
		       2, params, t_r, error_r);
}

/* Contract in db-admin-rule.h: a ticket's first message is its
 * ticket.created, the others message.received. */
int db_report_rule_replay_messages(struct db *db, int64_t tenant_id, int64_t team_id, const char *since,
				   const char *until, struct db_table **t_r, char **error_r)
{
	struct db_num n, m;
	const char *params[4] = { db_num(&n, tenant_id), db_num(&m, team_id), since, until };

	return db_exec(db,
		       "SELECT m.id, m.ticket_id, k.number,"
		       " NOT EXISTS (SELECT 1 FROM messages p WHERE p.tenant_id = m.tenant_id AND p.ticket_id = m.ticket_id"
		       "  AND p.direction = 'in' AND (p.received_at, p.id) < (m.received_at, m.id)),"
		       " " DB_TS("m.received_at") ", coalesce(m.from_addr, ''), m.subject"
		       " FROM messages m JOIN tickets k ON k.tenant_id = m.tenant_id AND k.id = m.ticket_id"
		       " JOIN teams tm ON tm.tenant_id = m.tenant_id AND tm.id = m.team_id"
		       " WHERE m.tenant_id = $1 AND m.team_id = $2 AND m.direction = 'in' AND m.kind = 'customer'"
		       " AND m.received_at >= ($3::timestamp AT TIME ZONE tm.time_zone)"
		       " AND ($4::timestamp IS NULL OR m.received_at < ($4::timestamp AT TIME ZONE tm.time_zone))"
		       " ORDER BY m.received_at, m.id",
		       4, params, t_r, error_r);
}

/* Contract in db-admin-rule.h. */
int db_report_rule_team_facts(struct db *db, int64_t tenant_id, int64_t team_id, const char *requester,
			      struct db_table **t_r, char **error_r)
{
	struct db_num n, m;
	const char *params[3] = { db_num(&n, tenant_id), db_id_or_null(&m, team_id), requester };

	return db_exec(db,
		       "SELECT a.address, md_in_business_hours($1, $2, now()),"
		       " (SELECT count(*) FROM tickets k JOIN contacts c ON c.tenant_id = k.tenant_id AND c.id = k.requester_id"
		       "  WHERE k.tenant_id = $1 AND c.email = $3 AND k.status IN ('open', 'pending', 'snoozed'))"
		       " FROM (SELECT 1) one LEFT JOIN team_aliases a ON a.tenant_id = $1 AND a.team_id = $2"
		       " ORDER BY a.created_at, a.address",
		       3, params, t_r, error_r);
}

/* Contract in db-admin-rule.h. */
int db_report_begin_read_only(struct db *db, char **error_r)
{
	if (db_begin(db, error_r) < 0)
		return -1;
	if (db_exec(db, "SET TRANSACTION READ ONLY", 0, NULL, NULL, error_r) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
