#ifndef MD_DB_PRIVATE_H
#define MD_DB_PRIVATE_H
/* Shared between the files of lib/db only: the connection struct, prepared
 * statements, db_exec() and the error helpers. Nothing outside lib/db
 * includes this but t/pg-lib.c (the storage tests' fixtures); inside it,
 * the generated db-sql.c does too, for struct db_migration. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The text search configuration a new message of tenant $1 is indexed
 * with (sql/017_search.sql): its tenant's, copied at insert, so that the
 * search index is on the message row alone. */
#define DB_SEARCH_CONFIG "(SELECT search_config FROM tenants WHERE id = $1)"

/* One numbered migration, compiled in from sql/NNN_name.sql by
 * build-aux/sql2c.sh. db_migrations[] is sorted by version. */
struct db_migration {
	unsigned version;
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];
extern const size_t db_n_migrations;

#include <libpq-fe.h>

#include "base/xalloc.h"
#include "db.h"
#include "db-stats.h"

/* Statements prepared once per connection (again after a reconnect). */
enum db_stmt {
	DB_STMT_ALIAS_LOOKUP,
	DB_STMT_ALIAS_SHARED,
	DB_STMT_RAW_INSERT,
	DB_STMT_DUP_FIND,
	DB_STMT_CONTACT_INSERT,
	DB_STMT_CONTACT_FIND,
	DB_STMT_TICKET_INSERT,
	DB_STMT_MESSAGE_INSERT,
	DB_STMT_BLOB_INSERT,
	DB_STMT_ATTACHMENT_INSERT,
	DB_STMT_THREAD_SETTINGS,
	DB_STMT_TICKET_BY_ID,
	DB_STMT_TICKET_BY_NUMBER,
	DB_STMT_REFS_FIND,
	DB_STMT_TICKET_TOUCH,
	DB_STMT_TICKET_LINK,
	DB_STMT_EVENT_INSERT,
	DB_STMT_PARTICIPANTS_ADD,
	DB_STMT_OUTBOUND_TICKET,
	/* lib/db/db-outbound.c: prepared from that file's own table (never
	 * through db_stmt_exec/db_stmt_sql); the enum gives them their names
	 * and their db->prepared flags. */
	DB_STMT_OUTBOUND_ENQUEUE,
	DB_STMT_OUTBOUND_CLAIM,
	DB_STMT_OUTBOUND_RESULT,
	DB_STMT_OUTBOUND_NEXT_DUE,
	DB_STMT_OUTBOUND_RETRY,
	DB_STMT_OUTBOUND_FLUSH,
	DB_STMT_COUNT
};

struct db {
	PGconn *conn;
	unsigned timeout_s;
	bool prepared[DB_STMT_COUNT];
	bool in_tx; /* between db_begin() and db_commit()/db_rollback() */
	unsigned nest; /* db_begin_outer(): 1 + the db_begin()s nested inside it */
	bool piped;         /* in libpq's pipeline mode (db_begin_pipelined) */
	unsigned n_pending; /* statements sent whose results are not read yet */
	unsigned n_risky;   /* of those, the ones that may fail on their own */
	/* Queued statements whose result a caller reads after db_pipe_wait:
	 * the position among the pending ones, and where the result goes. */
	struct db_pipe_want {
		unsigned index;
		PGresult **slot;
	} want[8];
	unsigned n_want;
	char sqlstate[6]; /* of the last failed statement, "" if none */
	char *claimer;    /* who claims outbound rows (db_outbound_claimer_set); NULL: "" */
	unsigned relay_timeout_s; /* the claimer's relay_timeout; 0: OUTBOUND_RELAY_TIMEOUT_DEFAULT */
	/* db_exec() prepares each distinct SQL text once per connection
	 * (most callers run the same few statements for every message). */
	struct db_exec_stmt {
		char *sql;
		unsigned long hash;
	} exec_cache[256];
	size_t n_exec_cache;
};

/* Runs one parameterised statement (params are text, NULL = SQL NULL).
 * table_r may be NULL when no rows are wanted. The only way SQL text
 * reaches the server: lib/db's files only (and t/pg-lib.c, the storage
 * tests' fixtures). */
int db_exec(struct db *db, const char *sql, size_t n_params, const char *const *params,
	    struct db_table **table_r, char **error_r);
/* db_exec() for at most one row: 1 with *t_r (free it), 0 when no row
 * came (*t_r NULL), -1 with *error_r. */
int db_exec_row(struct db *db, const char *sql, size_t n_params, const char *const *params, struct db_table **t_r,
		char **error_r);

/* A cell of a db_exec() result as an owned string ("" for SQL NULL or a
 * missing cell). */
static inline char *db_cell_str(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return xstrdup(v != NULL ? v : "");
}

