#include "config.h"
#include "db/db-private.h"
#include "db/db-stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Sets *error_r (when wanted) to a formatted one-line message. */
static void __attribute__((format(printf, 2, 3))) err_set(char **error_r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (error_r == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	*error_r = s != NULL ? s : xstrdup("out of memory");
}

/* libpq messages end in a newline and may carry more lines (DETAIL, HINT);
 * the contract is one line. */
static char *first_line(const char *msg)
{
	if (msg == NULL || *msg == '\0')
		return xstrdup("unknown error");
	return xstrndup(msg, strcspn(msg, "\r\n"));
}

/* Server NOTICEs ("relation already exists, skipping") are not errors and
 * must not reach stderr, where libpq would print them. */
static void notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Applies the per-session settings that must survive a reconnect. */
static int session_setup(struct db *db, char **error_r)
{
	char value[32];
	const char *params[1] = { value };
	PGresult *res;
	int ret;

	PQsetNoticeProcessor(db->conn, notice_ignore, NULL);
	/* Every statement is a key lookup or a write prepared once per
	 * connection: one generic plan each, not a custom plan made again at
	 * every execution (planning was a sixth of PostgreSQL's time in a
	 * delivery; bench/README.md). Plans are made again after ANALYZE. */
	snprintf(value, sizeof(value), "%us", db->timeout_s);
	res = db_pq_exec_params(db,
				"SELECT set_config('statement_timeout', $1, false),"
				" set_config('plan_cache_mode', 'force_generic_plan', false)",
				1, params, NULL, NULL, 0);
	ret = db_result_check(db, res, PGRES_TUPLES_OK, "setting statement_timeout and plan_cache_mode", error_r);
	PQclear(res);
	return ret;
}

/* Contract in db.h; the connection settings live in the PGconn so PQreset keeps them. */
int db_connect(const char *conninfo, unsigned timeout_s, struct db **db_r, char **error_r)
{
	char timeout[16];
	/* Earlier keywords are defaults the conninfo may override; the later
	 * ones are what this module relies on. */
	const char *keys[] = { "connect_timeout", "fallback_application_name", "dbname",
			       "client_encoding", NULL };
	const char *values[] = { timeout, "maildesk", conninfo, "UTF8", NULL };
	struct db *db;

	*db_r = NULL;
	snprintf(timeout, sizeof(timeout), "%u", timeout_s);
	if (timeout_s == 0)
		values[0] = "0";
	db = xcalloc(1, sizeof(*db));
	db->timeout_s = timeout_s;
	db->conn = PQconnectdbParams(keys, values, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		char *line = first_line(db->conn != NULL ? PQerrorMessage(db->conn) : "out of memory");
		err_set(error_r, "cannot connect to the database: %s", line);
		free(line);
		db_close(&db);
		return -1;
	}
	if (session_setup(db, error_r) < 0) {
		db_close(&db);
		return -1;
	}
	*db_r = db;
	return 0;
}

/* Frees a connection and NULLs the caller's pointer. */
void db_close(struct db **db)
{
	if (*db == NULL)
		return;
	if ((*db)->conn != NULL)
		PQfinish((*db)->conn);
	db_exec_cache_clear(*db);
	free((*db)->claimer);
	free(*db);
	*db = NULL;
}

/* Lets every public call recover from a lost connection on its own. */
int db_conn_ensure(struct db *db, char **error_r)
{
	db->sqlstate[0] = '\0';
	if (PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->in_tx) {
		/* Reconnecting now would run the rest of the caller's
		 * transaction outside of it; fail, and reconnect next call. */
		db->in_tx = false;
		err_set(error_r, "connection to the database lost inside a transaction");
		return -1;
	}
	db_pipe_leave(db);
	PQreset(db->conn);
	if (PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF)
		(void)PQexitPipelineMode(db->conn);
	memset(db->prepared, 0, sizeof(db->prepared));
	db_exec_cache_clear(db);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char *line = first_line(PQerrorMessage(db->conn));
		err_set(error_r, "cannot reconnect to the database: %s", line);
		free(line);
		return -1;
	}
	return session_setup(db, error_r);
}

/* One place that turns a PGresult into 0 / -1 with a one-line message. */
int db_result_check(struct db *db, PGresult *res, ExecStatusType want, const char *what,
		    char **error_r)
{
	const char *state, *msg;
	char *line;

	if (res != NULL && PQresultStatus(res) == want) {
		db->sqlstate[0] = '\0';
		return 0;
	}
	db_stats_count_error();
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state != NULL ? state : "");
	msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (msg == NULL && res != NULL && PQresultStatus(res) != PGRES_FATAL_ERROR &&
	    PQresultStatus(res) != PGRES_NONFATAL_ERROR)
		msg = PQresStatus(PQresultStatus(res));
	line = first_line(msg != NULL ? msg : PQerrorMessage(db->conn));
	if (PQstatus(db->conn) != CONNECTION_OK)
		err_set(error_r, "%s%sconnection to the database lost: %s", what ? what : "",
			what ? ": " : "", line);
	else
		err_set(error_r, "%s%s%s", what ? what : "", what ? ": " : "", line);
	free(line);
	return -1;
}

