/* The audit log of administrative changes (contracts in db-audit.h). */
#include "config.h"
#include "db/db-audit.h"
#include "db/db-admin-private.h"

#include <stdlib.h>

#include "base/xalloc.h"

/* Contract in db-audit.h. */
int db_audit_record(struct db *db, const struct db_audit *a, char **error_r)
{
	struct db_num n;
	const char *params[7] = { db_num(&n, a->tenant_id), a->tenant_name, a->actor, a->action,
				  a->object != NULL ? a->object : "", a->before, a->after };

	return db_exec(db,
		       "INSERT INTO audit_log (tenant_id, tenant_name, actor, action, object, before, after)"
		       " VALUES ($1, coalesce($2, (SELECT name FROM tenants WHERE id = $1)), $3, $4, $5,"
		       " $6::jsonb, $7::jsonb)",
		       7, params, NULL, error_r);
}

/* What text output shows of before/after: the keys that changed. */
#define AUDIT_CHANGE                                                                                          \
	"CASE WHEN before IS NULL AND after IS NULL THEN '' WHEN before IS NULL THEN 'added'"                 \
	" WHEN after IS NULL THEN 'removed' WHEN jsonb_typeof(before) <> 'object'"                            \
	" OR jsonb_typeof(after) <> 'object' THEN 'changed' ELSE coalesce((SELECT string_agg(k || ': '"       \
	" || coalesce(before->k, 'null'::jsonb)::text || ' -> ' || coalesce(after->k, 'null'::jsonb)::text,"  \
	" '; ' ORDER BY k) FROM (SELECT jsonb_object_keys(before) UNION SELECT jsonb_object_keys(after)) ks(k)" \
	" WHERE before->k IS DISTINCT FROM after->k), '') END"

/* Contract in db-audit.h. */
int db_audit_list(struct db *db, int64_t tenant_id, int64_t since_secs, unsigned limit, bool full,
		  struct db_table **t_r, char **error_r)
{
	struct db_num tn, sn, ln;
	const char *params[3] = { db_id_or_null(&tn, tenant_id), db_id_or_null(&sn, since_secs),
				  db_num(&ln, limit > 0 ? limit : 1000) };

	return db_exec(db,
		       full ? "SELECT " DB_TS("at") " AS at, coalesce(tenant_name, '') AS tenant, actor, action, object,"
			      " before::text AS before, after::text AS after FROM audit_log"
			      " WHERE ($1::bigint IS NULL OR tenant_id = $1)"
			      " AND ($2::bigint IS NULL OR at >= now() - $2::bigint * interval '1 second')"
			      " ORDER BY at DESC, id DESC LIMIT $3"
			    : "SELECT " DB_TS("at") " AS at, coalesce(tenant_name, '') AS tenant, actor, action, object,"
			      " " AUDIT_CHANGE " AS change FROM audit_log"
			      " WHERE ($1::bigint IS NULL OR tenant_id = $1)"
			      " AND ($2::bigint IS NULL OR at >= now() - $2::bigint * interval '1 second')"
			      " ORDER BY at DESC, id DESC LIMIT $3",
		       3, params, t_r, error_r);
}

/* One snapshot query per kind: $1 tenant id, $2 key; one row, one JSON cell. */
static const char *const snapshot_sql[] = {
	[DB_AUDIT_TENANT] = "SELECT to_jsonb(n) - 'created_at' FROM tenants n WHERE name = $2 AND $1::bigint >= 0",
	[DB_AUDIT_TEAM] =
		"SELECT to_jsonb(t) - 'created_at' - 'rr_last_agent_id'"
		" || jsonb_build_object('aliases', coalesce((SELECT jsonb_agg(address ORDER BY address) FROM team_aliases"
		" WHERE tenant_id = t.tenant_id AND team_id = t.id), '[]'),"
		" 'agents', coalesce((SELECT jsonb_agg(a.email ORDER BY a.email) FROM team_agents ta JOIN agents a"
		" ON a.tenant_id = ta.tenant_id AND a.id = ta.agent_id WHERE ta.tenant_id = t.tenant_id"
		" AND ta.team_id = t.id), '[]'))"
		" FROM teams t WHERE t.tenant_id = $1 AND t.name = $2",
	[DB_AUDIT_AGENT] =
		"SELECT to_jsonb(a) - 'created_at' - 'signature'"
		" || jsonb_build_object('signature_bytes', octet_length(a.signature),"
		" 'teams', coalesce((SELECT jsonb_agg(t.name ORDER BY t.name) FROM team_agents ta JOIN teams t"
		" ON t.tenant_id = ta.tenant_id AND t.id = ta.team_id WHERE ta.tenant_id = a.tenant_id"
		" AND ta.agent_id = a.id), '[]'))"
		" FROM agents a WHERE a.tenant_id = $1 AND a.email = lower($2)",
};

/* Contract in db-audit.h. */
int db_audit_snapshot(struct db *db, enum db_audit_kind kind, int64_t tenant_id, const char *key, char **json_r,
		      char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), key };

	*json_r = NULL;
	return db_admin_text_query(db, snapshot_sql[kind], 2, params, json_r, error_r);
}
