#include "config.h"
#include "db/db-private.h"
#include "db/db-deliver.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

/* The hot-path statements, prepared once per connection. */
static const struct {
	const char *sql;
	int n_params;
} stmts[DB_STMT_COUNT] = {
	/* Every RCPT TO: one index probe. */
	[DB_STMT_ALIAS_LOOKUP] = { "SELECT tenant_id, team_id FROM team_aliases WHERE address = lower($1)", 1 },
	/* Only for addresses on the shared domain: $1 ALIASLOCAL and $2 TENANT
	 * must name exactly one team (the oldest alias of one team of one
	 * tenant). */
	[DB_STMT_ALIAS_SHARED] = { "SELECT min(al.tenant_id), min(al.team_id) FROM tenants te"
				   " JOIN team_aliases al ON al.tenant_id = te.id"
				   " WHERE lower(te.name) = lower($2) AND left(al.address, length($1) + 1) = lower($1) || '@'"
				   " AND NOT EXISTS (SELECT 1 FROM team_aliases o WHERE o.tenant_id = al.tenant_id"
				   " AND o.team_id = al.team_id AND (o.created_at, o.address) < (al.created_at, al.address))"
				   " HAVING count(*) = 1",
				   2 },
	[DB_STMT_RAW_INSERT] = { "INSERT INTO raw_messages (tenant_id, sha256, size, data)"
				 " VALUES ($1, lower($2), $3, $4) ON CONFLICT DO NOTHING",
				 4 },
	[DB_STMT_DUP_FIND] = { "SELECT m.id, t.number FROM messages m"
			       " JOIN tickets t ON t.tenant_id = m.tenant_id AND t.id = m.ticket_id"
			       " WHERE m.tenant_id = $1 AND m.team_id = $2"
			       " AND m.raw_sha256 = lower($3) AND m.direction = 'in'",
			       3 },
	/* One round trip whether the contact is new or known: the insert's
	 * id, else the row the statement's snapshot already saw. */
	[DB_STMT_CONTACT_INSERT] = { "WITH ins AS (INSERT INTO contacts (tenant_id, email, name)"
				     " VALUES ($1, lower($2), nullif($3, ''))"
				     " ON CONFLICT (tenant_id, email) DO NOTHING RETURNING id)"
				     " SELECT id FROM ins UNION ALL"
				     " SELECT id FROM contacts WHERE tenant_id = $1 AND email = lower($2) LIMIT 1",
				     3 },
	[DB_STMT_CONTACT_FIND] = { "SELECT id FROM contacts WHERE tenant_id = $1 AND email = lower($2)", 2 },
	[DB_STMT_TICKET_INSERT] = { "INSERT INTO tickets (tenant_id, team_id, subject, requester_id)"
				    " VALUES ($1, $2, $3, $4) RETURNING id, number",
				    4 },
	[DB_STMT_MESSAGE_INSERT] = { "INSERT INTO messages (tenant_id, ticket_id, team_id, direction,"
				     " raw_sha256, envelope_from, rcpt, from_name, from_addr,"
				     " to_json, cc_json, reply_to_json, subject, sent_at, message_id,"
				     " in_reply_to, refs, headers, text_body, html_body, defects,"
				     " defect_flags, match_reason, match_detail, search_config)"
				     " VALUES ($1, $2, $3, 'in', lower($4), $5, lower($6), $7, $8,"
				     " $9::jsonb, $10::jsonb, $11::jsonb, $12, to_timestamp($13::bigint),"
				     " $14, $15, ARRAY(SELECT jsonb_array_elements_text($16::jsonb)),"
				     " $17, $18, $19, $20, $21, $22, $23, " DB_SEARCH_CONFIG ") RETURNING id",
				     23 },
	/* A content the retention or an erase purged (sql/026) gets its
	 * bytes back when a new message carries it; a kept one is left alone
	 * and unlocked. (Raw mail is not refilled: its insert runs before the
	 * duplicate check, and a retried delivery must not bring back what an
	 * erase removed.) */
	[DB_STMT_BLOB_INSERT] = { "WITH i AS (INSERT INTO blobs (tenant_id, sha256, size, data)"
				  " VALUES ($1, lower($2), $3, $4) ON CONFLICT DO NOTHING RETURNING 1)"
				  " UPDATE blobs SET data = $4, purged_at = NULL, created_at = now()"
				  " WHERE tenant_id = $1 AND sha256 = lower($2) AND purged_at IS NOT NULL"
				  " AND NOT EXISTS (SELECT 1 FROM i)",
				  4 },
	[DB_STMT_ATTACHMENT_INSERT] = { "INSERT INTO attachments (tenant_id, message_id, filename,"
					" content_type, content_id, is_inline, size, sha256)"
					" VALUES ($1, $2, $3, $4, $5, $6, $7, lower($8))",
					8 },
	[DB_STMT_THREAD_SETTINGS] = { "SELECT te.subject_tag_format, tm.reopen_days,"
				      " te.require_authenticated_requester,"
				      " EXISTS (SELECT 1 FROM agents WHERE tenant_id = te.id AND email = lower($3)),"
				      " tm.autoack_template IS NOT NULL,"
				      " EXISTS (SELECT 1 FROM sla_policies p WHERE p.tenant_id = te.id AND p.team_id = tm.id),"
				      " CASE WHEN cardinality(te.order_patterns) > 0 THEN te.order_patterns_version ELSE 0 END,"
				      " EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = te.id AND c.active)"
				      " FROM tenants te"
				      " JOIN teams tm ON tm.tenant_id = te.id WHERE te.id = $1 AND tm.id = $2",
				      3 },
#define TICKET_CANDIDATE_COLS                                                                      \
	"SELECT t.id, t.status, coalesce(extract(epoch FROM t.closed_at)::bigint, 0),"            \
	" coalesce(t.merged_into_id, 0), t.number, (t.requester_id = $3 OR EXISTS (SELECT 1"    \
	" FROM ticket_participants p WHERE p.tenant_id = t.tenant_id AND p.ticket_id = t.id"     \
	" AND p.contact_id = $3)) FROM tickets t WHERE t.tenant_id = $1"
	/* Locked, so the status the decision reads is the committed one: a
	 * snooze timer that woke the ticket meanwhile is waited for, and the
	 * reply does not wake it a second time. */
	[DB_STMT_TICKET_BY_ID] = { TICKET_CANDIDATE_COLS " AND t.id = $2 FOR NO KEY UPDATE OF t", 3 },
	[DB_STMT_TICKET_BY_NUMBER] = { TICKET_CANDIDATE_COLS " AND t.number = $2 FOR NO KEY UPDATE OF t", 3 },
	/* Several stored messages may carry one Message-ID (anyone can send
	 * a copy of a known one): our own outgoing message first, then a
	 * ticket the sender ($3) is on, then the oldest stored, so a planted
	 * duplicate never steers a reply away from its conversation. */
	[DB_STMT_REFS_FIND] = { "SELECT m.message_id, m.ticket_id FROM messages m"
				" JOIN tickets t ON t.tenant_id = m.tenant_id AND t.id = m.ticket_id"
				" WHERE m.tenant_id = $1"
				" AND m.message_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))"
				" ORDER BY (m.direction = 'out') DESC, (t.requester_id = $3 OR EXISTS (SELECT 1"
				" FROM ticket_participants p WHERE p.tenant_id = t.tenant_id AND p.ticket_id = t.id"
				" AND p.contact_id = $3)) DESC, m.received_at, m.id",
				3 },
	/* A closed request is not reopened while another request for its
	 * order and reason is open (tickets_request_open allows one): the
	 * reply joins it all the same, and the second column says so. */
	[DB_STMT_TICKET_TOUCH] = { "WITH o AS (SELECT EXISTS (SELECT 1 FROM tickets t JOIN tickets x"
				   " ON x.tenant_id = t.tenant_id AND x.order_ref = t.order_ref"
				   " AND x.reason_id = t.reason_id AND x.id <> t.id"
				   " AND x.status NOT IN ('closed', 'merged')"
				   " WHERE t.tenant_id = $1 AND t.id = $2 AND t.reason_id IS NOT NULL"
				   " AND t.status IN ('closed', 'merged')) AS taken)"
				   " UPDATE tickets SET last_activity_at = now(), updated_at = now(),"
				   " status = CASE WHEN $3 AND NOT o.taken THEN 'open' ELSE status END,"
				   " closed_at = CASE WHEN $3 AND NOT o.taken THEN NULL ELSE closed_at END,"
				   " snooze_until = CASE WHEN $3 AND NOT o.taken THEN NULL ELSE snooze_until END"
				   " FROM o WHERE tenant_id = $1 AND id = $2 RETURNING number, NOT o.taken",
				   3 },
	[DB_STMT_TICKET_LINK] = { "UPDATE tickets SET linked_ticket_id = $3 WHERE tenant_id = $1 AND id = $2", 3 },
	[DB_STMT_EVENT_INSERT] = { "INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
				   " VALUES ($1, $2, $3, $4, $5)",
				   5 },
	[DB_STMT_PARTICIPANTS_ADD] = {
		"WITH a AS (SELECT DISTINCT lower(x->>'e') AS email, lower(x->>'b') AS base"
		" FROM jsonb_array_elements($3::jsonb) x),"
		" e AS (SELECT email FROM a WHERE email <> ''"
		" AND base NOT IN (SELECT address FROM team_aliases)"
		/* the provider's shared sending domain holds only our addresses */
		" AND coalesce(substring(base from '@([^@]*)$'), '')"
		" NOT IN (SELECT domain FROM sending_domains WHERE tenant_id IS NULL)"
		" AND email NOT IN (SELECT email FROM agents WHERE tenant_id = $1)),"
		" ins AS (INSERT INTO contacts (tenant_id, email) SELECT $1, email FROM e"
		" ON CONFLICT DO NOTHING RETURNING id, email),"
		" ids AS (SELECT id, email FROM ins UNION SELECT c.id, c.email FROM contacts c JOIN e"
		" ON c.tenant_id = $1 AND c.email = e.email),"
		" added AS (INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id)"
		" SELECT $1, $2, id FROM ids"
		" WHERE id <> (SELECT requester_id FROM tickets WHERE tenant_id = $1 AND id = $2)"
		" ON CONFLICT DO NOTHING RETURNING contact_id)"
		" INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
		/* a contact inserted above is not visible in contacts yet */
		" SELECT $1, $2, 'participant.added', 'mail', ids.email FROM added"
		" JOIN ids ON ids.id = added.contact_id",
		3 },
	[DB_STMT_OUTBOUND_TICKET] = { "SELECT coalesce(ticket_id, 0) FROM outbound WHERE tenant_id = $1 AND id = $2", 2 },
};

