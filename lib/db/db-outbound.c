/* The outbound queue (contract in db-outbound.h): rows are claimed with
 * FOR UPDATE SKIP LOCKED, so several senders never take the same row, and
 * a claim pushes next_attempt_at to the moment it counts as stale, so one
 * partial index (sql/003_outbound.sql) answers "what is due". */
#include "config.h"
#include "db/db-outbound.h"

#include <endian.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-private.h"

#define OUTBOUND_CHANNEL "maildesk_outbound"
#define STMT_FIRST DB_STMT_OUTBOUND_ENQUEUE

/* This file's statements, indexed from STMT_FIRST. */
static const struct {
	const char *sql;
	int n_params;
} out_stmts[DB_STMT_COUNT - STMT_FIRST] = {
	[DB_STMT_OUTBOUND_ENQUEUE - STMT_FIRST] = {
		"WITH ins AS (INSERT INTO outbound (tenant_id, ticket_id, kind, envelope_from, rcpts,"
		" data, message_id) VALUES ($1, nullif($2::bigint, 0), $3, $4,"
		" ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6, $7) RETURNING id)"
		" SELECT id FROM ins",
		7 },
	/* Due: queued, deferred whose backoff ended, or sending whose claim is
	 * stale; all three have next_attempt_at in the past. */
	[DB_STMT_OUTBOUND_CLAIM - STMT_FIRST] = {
		"WITH c AS (SELECT tenant_id, id FROM outbound"
		" WHERE state IN ('queued', 'deferred', 'sending') AND next_attempt_at <= now()"
		" AND (state <> 'sending' OR claimed_by IS DISTINCT FROM $3)"
		" ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)"
		" UPDATE outbound o SET state = 'sending', attempts = o.attempts + 1, claimed_at = now(),"
		" claimed_by = $3, next_attempt_at = now() + make_interval(secs =>"
		" $2::int * ($4::int + cardinality(o.rcpts)) + $5::int)"
		" FROM c WHERE o.tenant_id = c.tenant_id AND o.id = c.id"
		" RETURNING o.id, o.tenant_id, coalesce(o.ticket_id, 0), o.kind, o.envelope_from,"
		" array_to_json(o.rcpts)::text, o.data, o.attempts::bigint,"
		" extract(epoch FROM o.created_at)::bigint",
		5 },
	/* Backoff after attempt n: 2^(n-1) minutes, at most 60. */
	[DB_STMT_OUTBOUND_RESULT - STMT_FIRST] = {
		"UPDATE outbound SET state = CASE WHEN $2::int BETWEEN 200 AND 299 THEN 'sent'"
		" WHEN $2::int BETWEEN 500 AND 599"
		" OR now() >= created_at + make_interval(secs => $4::int) THEN 'failed'"
		" ELSE 'deferred' END,"
		" sent_at = CASE WHEN $2::int BETWEEN 200 AND 299 THEN now() END,"
		" last_code = nullif($2::int, 0), last_error = $3,"
		" next_attempt_at = now() + make_interval(mins => least(60,"
		" 1 << least(greatest(attempts - 1, 0), 6)))"
		" WHERE id = $1 AND state = 'sending' AND claimed_by IS NOT DISTINCT FROM $5"
		" RETURNING state, tenant_id, coalesce(ticket_id, 0), kind,"
		" array_to_string(rcpts, ', '), attempts",
		5 },
	[DB_STMT_OUTBOUND_NEXT_DUE - STMT_FIRST] = {
		"SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()))::bigint"
		" FROM outbound WHERE state IN ('queued', 'deferred', 'sending')",
		0 },
	[DB_STMT_OUTBOUND_RETRY - STMT_FIRST] = {
		"WITH u AS (UPDATE outbound SET state = 'queued', next_attempt_at = now()"
		" WHERE id = $1 AND state IN ('failed', 'deferred') AND purged_at IS NULL RETURNING id)"
		" SELECT (SELECT count(*) FROM u), pg_notify('" OUTBOUND_CHANNEL "', '')",
		1 },
	[DB_STMT_OUTBOUND_FLUSH - STMT_FIRST] = {
		"WITH u AS (UPDATE outbound SET next_attempt_at = now()"
		" WHERE state = 'deferred' AND next_attempt_at > now() RETURNING id)"
		" SELECT (SELECT count(*) FROM u), pg_notify('" OUTBOUND_CHANNEL "', '')",
		0 },
};