/* A cell as a number (0 for SQL NULL or a missing cell). */
static inline int64_t db_cell_int(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* A boolean cell: true only for PostgreSQL's "t". */
static inline bool db_cell_bool(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return v != NULL && strcmp(v, "t") == 0;
}

/* Forgets db_exec()'s prepared statements (after a reconnect they are gone). */
void db_exec_cache_clear(struct db *db);

/* Runs a prepared statement and checks its status; *res_r (may be NULL)
 * receives the result on success, to be PQclear()ed by the caller. */
int db_stmt_run(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		const int *formats, ExecStatusType want, PGresult **res_r, char **error_r);

/* A decimal text parameter; PostgreSQL converts it to bigint. */
struct db_num {
	char s[24];
};
const char *db_num(struct db_num *n, int64_t v);

/* Makes sure the connection is usable, reconnecting (PQreset) when it was
 * lost. Fails inside an explicit transaction, which a reconnect would lose. */
int db_conn_ensure(struct db *db, char **error_r);
/* Checks a result against the wanted status. On mismatch records the
 * SQLSTATE, sets *error_r (prefixed with what, may be NULL) and returns -1.
 * Never frees res. */
int db_result_check(struct db *db, PGresult *res, ExecStatusType want, const char *what,
		    char **error_r);
/* Runs a statement without parameters or rows (BEGIN, COMMIT, DDL). */
int db_simple(struct db *db, const char *sql, char **error_r);
/* Executes prepared statement s (preparing it first on this connection).
 * formats may be NULL (all text). Returns the result (check it with
 * db_result_check) or NULL with *error_r set when preparing failed. */
PGresult *db_stmt_exec(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		       const int *formats, char **error_r);
/* Prepares statement s (sql, n_params) on this connection the first time
 * (the flags are reset by a reconnect); its name ("md_N") in name. Returns
 * 0, or -1 with *error_r. */
int db_stmt_prepare(struct db *db, enum db_stmt s, const char *sql, int n_params, char name[16], char **error_r);
/* Whether a transaction is open on the connection (pipelined too). */
bool db_in_transaction(const struct db *db);
/* Like db_stmt_exec, for a pipelined transaction's statement whose result
 * nobody reads: queued, not waited for (see db_pq_send_prepared). With a
 * slot, its result is read after db_pipe_wait (db_pq_send_prepared_for). */
int db_stmt_queue(struct db *db, enum db_stmt s, const char *const *values, const int *lengths, const int *formats,
		  char **error_r);
int db_stmt_queue_for(struct db *db, enum db_stmt s, const char *const *values, const int *lengths,
		      const int *formats, PGresult **slot, char **error_r);
/* Reads DB_STMT_THREAD_SETTINGS's answer (db-candidates.c); does not free
 * res. Returns 0, or -1 for no row (an unknown tenant or team). */
struct db_thread_settings;
int db_thread_settings_read(PGresult *res, struct db_thread_settings *s_r, char **error_r);
/* The SQL text and parameter count of a prepared statement (db-deliver.c). */
const char *db_stmt_sql(enum db_stmt s, int *n_params_r);

/* libpq's calls, each counted as a statement and timed into the
 * round-trip histogram of db-stats.h: every statement lib/db sends goes
 * through one of these (db-pipe.c). Inside a pipelined transaction they
 * first send what is queued, and return the first failure among it
 * instead of their own result when something before them failed. */
PGresult *db_pq_exec(struct db *db, const char *sql);
PGresult *db_pq_exec_params(struct db *db, const char *sql, int n, const char *const *values, const int *lengths,
			    const int *formats, int result_format);
PGresult *db_pq_exec_prepared(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			      const int *formats, int result_format);
PGresult *db_pq_prepare(struct db *db, const char *name, const char *sql, int n);

/* Inside a pipelined transaction only (db->piped): queue a statement
 * without waiting for its result, which the next waiting call or db_flush
 * checks. risky: whether it can fail for a reason of its own (SAVEPOINT
 * and RELEASE cannot; they never make db_flush wait). Returns 0, or -1 with
 * *error_r when it could not even be queued. */
int db_pq_send(struct db *db, const char *sql, bool risky, char **error_r);
int db_pq_send_prepared(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			const int *formats, char **error_r);
/* Queues a statement whose result the caller reads after db_pipe_wait,
 * which stores it (to be PQclear()ed by the caller) in *slot; at most 8
 * such per wait. Returns 0, or -1 with *error_r. */
int db_pq_send_prepared_for(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			    const int *formats, PGresult **slot, char **error_r);
/* Waits for everything queued: 0 with every wanted slot filled, or -1 with
 * the first failure in *error_r and every wanted slot NULL. */
int db_pipe_wait(struct db *db, char **error_r);
/* Enters libpq's pipeline mode (0, or -1 when libpq refuses). */
int db_pipe_enter(struct db *db);
/* Waits for whatever is queued and drops its results and errors (before
 * ROLLBACK TO SAVEPOINT, which must not be skipped for a failure it undoes). */
void db_pipe_drain(struct db *db);
/* Reads whatever is still queued (its errors dropped: the caller is
 * rolling back or has committed) and leaves pipeline mode. */
void db_pipe_leave(struct db *db);

#endif