/* For BEGIN/COMMIT and other statements without parameters or rows. */
int db_simple(struct db *db, const char *sql, char **error_r)
{
	PGresult *res = db_pq_exec(db, sql);
	int ret = db_result_check(db, res, PGRES_COMMAND_OK, NULL, error_r);

	PQclear(res);
	return ret;
}

/* Contract in db-private.h. */
int db_stmt_prepare(struct db *db, enum db_stmt s, const char *sql, int n_params, char name[16], char **error_r)
{
	snprintf(name, 16, "md_%d", (int)s);
	if (!db->prepared[s]) {
		PGresult *res = db_pq_prepare(db, name, sql, n_params);
		int ret = db_result_check(db, res, PGRES_COMMAND_OK, "prepare", error_r);

		PQclear(res);
		if (ret < 0)
			return -1;
		db->prepared[s] = true;
	}
	return 0;
}

/* Prepares statement s of db_stmt_sql's table; its name in name. */
static int stmt_prepare(struct db *db, enum db_stmt s, char name[16], int *n_params_r, char **error_r)
{
	const char *sql = db_stmt_sql(s, n_params_r);

	return db_stmt_prepare(db, s, sql, *n_params_r, name, error_r);
}

PGresult *db_stmt_exec(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		       const int *formats, char **error_r)
{
	char name[16];
	int n_params;

	if (stmt_prepare(db, s, name, &n_params, error_r) < 0)
		return NULL;
	return db_pq_exec_prepared(db, name, n_params, values, lengths, formats, 0);
}

/* Contract in db-private.h. */
int db_stmt_queue(struct db *db, enum db_stmt s, const char *const *values, const int *lengths, const int *formats,
		  char **error_r)
{
	char name[16];
	int n_params;

	if (stmt_prepare(db, s, name, &n_params, error_r) < 0)
		return -1;
	return db_pq_send_prepared(db, name, n_params, values, lengths, formats, error_r);
}

/* Contract in db-private.h. */
int db_stmt_queue_for(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		      const int *formats, PGresult **slot, char **error_r)
{
	char name[16];
	int n_params;

	*slot = NULL;
	if (stmt_prepare(db, s, name, &n_params, error_r) < 0)
		return -1;
	return db_pq_send_prepared_for(db, name, n_params, values, lengths, formats, slot, error_r);
}

/* Copies a result into the caller-owned, libpq-free table type. */
static struct db_table *table_from_result(const PGresult *res)
{
	struct db_table *t = xcalloc(1, sizeof(*t));

	t->n_rows = (size_t)PQntuples(res);
	t->n_cols = (size_t)PQnfields(res);
	t->col_names = xcalloc(t->n_cols, sizeof(char *));
	t->cells = xcalloc(t->n_rows * t->n_cols, sizeof(char *));
	for (size_t c = 0; c < t->n_cols; c++)
		t->col_names[c] = xstrdup(PQfname(res, (int)c));
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			if (!PQgetisnull(res, (int)r, (int)c))
				t->cells[r * t->n_cols + c] = xstrdup(PQgetvalue(res, (int)r, (int)c));
		}
	}
	return t;
}

/* The generic path for maildeskctl and tests: text in, text out. */
void db_exec_cache_clear(struct db *db)
{
	for (size_t i = 0; i < db->n_exec_cache; i++)
		free(db->exec_cache[i].sql);
	db->n_exec_cache = 0;
}