static const char *const kind_names[] = {
	[DB_OUTBOUND_REPLY] = "reply",
	[DB_OUTBOUND_NEW] = "new",
	[DB_OUTBOUND_NOTIFICATION] = "notification",
	[DB_OUTBOUND_ACK] = "ack",
	[DB_OUTBOUND_EXPLANATION] = "explanation",
};

/* The text stored in outbound.kind (its CHECK lists the same names). */
const char *db_outbound_kind_name(enum db_outbound_kind k)
{
	return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

/* For logs and the command line. */
const char *db_outbound_state_name(enum db_outbound_state s)
{
	static const char *const names[] = { "none", "sent", "deferred", "failed" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* Keeps SMTP command injection ("x>\r\nRCPT TO:<y") out of the queue. */
bool db_outbound_address_valid(const char *addr, bool empty_ok)
{
	size_t n = strlen(addr);

	if (n == 0)
		return empty_ok;
	if (n > 320)
		return false;
	for (const char *p = addr; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return false;
	}
	return true;
}

/* Prepares one of this file's statements on first use (db_stmt_prepare). */
static int out_prepare(struct db *db, enum db_stmt s, char name[16], char **error_r)
{
	return db_stmt_prepare(db, s, out_stmts[s - STMT_FIRST].sql, out_stmts[s - STMT_FIRST].n_params, name,
			       error_r);
}

/* Runs one of this file's statements. result_format 1 asks for binary
 * columns. Returns the result or NULL with *error_r set. */
static PGresult *out_exec(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
			  const int *formats, int result_format, ExecStatusType want, char **error_r)
{
	char name[16];
	PGresult *res;

	if (out_prepare(db, s, name, error_r) < 0)
		return NULL;
	res = db_pq_exec_prepared(db, name, out_stmts[s - STMT_FIRST].n_params, values, lengths, formats,
				  result_format);
	if (db_result_check(db, res, want, NULL, error_r) < 0) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Queues one of this file's statements in a pipelined transaction. */
static int out_queue(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		     const int *formats, char **error_r)
{
	char name[16];

	if (out_prepare(db, s, name, error_r) < 0)
		return -1;
	return db_pq_send_prepared(db, name, out_stmts[s - STMT_FIRST].n_params, values, lengths, formats, error_r);
}

/* A single statement outside any transaction, asked once more after a
 * reconnect when the connection turned out to be dead (server restart). */
static PGresult *out_run(struct db *db, enum db_stmt s, const char *const *values, int result_format,
			 ExecStatusType want, char **error_r)
{
	PGresult *res;

	if (db_conn_ensure(db, error_r) < 0)
		return NULL;
	if ((res = out_exec(db, s, values, NULL, NULL, result_format, want, error_r)) != NULL ||
	    PQstatus(db->conn) == CONNECTION_OK)
		return res;
	free(*error_r);
	*error_r = NULL;
	if (db_conn_ensure(db, error_r) < 0)
		return NULL;
	return out_exec(db, s, values, NULL, NULL, result_format, want, error_r);
}

/* The recipients as a JSON array for the text[] column. */
static char *rcpts_json(const struct db_outbound_in *o, char **error_r)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < o->n_rcpts; i++) {
		json_t *str = db_outbound_address_valid(o->rcpts[i], false) ? json_string(o->rcpts[i]) : NULL;

		if (str == NULL) {
			json_decref(arr);
			*error_r = xasprintf("outbound recipient %zu is not a valid address", i + 1);
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

/* Contract in db-outbound.h: an insert inside the caller's transaction. */
int db_outbound_enqueue(struct db *db, const struct db_outbound_in *o, int64_t *id_r, char **error_r)
{
	struct db_num t, tk;
	PGresult *res;
	char *rcpts;

	if (!db_in_transaction(db)) {
		*error_r = xstrdup("outbound mail must be queued inside a transaction");
		return -1;
	}
	if (o->n_rcpts == 0 || o->data == NULL || o->len > INT32_MAX ||
	    !db_outbound_address_valid(o->envelope_from != NULL ? o->envelope_from : "", true)) {
		*error_r = xstrdup(o->n_rcpts == 0 ? "outbound mail without recipients"
				   : o->data == NULL || o->len > INT32_MAX ? "outbound mail without valid data"
									   : "outbound envelope sender is not valid");
		return -1;
	}
	if ((rcpts = rcpts_json(o, error_r)) == NULL)
		return -1;
	const char *values[7] = { db_num(&t, o->tenant_id), db_num(&tk, o->ticket_id), db_outbound_kind_name(o->kind),
				  o->envelope_from != NULL ? o->envelope_from : "", rcpts, o->data, o->message_id };
	int lengths[7] = { 0, 0, 0, 0, 0, (int)o->len, 0 };
	int formats[7] = { 0, 0, 0, 0, 0, 1, 0 };

	/* Nobody wants the id: in a pipelined transaction it is only queued. */
	if (id_r == NULL && db->piped) {
		int ret = out_queue(db, DB_STMT_OUTBOUND_ENQUEUE, values, lengths, formats, error_r);

		free(rcpts);
		return ret;
	}
	res = out_exec(db, DB_STMT_OUTBOUND_ENQUEUE, values, lengths, formats, 0, PGRES_TUPLES_OK, error_r);
	free(rcpts);
	if (res == NULL)
		return -1;
	if (id_r != NULL)
		*id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* A binary bigint column. */
static int64_t bin_int64(const PGresult *res, int row, int col)
{
	uint64_t v;

	if (PQgetlength(res, row, col) != (int)sizeof(v))
		return 0;
	memcpy(&v, PQgetvalue(res, row, col), sizeof(v));
	return (int64_t)be64toh(v);
}

/* A binary text or bytea column as a NUL-terminated copy. */
static char *bin_copy(const PGresult *res, int row, int col, size_t *len_r)
{
	size_t n = (size_t)PQgetlength(res, row, col);
	char *s = xmalloc(n + 1);

	memcpy(s, PQgetvalue(res, row, col), n);
	s[n] = '\0';
	if (len_r != NULL)
		*len_r = n;
	return s;
}

/* The recipients of a claimed row, from their JSON form. */
static void claimed_rcpts(struct db_outbound_claimed *c, const char *json)
{
	json_t *arr = json_loads(json, 0, NULL);
	size_t i;
	json_t *v;

	c->rcpts = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach (arr, i, v) {
		if (json_string_value(v) != NULL)
			c->rcpts[c->n_rcpts++] = xstrdup(json_string_value(v));
	}
	json_decref(arr);
}

/* One claimed row out of the (binary) claim result. */
static void claimed_fill(struct db_outbound_claimed *c, const PGresult *res, int row)
{
	char *json = bin_copy(res, row, 5, NULL);

	c->id = bin_int64(res, row, 0);
	c->tenant_id = bin_int64(res, row, 1);
	c->ticket_id = bin_int64(res, row, 2);
	c->kind = bin_copy(res, row, 3, NULL);
	c->envelope_from = bin_copy(res, row, 4, NULL);
	claimed_rcpts(c, json);
	free(json);
	c->data = bin_copy(res, row, 6, &c->len);
	c->attempts = (unsigned)bin_int64(res, row, 7);
	c->created_at = bin_int64(res, row, 8);
}

/* Contract in db-outbound.h. */
void db_outbound_claimer_set(struct db *db, const char *claimer, unsigned relay_timeout_s)
{
	free(db->claimer);
	db->claimer = claimer != NULL ? xstrdup(claimer) : NULL;
	db->relay_timeout_s = relay_timeout_s;
}

/* Contract in db-outbound.h: one statement, so the claim is atomic. */
int db_outbound_claim(struct db *db, size_t max, unsigned stale_s, struct db_outbound_claimed **rows_r,
		      char **error_r)
{
	struct db_num m, t, w, g;
	unsigned timeout = db->relay_timeout_s != 0 ? db->relay_timeout_s : OUTBOUND_RELAY_TIMEOUT_DEFAULT;
	const char *values[5] = { db_num(&m, (int64_t)max), db_num(&t, timeout), db->claimer != NULL ? db->claimer : "",
				  db_num(&w, OUTBOUND_SESSION_WAITS),
				  db_num(&g, stale_s != 0 ? stale_s : OUTBOUND_CLAIM_MARGIN_S) };
	PGresult *res;
	int n;

	*rows_r = NULL;
	if (max == 0)
		return 0;
	if ((res = out_run(db, DB_STMT_OUTBOUND_CLAIM, values, 1, PGRES_TUPLES_OK, error_r)) == NULL)
		return -1;
	n = PQntuples(res);
	if (n > 0)
		*rows_r = xcalloc((size_t)n, sizeof(**rows_r));
	for (int i = 0; i < n; i++)
		claimed_fill(&(*rows_r)[i], res, i);
	PQclear(res);
	return n;
}

/* Frees n claimed rows and NULLs the caller's pointer. */
void db_outbound_claimed_free(struct db_outbound_claimed **rows, size_t n)
{
	if (*rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct db_outbound_claimed *c = &(*rows)[i];

		free(c->kind);
		free(c->envelope_from);
		for (size_t j = 0; j < c->n_rcpts; j++)
			free(c->rcpts[j]);
		free(c->rcpts);
		free(c->data);
	}
	free(*rows);
	*rows = NULL;
}

/* The note on the ticket of a row that will never be delivered. */
static int failure_event_add(struct db *db, const PGresult *res, const char *reply, char **error_r)
{
	char *detail = xasprintf("%s to %s not delivered after %s attempt(s): %s", PQgetvalue(res, 0, 3),
				 PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), reply);
	const char *values[5] = { PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), "undeliverable", "maildeskd",
				  detail };
	const char *note[3] = { values[0], values[1], detail };
	int ret = db_stmt_run(db, DB_STMT_EVENT_INSERT, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);

	/* And an internal note in the ticket's conversation, where agents
	 * read (never sent, like any note). */
	if (ret == 0)
		ret = db_exec(db,
			      "INSERT INTO messages (tenant_id, ticket_id, team_id, direction, from_name, text_body,"
			      " match_reason, match_detail, kind, search_config)"
			      " SELECT tenant_id, id, team_id, 'in', 'maildeskd', $3, 'note',"
			      " 'delivery failure recorded by maildeskd', 'note', " DB_SEARCH_CONFIG " FROM tickets"
			      " WHERE tenant_id = $1 AND id = $2",
			      3, note, NULL, error_r);
	free(detail);
	return ret;
}

/* What the RESULT statement returned, as a state. */
static enum db_outbound_state state_parse(const PGresult *res)
{
	const char *s = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";

	if (strcmp(s, "sent") == 0)
		return DB_OUTBOUND_STATE_SENT;
	if (strcmp(s, "deferred") == 0)
		return DB_OUTBOUND_STATE_DEFERRED;
	if (strcmp(s, "failed") == 0)
		return DB_OUTBOUND_STATE_FAILED;
	return DB_OUTBOUND_STATE_NONE;
}

/* One attempt at recording a result: the update and, for a failure on a
 * ticket, its note, in one transaction. Pipelined, BEGIN travels with the
 * update, so a sent mail costs two round trips, not three. */
static int record_once(struct db *db, const char *const *values, const char *reply,
		       enum db_outbound_state *state_r, char **error_r)
{
	PGresult *res;

	if (db_begin_pipelined(db, error_r) < 0)
		return -1;
	if ((res = out_exec(db, DB_STMT_OUTBOUND_RESULT, values, NULL, NULL, 0, PGRES_TUPLES_OK, error_r)) == NULL)
		goto fail;
	*state_r = state_parse(res);
	if (*state_r == DB_OUTBOUND_STATE_FAILED && strcmp(PQgetvalue(res, 0, 2), "0") != 0 &&
	    failure_event_add(db, res, reply, error_r) < 0) {
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (db_commit(db, error_r) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* A relay's reply as one line of printable ASCII (at most 1000 bytes):
 * PostgreSQL refuses text that is not UTF-8, and a refused update would
 * leave the row "sending" until its claim goes stale. */
static char *reply_clean(const char *reply)
{
	size_t n = reply != NULL ? strnlen(reply, 1000) : 0;
	char *s = xstrndup(reply != NULL ? reply : "", n);

	for (char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = (*p == '\r' || *p == '\n' || *p == '\t') ? ' ' : '?';
	}
	return s;
}

/* Contract in db-outbound.h; retried once after a lost connection (an
 * update that did commit then finds the row no longer "sending"). */
int db_outbound_record(struct db *db, int64_t id, unsigned code, const char *reply, unsigned lifetime_s,
		       enum db_outbound_state *state_r, char **error_r)
{
	struct db_num i, c, l;
	char *clean = reply_clean(reply);
	const char *values[5] = { db_num(&i, id), db_num(&c, code), clean, db_num(&l, lifetime_s),
				  db->claimer != NULL ? db->claimer : "" };
	enum db_outbound_state st = DB_OUTBOUND_STATE_NONE;
	int ret = db_conn_ensure(db, error_r);

	if (ret == 0)
		ret = record_once(db, values, clean, &st, error_r);
	if (ret < 0 && PQstatus(db->conn) != CONNECTION_OK && db_conn_ensure(db, NULL) == 0) {
		free(*error_r);
		*error_r = NULL;
		ret = record_once(db, values, clean, &st, error_r);
	}
	free(clean);
	if (state_r != NULL)
		*state_r = ret == 0 ? st : DB_OUTBOUND_STATE_NONE;
	return ret;
}

/* Contract in db-outbound.h: db_outbound_record without the state. */
int db_outbound_result(struct db *db, int64_t id, unsigned code, const char *reply, unsigned lifetime_s,
		       char **error_r)
{
	return db_outbound_record(db, id, code, reply, lifetime_s, NULL, error_r);
}

/* Contract in db-outbound.h: for the sender's timer. */
int db_outbound_next_due(struct db *db, int64_t *seconds_r, char **error_r)
{
	PGresult *res = out_run(db, DB_STMT_OUTBOUND_NEXT_DUE, NULL, 0, PGRES_TUPLES_OK, error_r);

	if (res == NULL)
		return -1;
	if (PQgetisnull(res, 0, 0))
		*seconds_r = -1;
	else if ((*seconds_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10)) < 0)
		*seconds_r = 0; /* overdue */
	PQclear(res);
	return 0;
}

/* Contract in db-outbound.h. */
int db_outbound_retry(struct db *db, int64_t id, char **error_r)
{
	struct db_num i;
	const char *values[1] = { db_num(&i, id) };
	PGresult *res = out_run(db, DB_STMT_OUTBOUND_RETRY, values, 0, PGRES_TUPLES_OK, error_r);
	int ret;

	if (res == NULL)
		return -1;
	ret = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	return ret;
}

/* Contract in db-outbound.h. */
int db_outbound_flush(struct db *db, size_t *n_r, char **error_r)
{
	PGresult *res = out_run(db, DB_STMT_OUTBOUND_FLUSH, NULL, 0, PGRES_TUPLES_OK, error_r);

	if (res == NULL)
		return -1;
	if (n_r != NULL)
		*n_r = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int db_outbound_wake(struct db *db, char **error_r)
{
	return db_exec(db, "SELECT pg_notify('" OUTBOUND_CHANNEL "', '')", 0, NULL, NULL, error_r);
}

/* Contract in db-outbound.h. The conditions match the partial index
 * outbound_purgeable (sql/009), so only candidates are read; SKIP LOCKED
 * leaves rows another purge (or a bounce, a retry) holds to them. */
int db_outbound_purge(struct db *db, unsigned retention_s, unsigned limit, unsigned *n_r, char **error_r)
{
	struct db_num r, l;
	const char *values[2] = { db_num(&r, retention_s), db_num(&l, limit) };
	struct db_table *t;

	*n_r = 0;
	if (db->in_tx) {
		*error_r = xstrdup("the outbound purge runs in transactions of its own");
		return -1;
	}
	if (db_exec(db,
		    "WITH c AS (SELECT tenant_id, id FROM outbound"
		    " WHERE state IN ('sent', 'failed') AND purged_at IS NULL"
		    " AND coalesce(sent_at, created_at) < now() - $1::bigint * interval '1 second'"
		    " ORDER BY coalesce(sent_at, created_at) LIMIT $2 FOR UPDATE SKIP LOCKED),"
		    " u AS (UPDATE outbound o SET data = ''::bytea, purged_at = now()"
		    " FROM c WHERE o.tenant_id = c.tenant_id AND o.id = c.id RETURNING 1)"
		    " SELECT count(*) FROM u",
		    2, values, &t, error_r) < 0)
		return -1;
	*n_r = (unsigned)strtoul(db_table_get(t, 0, 0), NULL, 10);
	db_table_free(&t);
	return 0;
}

/* Contract in db-outbound.h: each batch commits on its own, so a long
 * purge holds no lock for long and stops halfway without losing work. */
int db_outbound_purge_batches(struct db *db, unsigned retention_s, unsigned max_batches, unsigned *n_r,
			      bool *more_r, char **error_r)
{
	*n_r = 0;
	*more_r = false;
	for (unsigned i = 0; i < max_batches; i++) {
		unsigned n;

		if (db_outbound_purge(db, retention_s, DB_OUTBOUND_PURGE_BATCH, &n, error_r) < 0)
			return -1;
		*n_r += n;
		if (n < DB_OUTBOUND_PURGE_BATCH)
			return 0;
	}
	*more_r = true;
	return 0;
}