/* Lets db-conn.c prepare statements it does not know the text of. */
const char *db_stmt_sql(enum db_stmt s, int *n_params_r)
{
	*n_params_r = stmts[s].n_params;
	return stmts[s].sql;
}

const char *db_num(struct db_num *n, int64_t v)
{
	snprintf(n->s, sizeof(n->s), "%" PRId64, v);
	return n->s;
}

int db_stmt_run(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		    const int *formats, ExecStatusType want, PGresult **res_r, char **error_r)
{
	PGresult *res;

	if (res_r != NULL)
		*res_r = NULL;
	/* Nobody reads the rows: in a pipelined transaction it only travels
	 * with the next statement that waits (db-pipe.c). */
	if (res_r == NULL && db->piped)
		return db_stmt_queue(db, s, values, lengths, formats, error_r);
	res = db_stmt_exec(db, s, values, lengths, formats, error_r);
	if (res == NULL)
		return -1;
	if (db_result_check(db, res, want, NULL, error_r) < 0) {
		PQclear(res);
		return -1;
	}
	if (res_r != NULL)
		*res_r = res;
	else
		PQclear(res);
	return 0;
}

/* Splits ALIASLOCAL.TENANT@shared_domain into its two parts (malloc'd);
 * both stay NULL for any other address. Returns whether the address is on
 * the shared domain at all. */