/* FNV-1a: cheap, and collisions only cost a strcmp. */
static unsigned long sql_hash(const char *s)
{
	unsigned long h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The name of sql's statement prepared on this connection (preparing it
 * now when new), or NULL when it is to run unprepared: past the cache's
 * size, or when preparing fails (running it then gives PostgreSQL's error).
 * Pipelined, a failure of what was queued before comes back in *failed_r
 * (the statement's result, to be checked and PQclear()ed) with NULL. */
static const char *exec_prepared_name(struct db *db, const char *sql, size_t n_params, char name[16],
				      PGresult **failed_r)
{
	unsigned long h = sql_hash(sql);
	size_t i;

	*failed_r = NULL;
	for (i = 0; i < db->n_exec_cache; i++)
		if (db->exec_cache[i].hash == h && strcmp(db->exec_cache[i].sql, sql) == 0)
			break;
	if (i == db->n_exec_cache) {
		PGresult *res;

		if (i == sizeof(db->exec_cache) / sizeof(db->exec_cache[0]))
			return NULL;
		snprintf(name, 16, "x_%zu", i);
		res = db_pq_prepare(db, name, sql, (int)n_params);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			/* In a transaction the failure (a bad statement, or
			 * what was queued before it) is the answer. */
			if (db->piped || db->in_tx) {
				*failed_r = res != NULL ? res : PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
				return NULL;
			}
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		db->exec_cache[i].sql = xstrdup(sql);
		db->exec_cache[i].hash = h;
		db->n_exec_cache++;
	}
	snprintf(name, 16, "x_%zu", i);
	return name;
}

int db_exec(struct db *db, const char *sql, size_t n_params, const char *const *params,
	    struct db_table **table_r, char **error_r)
{
	char buf[16];
	const char *name;
	PGresult *res;
	ExecStatusType st;

	if (table_r != NULL)
		*table_r = NULL;
	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	name = exec_prepared_name(db, sql, n_params, buf, &res);
	/* In a pipelined transaction a statement whose rows nobody reads is
	 * only queued (db-pipe.c); its failure comes back from the next
	 * waiting call. */
	if (name != NULL && db->piped && table_r == NULL)
		return db_pq_send_prepared(db, name, (int)n_params, params, NULL, NULL, error_r);
	if (res == NULL)
		res = name != NULL ? db_pq_exec_prepared(db, name, (int)n_params, params, NULL, NULL, 0)
				   : db_pq_exec_params(db, sql, (int)n_params, params, NULL, NULL, 0);
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (db_result_check(db, res, st == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK,
			    NULL, error_r) < 0) {
		PQclear(res);
		return -1;
	}
	if (table_r != NULL)
		*table_r = table_from_result(res);
	PQclear(res);
	return 0;
}

/* The savepoint name of nesting level n. */
static const char *nest_name(char buf[16], unsigned n)
{
	snprintf(buf, 16, "nest_%u", n);
	return buf;
}

/* A db_begin() inside db_begin_outer(): a savepoint. */
static int nest_enter(struct db *db, char **error_r)
{
	char name[16];

	if (db_savepoint(db, nest_name(name, db->nest), error_r) < 0)
		return -1;
	db->nest++;
	return 0;
}

/* Its db_commit() (keep) or db_rollback(): releases the savepoint, after
 * undoing what followed it unless keep. A rollback keeps the SQLSTATE of
 * the failure, which callers read after it (db_last_error_was_duplicate). */
static int nest_leave(struct db *db, bool keep, char **error_r)
{
	char name[16], *ignored = NULL, state[sizeof(db->sqlstate)];
	int ret;

	memcpy(state, db->sqlstate, sizeof(state));
	db->nest--;
	nest_name(name, db->nest);
	if (keep)
		return db_release(db, name, error_r);
	ret = db_rollback_to(db, name, error_r != NULL ? error_r : &ignored);
	if (ret == 0)
		ret = db_release(db, name, error_r != NULL ? error_r : &ignored);
	free(ignored);
	memcpy(db->sqlstate, state, sizeof(state));
	return ret;
}

/* Starts an explicit transaction that later calls must not silently leave. */
int db_begin(struct db *db, char **error_r)
{
	if (db->nest > 0 && db->in_tx)
		return nest_enter(db, error_r);
	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	if (db_simple(db, "BEGIN", error_r) < 0)
		return -1;
	db->in_tx = true;
	return 0;
}

/* Contract in db.h. */
int db_begin_outer(struct db *db, char **error_r)
{
	if (db_begin(db, error_r) < 0)
		return -1;
	db->nest = 1;
	return 0;
}

/* Contract in db.h: BEGIN itself travels with the first statement that waits. */
int db_begin_pipelined(struct db *db, char **error_r)
{
	if (db->nest > 0 && db->in_tx)
		return nest_enter(db, error_r);
	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	if (db_pipe_enter(db) < 0)
		return db_result_check(db, NULL, PGRES_COMMAND_OK, "entering pipeline mode", error_r);
	if (db_pq_send(db, "BEGIN", false, error_r) < 0) {
		db_pipe_leave(db);
		return -1;
	}
	db->in_tx = true;
	return 0;
}

/* Commits, and reports a transaction that PostgreSQL turned into a rollback
 * (or, pipelined, a statement queued before COMMIT that failed). */
int db_commit(struct db *db, char **error_r)
{
	PGresult *res;
	int ret;

	if (db->nest > 1 && db->in_tx)
		return nest_leave(db, true, error_r);
	db->nest = 0;
	if (!db->in_tx || PQstatus(db->conn) != CONNECTION_OK) {
		db->in_tx = false;
		db_pipe_leave(db);
		err_set(error_r, "commit: no transaction (connection lost?)");
		return -1;
	}
	res = db_pq_exec(db, "COMMIT");
	ret = db_result_check(db, res, PGRES_COMMAND_OK, "commit", error_r);
	/* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
	if (ret == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		err_set(error_r, "commit: the transaction was rolled back");
		ret = -1;
	}
	PQclear(res);
	/* A failure queued before COMMIT skipped it: the transaction is
	 * still open (aborted) and the caller's db_rollback ends it. */
	if (ret == 0 || !db->piped)
		db->in_tx = false;
	if (ret == 0)
		db_pipe_leave(db);
	return ret;
}

/* Undoes an open transaction; harmless when none is open. */
void db_rollback(struct db *db)
{
	if (db->nest > 1 && db->in_tx) {
		nest_leave(db, false, NULL);
		return;
	}
	db->nest = 0;
	db->in_tx = false;
	db_pipe_leave(db);
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(db_pq_exec(db, "ROLLBACK"));
}

/* Contract in db-private.h: pipelined, libpq learns of the BEGIN only at
 * the first sync and reports "active" while statements are queued. */
bool db_in_transaction(const struct db *db)
{
	return db->piped ? db->in_tx : PQtransactionStatus(db->conn) == PQTRANS_INTRANS ||
					       PQtransactionStatus(db->conn) == PQTRANS_INERROR;
}

/* A savepoint name is an SQL identifier we write ourselves: letters,
 * digits and '_' only, so no quoting is ever needed. */
static bool savepoint_name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 32 || name[0] < 'a' || name[0] > 'z')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* SAVEPOINT / RELEASE SAVEPOINT / ROLLBACK TO SAVEPOINT name. */
static int savepoint_cmd(struct db *db, const char *verb, const char *name, char **error_r)
{
	char sql[80];

	if (!savepoint_name_ok(name)) {
		err_set(error_r, "invalid savepoint name");
		return -1;
	}
	if (PQstatus(db->conn) != CONNECTION_OK || !db_in_transaction(db)) {
		err_set(error_r, "savepoint outside a transaction (connection lost?)");
		return -1;
	}
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	/* Pipelined, SAVEPOINT and a RELEASE with nothing that may fail
	 * before it are queued: neither can fail on its own. */
	if (db->piped && (strcmp(verb, "SAVEPOINT") == 0 ||
			  (strcmp(verb, "RELEASE SAVEPOINT") == 0 && db->n_risky == 0)))
		return db_pq_send(db, sql, false, error_r);
	if (strcmp(verb, "ROLLBACK TO SAVEPOINT") == 0)
		db_pipe_drain(db);
	return db_simple(db, sql, error_r);
}

int db_savepoint(struct db *db, const char *name, char **error_r)
{
	return savepoint_cmd(db, "SAVEPOINT", name, error_r);
}

/* Contract in db.h; a step calls db_flush first to learn its own failure. */
int db_release(struct db *db, const char *name, char **error_r)
{
	return savepoint_cmd(db, "RELEASE SAVEPOINT", name, error_r);
}

int db_rollback_to(struct db *db, const char *name, char **error_r)
{
	return savepoint_cmd(db, "ROLLBACK TO SAVEPOINT", name, error_r);
}

/* Bounds-checked cell access (NULL also for SQL NULL). */
const char *db_table_get(const struct db_table *t, size_t row, size_t col)
{
	if (row >= t->n_rows || col >= t->n_cols)
		return NULL;
	return t->cells[row * t->n_cols + col];
}

/* Frees a table and NULLs the caller's pointer. */
void db_table_free(struct db_table **t)
{
	if (*t == NULL)
		return;
	for (size_t i = 0; i < (*t)->n_rows * (*t)->n_cols; i++)
		free((*t)->cells[i]);
	for (size_t c = 0; c < (*t)->n_cols; c++)
		free((*t)->col_names[c]);
	free((*t)->cells);
	free((*t)->col_names);
	free(*t);
	*t = NULL;
}

/* Lets callers word "already exists" errors without parsing messages. */
bool db_last_error_was_duplicate(const struct db *db)
{
	return strcmp(db->sqlstate, "23505") == 0;
}

/* Contract in db.h. */
bool db_connection_lost(const struct db *db)
{
	/* 57P01-57P03: the server shut down or is not accepting connections
	 * (its FATAL arrives before libpq sees the socket close); 08: a
	 * connection exception. */
	return db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK || strncmp(db->sqlstate, "57P", 3) == 0 ||
	       strncmp(db->sqlstate, "08", 2) == 0;
}
