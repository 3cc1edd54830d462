#ifndef MD_T_PG_LIB_H
#define MD_T_PG_LIB_H
/* Shared by the t/pg-* test programs (storage against a real PostgreSQL
 * that t/test-env starts and names in MD_DATABASE): the program's main, the
 * connection fixture, and SQL for fixtures and assertions. This is the only
 * place outside lib/db that reaches db_exec() (lib/db/db-private.h); the
 * code under test never sees SQL text. */
#include <check.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define PG_TIMEOUT_S 30

/* MD_DATABASE, set by pg_main() before the suite runs. */
extern const char *pg_conninfo;

/* Runs suite() and returns the program's exit status: 0 every test
 * passed, 1 one failed, 99 (a hard error for automake) without
 * MD_DATABASE, with a line on stderr naming the program. */
int pg_main(const char *name, Suite *(*suite)(void));

/* A fresh connection to pg_conninfo; the test fails when there is none. */
struct db *pg_connect(void);
/* pg_connect() with every migration applied: the usual setup. */
struct db *pg_connect_migrated(void);

/* A name no other test or run uses ("PREFIX-PID-SEQ", malloc'd): tenant
 * names and aliases are global. */
char *pg_unique_name(const char *prefix);

/* Runs SQL with n text parameters (NULL: SQL NULL) and returns db_exec()'s
 * result: 0, or -1 with *error_r (malloc'd). *t_r (may be NULL) as db_exec. */
int pg_try(struct db *db, const char *sql, size_t n, const char *const *params, struct db_table **t_r,
	   char **error_r);
/* pg_try() that must succeed (no rows kept). */
void pg_exec(struct db *db, const char *sql, size_t n, const char *const *params);
/* SQL that must succeed: the first cell, malloc'd, or NULL (SQL NULL or
 * no row). */
char *pg_value(struct db *db, const char *sql, size_t n, const char *const *params);
/* pg_value() with the parameters as arguments (up to 8 const char *). */
char *pg_q(struct db *db, const char *sql, size_t n, ...);
char *pg_vq(struct db *db, const char *sql, size_t n, va_list ap);
/* pg_value() as a number: 0 for SQL NULL or no row. */
int64_t pg_int(struct db *db, const char *sql, size_t n, const char *const *params);

#endif