static bool shared_address_split(const char *address, const char *shared_domain, char **local_r, char **tenant_r)
{
	const char *at = strrchr(address, '@'), *dot;

	*local_r = *tenant_r = NULL;
	if (shared_domain == NULL || shared_domain[0] == '\0' || at == NULL || strcasecmp(at + 1, shared_domain) != 0)
		return false;
	dot = memrchr(address, '.', (size_t)(at - address));
	if (dot == NULL || dot == address || dot + 1 == at)
		return true;
	*local_r = xstrndup(address, (size_t)(dot - address));
	*tenant_r = xstrndup(dot + 1, (size_t)(at - dot - 1));
	return true;
}

/* Runs the lookup, once more after a connection lost while idle. */
static int alias_lookup_run(struct db *db, enum db_stmt stmt, const char *const *values, int64_t *tenant_id_r,
			    int64_t *team_id_r, char **error_r)
{
	PGresult *res;
	int found;

	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	if (db_stmt_run(db, stmt, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0) {
		/* A connection that died while idle (server restart) is
		 * noticed only now: reconnect and ask once more. */
		if (PQstatus(db->conn) == CONNECTION_OK)
			return -1;
		free(*error_r);
		*error_r = NULL;
		if (db_conn_ensure(db, error_r) < 0 ||
		    db_stmt_run(db, stmt, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
			return -1;
	}
	found = PQntuples(res) > 0;
	if (found) {
		*tenant_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*team_id_r = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return found;
}

/* The RCPT TO check: which tenant and team an address belongs to. */
int db_alias_lookup(struct db *db, const char *address, const char *shared_domain, int64_t *tenant_id_r,
		    int64_t *team_id_r, char **error_r)
{
	char *local, *tenant;
	int found;

	/* The shared domain's address space is the provider's: an alias row
	 * there (made before maildeskctl refused them) must not take mail
	 * meant for ALIASLOCAL.TENANT. */
	if (shared_address_split(address, shared_domain, &local, &tenant)) {
		const char *values[2] = { local, tenant };
		found = alias_lookup_run(db, DB_STMT_ALIAS_SHARED, values, tenant_id_r, team_id_r, error_r);
	} else {
		const char *values[1] = { address };
		found = alias_lookup_run(db, DB_STMT_ALIAS_LOOKUP, values, tenant_id_r, team_id_r, error_r);
	}
	free(local);
	free(tenant);
	return found;
}

/* The address list as a JSON array of {"name","addr"} for a jsonb column.
 * Returns NULL (with *error_r) when a string is not valid UTF-8. */
static char *addresses_json(const struct db_address *a, size_t n, const char *what, char **error_r)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < n; i++) {
		json_t *name = json_string(a[i].name != NULL ? a[i].name : "");
		json_t *addr = json_string(a[i].addr != NULL ? a[i].addr : "");

		if (name == NULL || addr == NULL) {
			json_decref(name);
			json_decref(addr);
			json_decref(arr);
			*error_r = xasprintf("%s address %zu is not valid UTF-8", what, i + 1);
			return NULL;
		}
		json_array_append_new(arr, json_pack("{s:o,s:o}", "name", name, "addr", addr));
	}
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s == NULL)
		abort();
	return s;
}

/* The References list as a JSON array of strings (turned into text[] in
 * SQL, which avoids quoting an array literal by hand). */
static char *strings_json(const char *const *v, size_t n, char **error_r)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < n; i++) {
		json_t *str = json_string(v[i]);

		if (str == NULL) {
			json_decref(arr);
			*error_r = xasprintf("reference %zu is not valid UTF-8", i + 1);
			return NULL;
		}
		json_array_append_new(arr, str);
	}
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s == NULL)
		abort();
	return s;
}

