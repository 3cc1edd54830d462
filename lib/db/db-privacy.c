/* Privacy (contract in db-privacy.h): what "contact export" reads, and the
 * per-tenant retention of raw mail and attachment contents. The erase is
 * in db-privacy-erase.c. */
#include "config.h"
#include "db/db-privacy.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-private.h"
#include "db/db-private.h"

/* The export's messages ($1 tenant, $2 contact id, $3 address): every
 * message of the tickets it requested; on tickets it takes part in, the
 * ones it sent or that were addressed to it. */
#define EXPORT_MESSAGES                                                                                  \
	" FROM messages m JOIN tickets t ON t.tenant_id = m.tenant_id AND t.id = m.ticket_id"               \
	" WHERE m.tenant_id = $1 AND (t.requester_id = $2 OR lower(m.from_addr) = lower($3)"                \
	" OR lower(m.envelope_from) = lower($3) OR (m.ticket_id IN (SELECT ticket_id FROM ticket_participants" \
	" WHERE tenant_id = $1 AND contact_id = $2) AND position(lower($3) IN"                              \
	" lower(m.to_json::text || m.cc_json::text)) > 0))"

/* The export's reads after the contact's row, each with $1 tenant, $2
 * contact id and $3 address. */
static const char *const export_sql[] = {
	"SELECT t.id, t.number, CASE WHEN t.requester_id = $2 THEN 'requester' ELSE 'participant' END AS role,"
	" t.status, t.priority, tm.name AS team, t.subject, t.order_ref AS \"order\","
	" " DB_TS("t.created_at") " AS created, " DB_TS("t.updated_at") " AS updated, " DB_TS("t.closed_at")
	" AS closed FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"
	" WHERE t.tenant_id = $1 AND (t.requester_id = $2 OR t.id IN (SELECT ticket_id FROM ticket_participants"
	" WHERE tenant_id = $1 AND contact_id = $2)) AND $3::text IS NOT NULL ORDER BY t.number",
	"SELECT m.id, t.number AS ticket_number, m.direction, m.kind, m.from_name, m.from_addr, m.to_json AS to,"
	" m.cc_json AS cc, m.subject, " DB_TS("m.sent_at") " AS date, " DB_TS("m.received_at") " AS received,"
	" m.message_id, m.text_body AS text, m.html_body AS html,"
	" EXISTS (SELECT 1 FROM raw_messages r WHERE r.tenant_id = m.tenant_id AND r.sha256 = m.raw_sha256"
	" AND r.purged_at IS NULL) AS has_raw" EXPORT_MESSAGES " ORDER BY m.received_at, m.id",
	"SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.sha256, b.purged_at IS NOT NULL AS purged"
	" FROM attachments a JOIN blobs b ON b.tenant_id = a.tenant_id AND b.sha256 = a.sha256"
	" WHERE a.tenant_id = $1 AND a.message_id IN (SELECT m.id" EXPORT_MESSAGES ") ORDER BY a.id",
	"SELECT o.id, t.number AS ticket_number, o.kind, o.state, " DB_TS("o.created_at") " AS created, "
	DB_TS("o.sent_at") " AS sent, o.purged_at IS NOT NULL AS purged"
	" FROM outbound o LEFT JOIN tickets t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id"
	" WHERE o.tenant_id = $1 AND $2::bigint IS NOT NULL"
	" AND EXISTS (SELECT 1 FROM unnest(o.rcpts) r WHERE lower(r) = lower($3)) ORDER BY o.id",
};

/* Contract in db-privacy.h. One snapshot when called first in a
 * transaction (repeatable read); alone, each read sees its own. */
int db_privacy_export(struct db *db, int64_t tenant_id, const char *address, struct db_privacy_export *e,
		      char **error_r)
{
	struct db_num tn, cn;
	const char *params[3] = { db_num(&tn, tenant_id), address, NULL };
	struct db_table **tables[] = { &e->tickets, &e->messages, &e->attachments, &e->outbound };
	int found;

	memset(e, 0, sizeof(*e));
	if (db->in_tx && db_exec(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, NULL,
				 error_r) < 0)
		return -1;
	found = db_exec_row(db,
			    "SELECT email, name, " DB_TS("created_at") " AS created, id FROM contacts"
			    " WHERE tenant_id = $1 AND email = lower($2)",
			    2, params, &e->contact, error_r);
	if (found != 1)
		return found;
	e->contact_id = db_cell_int(e->contact, 0, 3);
	params[1] = db_num(&cn, e->contact_id);
	params[2] = address;
	for (size_t i = 0; i < sizeof(export_sql) / sizeof(export_sql[0]); i++)
		if (db_exec(db, export_sql[i], 3, params, tables[i], error_r) < 0)
			return -1;
	return 1;
}

/* Contract in db-privacy.h. */
void db_privacy_export_free(struct db_privacy_export *e)
{
	db_table_free(&e->contact);
	db_table_free(&e->tickets);
	db_table_free(&e->messages);
	db_table_free(&e->attachments);
	db_table_free(&e->outbound);
}

/* Contract in db-privacy.h: binary results, so the bytes arrive as they
 * are. */
