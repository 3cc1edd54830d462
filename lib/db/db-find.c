/* Finding things: a requester's view, search, a contact; and the settings
 * of search and of the lifecycle (contracts in db-find.h). */
#include "config.h"
#include "db/db-find.h"
#include "db/db-admin-private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The requester's word for a status (t.status), and its key. */
#define REQ_STATE                                                                                    \
	"CASE WHEN t.status = 'pending' THEN 'awaiting' WHEN t.status IN ('solved', 'closed') THEN 'solved'" \
	" ELSE 'open' END"
#define REQ_STATUS                                                                                   \
	"CASE WHEN t.status = 'pending' THEN 'Awaiting your reply' WHEN t.status IN ('solved', 'closed')" \
	" THEN 'Solved' ELSE 'Open' END"

/* Contract in db-find.h. */
int db_find_requester_tickets(struct db *db, const struct db_requester_filter *f, struct db_table **t_r,
			      char **error_r)
{
	struct db_num n, lim, off;
	const char *params[5] = { db_num(&n, f->tenant_id), f->address, f->state,
				  f->limit > 0 ? db_num(&lim, f->limit) : NULL, db_num(&off, f->offset) };

	return db_exec(db,
		       "SELECT t.number, t.order_ref AS \"order\", " REQ_STATUS " AS status, " REQ_STATE " AS state,"
		       " t.subject, " DB_TS("t.created_at") " AS created, " DB_TS("t.last_activity_at")
		       " AS last_activity FROM contacts c JOIN tickets t ON t.tenant_id = c.tenant_id"
		       " AND t.requester_id = c.id WHERE c.tenant_id = $1 AND c.email = lower($2)"
		       " AND t.status NOT IN ('merged', 'draft') AND ($3::text IS NULL OR " REQ_STATE " = $3)"
		       " ORDER BY t.last_activity_at DESC, t.number DESC LIMIT $4::bigint OFFSET $5::bigint",
		       5, params, t_r, error_r);
}

/* The tenant's query of the user's words ($1 tenant, $2 text): an
 * InitPlan, so the GIN index on the message's vector is usable. */
#define SEARCH_QUERY "(SELECT websearch_to_tsquery(search_config::regconfig, $2) FROM tenants WHERE id = $1)"
#define SEARCH_VECTOR "md_search_vector(m.search_config, m.subject, m.text_body)"
/* Every way a ticket matches, with its class (3 number .. 0 text) and
 * rank; the best per ticket wins. */
#define SEARCH_HITS                                                                                  \
	"SELECT id, 'number' AS how, 3 AS exact, 0::real AS rank FROM tickets"                        \
	" WHERE tenant_id = $1 AND number = $3::bigint"                                                \
	" UNION ALL SELECT id, 'order', 2, 0 FROM tickets WHERE tenant_id = $1 AND order_ref = $2"      \
	" UNION ALL SELECT t.id, 'requester', 1, 0 FROM contacts c JOIN tickets t"                     \
	" ON t.tenant_id = c.tenant_id AND t.requester_id = c.id WHERE c.tenant_id = $1"              \
	" AND c.email = lower($2)"                                                                     \
	" UNION ALL SELECT m.ticket_id, 'text', 0, max(ts_rank(" SEARCH_VECTOR ", " SEARCH_QUERY "))"  \
	" FROM messages m WHERE m.tenant_id = $1 AND " SEARCH_VECTOR " @@ " SEARCH_QUERY                \
	" GROUP BY m.ticket_id"

/* Contract in db-find.h. */
int db_find_search(struct db *db, const struct db_search *q, struct db_table **t_r, char **error_r)
{
	struct db_num n, num, lim, off, pr;
	const char *params[6] = { db_num(&n, q->tenant_id), q->text, q->number > 0 ? db_num(&num, q->number) : NULL,
				  db_num(&lim, q->limit), db_num(&off, q->offset), db_id_or_null(&pr, q->provider_id) };

	return db_exec(db,
		       "SELECT t.number, t.status, t.order_ref AS \"order\", c.email AS requester, t.subject, "
		       DB_TS("t.last_activity_at") " AS last_activity, h.how AS match,"
		       " CASE WHEN h.exact = 0 THEN round(h.rank::numeric, 4) END AS rank"
		       " FROM (SELECT DISTINCT ON (id) id, how, exact, rank FROM (" SEARCH_HITS ") a"
		       " ORDER BY id, exact DESC, rank DESC) h"
		       " JOIN tickets t ON t.tenant_id = $1 AND t.id = h.id"
		       " JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"
		       " WHERE t.status <> 'merged' AND ($6::bigint IS NULL OR (t.tenant_id, t.handled_by) IN"
		       " (SELECT tenant_id, id FROM connections WHERE provider_id = $6 AND active))"
		       " ORDER BY h.exact DESC, h.rank DESC, t.last_activity_at DESC, t.number DESC"
		       " LIMIT $4 OFFSET $5",
		       6, params, t_r, error_r);
}

