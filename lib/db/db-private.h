#ifndef MD_DB_PRIVATE_H
#define MD_DB_PRIVATE_H
/* Shared between the files of lib/db only: the connection struct, prepared
 * statements and the error helpers. Nothing outside lib/db includes this
 * (the generated db-sql.c among them, for struct db_migration). */
#include <stdbool.h>
#include <stddef.h>

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

#include "db.h"

/* Statements prepared once per connection (again after a reconnect). */
enum db_stmt {
	DB_STMT_ALIAS_LOOKUP,
	DB_STMT_RAW_INSERT,
	DB_STMT_DUP_FIND,
	DB_STMT_CONTACT_INSERT,
	DB_STMT_CONTACT_FIND,
	DB_STMT_TICKET_INSERT,
	DB_STMT_MESSAGE_INSERT,
	DB_STMT_BLOB_INSERT,
	DB_STMT_ATTACHMENT_INSERT,
	DB_STMT_COUNT
};

struct db {
	PGconn *conn;
	unsigned timeout_s;
	bool prepared[DB_STMT_COUNT];
	bool in_tx; /* between db_begin() and db_commit()/db_rollback() */
	char sqlstate[6]; /* of the last failed statement, "" if none */
};

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
/* The SQL text and parameter count of a prepared statement (db-deliver.c). */
const char *db_stmt_sql(enum db_stmt s, int *n_params_r);

#endif