int db_privacy_outbound_data(struct db *db, int64_t tenant_id, int64_t id, char **data_r, size_t *len_r,
			     char **error_r)
{
	struct db_num tn, in;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&in, id) };
	PGresult *res;
	int ret = 0;

	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	res = db_pq_exec_params(db, "SELECT data FROM outbound WHERE tenant_id = $1 AND id = $2 AND purged_at IS NULL",
				2, params, NULL, NULL, 1);
	if (db_result_check(db, res, PGRES_TUPLES_OK, NULL, error_r) < 0) {
		ret = -1;
	} else if (PQntuples(res) == 1) {
		size_t len = (size_t)PQgetlength(res, 0, 0);

		*data_r = xmalloc(len + 1);
		memcpy(*data_r, PQgetvalue(res, 0, 0), len);
		(*data_r)[len] = '\0';
		*len_r = len;
		ret = 1;
	}
	PQclear(res);
	return ret;
}

/* Contract in db-privacy.h. */
int db_privacy_retention_set(struct db *db, int64_t tenant_id, int64_t inbound_s, int64_t attachment_s,
			     char **error_r)
{
	struct db_num tn, in, an;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&in, inbound_s), db_num(&an, attachment_s) };

	return db_exec(db,
		       "UPDATE tenants SET"
		       " inbound_retention_s = CASE WHEN $2::bigint < 0 THEN inbound_retention_s"
		       " ELSE nullif($2::bigint, 0) END,"
		       " attachment_retention_s = CASE WHEN $3::bigint < 0 THEN attachment_retention_s"
		       " ELSE nullif($3::bigint, 0) END WHERE id = $1",
		       3, params, NULL, error_r);
}

/* Contract in db-privacy.h. */
int db_privacy_retention_get(struct db *db, int64_t tenant_id, int64_t *inbound_s_r, int64_t *attachment_s_r,
			     char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"SELECT coalesce(inbound_retention_s, 0), coalesce(attachment_retention_s, 0)"
				" FROM tenants WHERE id = $1",
				1, params, &t, error_r);

	if (found == 1) {
		*inbound_s_r = db_cell_int(t, 0, 0);
		*attachment_s_r = db_cell_int(t, 0, 1);
	}
	db_table_free(&t);
	return found;
}

/* The two purges ($1 tenant, 0: all; $2 limit). The conditions match the
 * partial indexes of sql/026, so only rows with bytes are read. A blob is
 * purged only when no message younger than the retention carries it. */
static const char *const purge_sql[2] = {
	"WITH c AS (SELECT r.tenant_id, r.sha256 FROM raw_messages r JOIN tenants te ON te.id = r.tenant_id"
	" WHERE ($1::bigint = 0 OR te.id = $1) AND te.inbound_retention_s IS NOT NULL AND r.purged_at IS NULL"
	" AND r.created_at < now() - te.inbound_retention_s * interval '1 second'"
	" ORDER BY r.created_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED),"
	" u AS (UPDATE raw_messages r SET data = ''::bytea, purged_at = now() FROM c"
	" WHERE r.tenant_id = c.tenant_id AND r.sha256 = c.sha256 RETURNING 1) SELECT count(*) FROM u",
	"WITH c AS (SELECT b.tenant_id, b.sha256 FROM blobs b JOIN tenants te ON te.id = b.tenant_id,"
	" LATERAL (SELECT now() - coalesce(te.attachment_retention_s, te.inbound_retention_s)"
	" * interval '1 second' AS cutoff) x"
	" WHERE ($1::bigint = 0 OR te.id = $1) AND x.cutoff IS NOT NULL AND b.purged_at IS NULL"
	" AND b.created_at < x.cutoff AND NOT EXISTS (SELECT 1 FROM attachments a JOIN messages m"
	" ON m.tenant_id = a.tenant_id AND m.id = a.message_id WHERE a.tenant_id = b.tenant_id"
	" AND a.sha256 = b.sha256 AND m.received_at >= x.cutoff)"
	" ORDER BY b.created_at LIMIT $2 FOR UPDATE OF b SKIP LOCKED),"
	" u AS (UPDATE blobs b SET data = ''::bytea, purged_at = now() FROM c"
	" WHERE b.tenant_id = c.tenant_id AND b.sha256 = c.sha256 RETURNING 1) SELECT count(*) FROM u",
};

/* Contract in db-privacy.h. */
int db_privacy_purge(struct db *db, int64_t tenant_id, unsigned limit, unsigned *raw_r, unsigned *blobs_r,
		     char **error_r)
{
	struct db_num tn, ln;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&ln, limit) };
	unsigned *counts[2] = { raw_r, blobs_r };

	*raw_r = *blobs_r = 0;
	if (db->in_tx) {
		*error_r = xstrdup("the retention purge runs in transactions of its own");
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		struct db_table *t = NULL;

		if (db_exec(db, purge_sql[i], 2, params, &t, error_r) < 0)
			return -1;
		*counts[i] = (unsigned)strtoul(db_table_get(t, 0, 0), NULL, 10);
		db_table_free(&t);
	}
	return 0;
}

/* Contract in db-privacy.h: each batch commits on its own, so a long
 * purge holds no lock for long and stops halfway without losing work. */
int db_privacy_purge_batches(struct db *db, int64_t tenant_id, unsigned max_batches, unsigned *raw_r,
			     unsigned *blobs_r, bool *more_r, char **error_r)
{
	*raw_r = *blobs_r = 0;
	*more_r = false;
	for (unsigned i = 0; i < max_batches; i++) {
		unsigned raw, blobs;

		if (db_privacy_purge(db, tenant_id, DB_PRIVACY_PURGE_BATCH, &raw, &blobs, error_r) < 0)
			return -1;
		*raw_r += raw;
		*blobs_r += blobs;
		if (raw < DB_PRIVACY_PURGE_BATCH && blobs < DB_PRIVACY_PURGE_BATCH)
			return 0;
	}
	*more_r = true;
	return 0;
}