/* The queries of "contact show" ($1 tenant, $2 address). */
#define CONTACT_TICKETS                                                                              \
	" FROM contacts c JOIN tickets t ON t.tenant_id = c.tenant_id AND (t.requester_id = c.id"      \
	" OR EXISTS (SELECT 1 FROM ticket_participants p WHERE p.tenant_id = c.tenant_id"             \
	" AND p.contact_id = c.id AND p.ticket_id = t.id))"                                            \
	" WHERE c.tenant_id = $1 AND c.email = lower($2) AND t.status <> 'merged'"
static const char *const contact_sql[] = {
	"SELECT c.email, c.name, " DB_TS("c.created_at") " AS created, (SELECT " DB_TS("max(t.last_activity_at)")
	" FROM tickets t WHERE t.tenant_id = c.tenant_id AND t.requester_id = c.id) AS last_activity"
	" FROM contacts c WHERE c.tenant_id = $1 AND c.email = lower($2)",
	"SELECT t.number, CASE WHEN t.requester_id = c.id THEN 'requester' ELSE 'participant' END AS role,"
	" t.status, t.order_ref AS \"order\", t.subject, " DB_TS("t.last_activity_at") " AS last_activity"
	CONTACT_TICKETS " ORDER BY t.last_activity_at DESC, t.number DESC",
	"SELECT t.order_ref AS \"order\", count(*) AS tickets, " DB_TS("max(t.last_activity_at)") " AS last_activity"
	CONTACT_TICKETS " AND t.order_ref IS NOT NULL GROUP BY t.order_ref"
	" ORDER BY max(t.last_activity_at) DESC, t.order_ref",
};

/* Contract in db-find.h. */
int db_find_contact(struct db *db, int64_t tenant_id, const char *address, struct db_contact_report *r,
		    char **error_r)
{
	struct db_table **tables[] = { &r->contact, &r->tickets, &r->orders };
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), address };

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(contact_sql) / sizeof(contact_sql[0]); i++) {
		if (db_exec(db, contact_sql[i], 2, params, tables[i], error_r) < 0)
			return -1;
		if (i == 0 && r->contact->n_rows == 0)
			return 0;
	}
	return 1;
}

/* Contract in db-find.h. */
void db_contact_report_free(struct db_contact_report *r)
{
	db_table_free(&r->contact);
	db_table_free(&r->tickets);
	db_table_free(&r->orders);
}

/* Contract in db-find.h. */
int db_find_search_config_set(struct db *db, int64_t tenant_id, const char *config, int64_t *reindexed_r,
			      char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), config };
	struct db_table *t = NULL;
	int found;

	*reindexed_r = 0;
	/* Only a configuration PostgreSQL has (the name as pg_ts_config
	 * spells it, never a qualified or quoted one). */
	found = db_admin_id_query(db,
				  "UPDATE tenants SET search_config = c.cfgname FROM pg_ts_config c"
				  " WHERE tenants.id = $1 AND c.cfgname = $2 RETURNING tenants.id",
				  2, params, NULL, error_r);
	if (found <= 0)
		return found;
	if (db_exec(db,
		    "WITH u AS (UPDATE messages SET search_config = $2 WHERE tenant_id = $1"
		    " AND search_config <> $2 RETURNING 1) SELECT count(*) FROM u",
		    2, params, &t, error_r) < 0)
		return -1;
	*reindexed_r = db_cell_int(t, 0, 0);
	db_table_free(&t);
	return 1;
}

/* Contract in db-find.h. */
int db_find_search_config_get(struct db *db, int64_t tenant_id, char **config_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, tenant_id) };

	return db_admin_text_query(db, "SELECT search_config FROM tenants WHERE id = $1", 1, params, config_r,
				   error_r);
}

/* Contract in db-find.h. */
int db_find_close_after_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t seconds, char **error_r)
{
	struct db_num n, m, s;
	const char *params[3] = { db_num(&n, tenant_id), db_num(&m, team_id), seconds > 0 ? db_num(&s, seconds) : NULL };

	return db_exec(db, "UPDATE teams SET close_after_s = $3 WHERE tenant_id = $1 AND id = $2", 3, params, NULL,
		       error_r);
}