/* Contract in db-deliver.h. */
int db_raw_store(struct db *db, int64_t tenant_id, const char *raw, size_t len, const char *sha256_hex,
		 char **error_r)
{
	struct db_num t, size;
	const char *values[4] = { db_num(&t, tenant_id), sha256_hex, db_num(&size, (int64_t)len),
				  raw != NULL ? raw : "" };
	int lengths[4] = { 0, 0, 0, (int)len };
	int formats[4] = { 0, 0, 0, 1 };

	if (len > INT32_MAX) {
		*error_r = xasprintf("message of %zu bytes is too large to store", len);
		return -1;
	}
	return db_stmt_run(db, DB_STMT_RAW_INSERT, values, lengths, formats, PGRES_COMMAND_OK, NULL,
			error_r);
}

/* Reads DB_STMT_DUP_FIND's answer: 1 found (ids filled), 0 none. */
static int duplicate_read(PGresult *res, int64_t *message_id_r, int64_t *ticket_number_r)
{
	if (PQntuples(res) == 0)
		return 0;
	*message_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*ticket_number_r = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	return 1;
}

/* Contract in db-deliver.h. */
int db_delivery_stored(struct db *db, int64_t tenant_id, int64_t team_id, const char *sha256_hex, char **error_r)
{
	struct db_num t, tm;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tm, team_id), sha256_hex };
	PGresult *res = NULL;
	int64_t message_id, ticket_number;
	int found;

	if (db_stmt_run(db, DB_STMT_DUP_FIND, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	found = duplicate_read(res, &message_id, &ticket_number);
	PQclear(res);
	return found;
}

/* The contact id from DB_STMT_CONTACT_INSERT's answer (res, consumed); when
 * a concurrent delivery committed it after the statement's snapshot was
 * taken, the next statement sees it. Returns 0 or -1. */
static int contact_read(struct db *db, PGresult *res, const char *const *values, int64_t *contact_id_r,
			char **error_r)
{
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (db_stmt_run(db, DB_STMT_CONTACT_FIND, values, NULL, NULL, PGRES_TUPLES_OK, &res,
			     error_r) < 0)
			return -1;
		if (PQntuples(res) == 0) {
			PQclear(res);
			*error_r = xstrdup("contact vanished while being stored");
			return -1;
		}
	}
	*contact_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Contract in db-deliver.h. */
int db_contact_upsert(struct db *db, int64_t tenant_id, const char *email, const char *name, int64_t *contact_id_r,
		      char **error_r)
{
	struct db_num t;
	const char *values[3] = { db_num(&t, tenant_id), email, name != NULL ? name : "" };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_CONTACT_INSERT, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	return contact_read(db, res, values, contact_id_r, error_r);
}

/* Contract in db-deliver.h: four statements queued, one wait. */
int db_delivery_start(struct db *db, int64_t tenant_id, int64_t team_id, const char *raw, size_t len,
		      const char *sha256_hex, const char *contact_email, const char *contact_name,
		      const char *from_addr, struct db_delivery_start *out, char **error_r)
{
	struct db_num t, tm;
	const char *dup_values[3] = { db_num(&t, tenant_id), db_num(&tm, team_id), sha256_hex };
	const char *contact_values[3] = { dup_values[0], contact_email, contact_name != NULL ? contact_name : "" };
	const char *settings_values[3] = { dup_values[0], dup_values[1], from_addr != NULL ? from_addr : "" };
	PGresult *dup = NULL, *contact = NULL, *settings = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db_raw_store(db, tenant_id, raw, len, sha256_hex, error_r) < 0 ||
	    db_stmt_queue_for(db, DB_STMT_DUP_FIND, dup_values, NULL, NULL, &dup, error_r) < 0 ||
	    db_stmt_queue_for(db, DB_STMT_CONTACT_INSERT, contact_values, NULL, NULL, &contact, error_r) < 0 ||
	    db_stmt_queue_for(db, DB_STMT_THREAD_SETTINGS, settings_values, NULL, NULL, &settings, error_r) < 0 ||
	    db_pipe_wait(db, error_r) < 0) {
		PQclear(dup);
		PQclear(contact);
		PQclear(settings);
		return -1;
	}
	out->duplicate = duplicate_read(dup, &out->message_id, &out->ticket_number) == 1;
	PQclear(dup);
	ret = db_thread_settings_read(settings, &out->settings, error_r);
	PQclear(settings);
	if (ret < 0) {
		PQclear(contact);
		return -1;
	}
	return contact_read(db, contact, contact_values, &out->contact_id, error_r);
}

/* The JSON-encoded columns of a message; all freed by json_cols_free. */
struct json_cols {
	char *to, *cc, *reply_to, *refs;
};

/* Frees whatever json_cols_make() managed to build. */
static void json_cols_free(struct json_cols *j)
{
	free(j->to);
	free(j->cc);
	free(j->reply_to);
	free(j->refs);
}

/* Encodes the list columns of a message before the insert. */
static int json_cols_make(const struct db_message_in *m, struct json_cols *j, char **error_r)
{
	memset(j, 0, sizeof(*j));
	if ((j->to = addresses_json(m->to, m->n_to, "To", error_r)) == NULL ||
	    (j->cc = addresses_json(m->cc, m->n_cc, "Cc", error_r)) == NULL ||
	    (j->reply_to = addresses_json(m->reply_to, m->n_reply_to, "Reply-To", error_r)) == NULL ||
	    (j->refs = strings_json(m->references, m->n_references, error_r)) == NULL) {
		json_cols_free(j);
		return -1;
	}
	return 0;
}

/* Contract in db-deliver.h. */
int db_message_store(struct db *db, int64_t tenant_id, int64_t team_id, int64_t ticket_id, const char *rcpt,
		     const struct db_message_in *m, const char *match_reason, const char *match_detail,
		     int64_t *message_id_r, char **error_r)
{
	struct db_num t, tm, tk, date, defects;
	struct json_cols j;
	PGresult *res;
	int ret;

	if (json_cols_make(m, &j, error_r) < 0)
		return -1;
	const char *values[23] = {
		db_num(&t, tenant_id), db_num(&tk, ticket_id), db_num(&tm, team_id), m->raw_sha256_hex,
		m->envelope_from != NULL ? m->envelope_from : "", rcpt != NULL ? rcpt : "",
		m->from_name, m->from_addr, j.to, j.cc, j.reply_to,
		m->subject != NULL ? m->subject : "", m->date != 0 ? db_num(&date, m->date) : NULL,
		m->message_id, m->in_reply_to, j.refs, m->header_block != NULL ? m->header_block : "",
		m->text_body != NULL ? m->text_body : "", m->html_body,
		m->defects_str != NULL ? m->defects_str : "", db_num(&defects, (int64_t)m->defects),
		match_reason, match_detail,
	};
	ret = db_stmt_run(db, DB_STMT_MESSAGE_INSERT, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r);
	json_cols_free(&j);
	if (ret < 0)
		return -1;
	*message_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Contract in db-deliver.h. */
int db_attachment_store(struct db *db, int64_t tenant_id, int64_t message_id, const struct db_attachment_in *a,
			char **error_r)
{
	struct db_num t, msg, size;
	const char *blob[4] = { db_num(&t, tenant_id), a->sha256_hex, db_num(&size, (int64_t)a->size),
				a->data != NULL ? (const char *)a->data : "" };
	int lengths[4] = { 0, 0, 0, (int)a->size };
	int formats[4] = { 0, 0, 0, 1 };
	const char *row[8] = { t.s, db_num(&msg, message_id), a->filename != NULL ? a->filename : "",
			       a->content_type != NULL ? a->content_type : "application/octet-stream",
			       a->content_id, a->is_inline ? "t" : "f", size.s, a->sha256_hex };

	if (a->size > INT32_MAX) {
		*error_r = xasprintf("attachment of %zu bytes is too large to store", a->size);
		return -1;
	}
	if (db_stmt_run(db, DB_STMT_BLOB_INSERT, blob, lengths, formats, PGRES_COMMAND_OK, NULL,
		     error_r) < 0)
		return -1;
	return db_stmt_run(db, DB_STMT_ATTACHMENT_INSERT, row, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
}

/* Contract in db-deliver.h: a lost race, a deadlock, or a connection that
 * died while idle (server restart). Even if the loss hit the COMMIT and it
 * went through, the next attempt finds the stored message and reports a
 * duplicate, never a second copy. */
bool db_delivery_retryable(struct db *db)
{
	if (PQstatus(db->conn) != CONNECTION_OK)
		return db_conn_ensure(db, NULL) == 0;
	return strcmp(db->sqlstate, "23505") == 0 || strcmp(db->sqlstate, "40P01") == 0 ||
	       strcmp(db->sqlstate, "40001") == 0;
}
