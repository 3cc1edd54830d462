#include "config.h"
#include "db/db-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Any fixed number works; it only has to be the same for every migrator so
 * that concurrent "db migrate" runs take turns. */
#define MIGRATE_LOCK_KEY "7206452843541061"

/* What this build expects, for status output and the schema check. */
unsigned db_schema_version_known(void)
{
	return db_n_migrations > 0 ? db_migrations[db_n_migrations - 1].version : 0;
}

/* Runs one parameterised statement that returns a single value (or none);
 * *value_r is a malloc'd copy or NULL for no row / SQL NULL. */
static int query_value(struct db *db, const char *sql, const char *param, char **value_r,
		       char **error_r)
{
	const char *params[1] = { param };
	PGresult *res = db_pq_exec_params(db, sql, param != NULL ? 1 : 0, params, NULL, NULL, 0);
	int ret = db_result_check(db, res, PGRES_TUPLES_OK, NULL, error_r);

	*value_r = NULL;
	if (ret == 0 && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		*value_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return ret;
}

/* Applies migration m unless it is already recorded; the caller holds the
 * transaction. *ran_r says whether it ran. */
static int migration_apply(struct db *db, const struct db_migration *m, bool *ran_r, char **error_r)
{
	char version[16], *found = NULL;
	const char *params[2] = { version, m->name };
	PGresult *res;
	int ret;

	*ran_r = false;
	snprintf(version, sizeof(version), "%u", m->version);
	if (query_value(db, "SELECT 1 FROM schema_migrations WHERE version = $1", version, &found,
			error_r) < 0)
		return -1;
	if (found != NULL) {
		free(found);
		return 0;
	}
	/* The migration text may hold many statements, so it goes through
	 * the simple query protocol; it carries no data. */
	res = db_pq_exec(db, m->sql);
	ret = db_result_check(db, res, PGRES_COMMAND_OK, m->name, error_r);
	PQclear(res);
	if (ret < 0)
		return -1;
	res = db_pq_exec_params(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
			   params, NULL, NULL, 0);
	ret = db_result_check(db, res, PGRES_COMMAND_OK, m->name, error_r);
	PQclear(res);
	*ran_r = ret == 0;
	return ret;
}

/* One migration in its own transaction, serialised against other migrators
 * by a transaction-scoped advisory lock (released by COMMIT or ROLLBACK). */
static int migration_run(struct db *db, const struct db_migration *m, bool *ran_r, char **error_r)
{
	char *unused = NULL;

	if (db_simple(db, "BEGIN", error_r) < 0)
		return -1;
	if (query_value(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", NULL, &unused,
			error_r) < 0 ||
	    db_simple(db,
		      "CREATE TABLE IF NOT EXISTS schema_migrations ("
		      " version integer PRIMARY KEY,"
		      " name text NOT NULL DEFAULT '',"
		      " applied_at timestamptz NOT NULL DEFAULT now())",
		      error_r) < 0 ||
	    migration_apply(db, m, ran_r, error_r) < 0 || db_simple(db, "COMMIT", error_r) < 0) {
		free(unused);
		db_rollback(db);
		*ran_r = false;
		return -1;
	}
	free(unused);
	return 0;
}

/* Applies the missing migrations one transaction at a time. */
int db_migrate(struct db *db, unsigned *applied_r, char **error_r)
{
	*applied_r = 0;
	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	for (size_t i = 0; i < db_n_migrations; i++) {
		bool ran;

		if (migration_run(db, &db_migrations[i], &ran, error_r) < 0)
			return -1;
		if (ran)
			(*applied_r)++;
	}
	return 0;
}

/* How many of the compiled-in migrations the database has recorded, and the
 * highest version it has (0 when it has none or no schema_migrations). */
static int schema_state(struct db *db, unsigned *known_applied_r, unsigned *db_version_r,
			char **error_r)
{
	char *exists = NULL, *count = NULL, *max = NULL;
	char known[16];
	int ret;

	*known_applied_r = *db_version_r = 0;
	if (query_value(db, "SELECT to_regclass('schema_migrations')::text", NULL, &exists, error_r) < 0)
		return -1;
	if (exists == NULL)
		return 0;
	free(exists);
	snprintf(known, sizeof(known), "%u", db_schema_version_known());
	ret = query_value(db, "SELECT count(*) FROM schema_migrations WHERE version <= $1", known,
			  &count, error_r);
	if (ret == 0)
		ret = query_value(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL,
				  &max, error_r);
	if (ret == 0) {
		*known_applied_r = (unsigned)strtoul(count, NULL, 10);
		*db_version_r = (unsigned)strtoul(max, NULL, 10);
	}
	free(count);
	free(max);
	return ret;
}

/* What the database has, for "maildeskctl db status". */
int db_schema_version(struct db *db, unsigned *version_r, char **error_r)
{
	unsigned known_applied;

	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	return schema_state(db, &known_applied, version_r, error_r);
}

/* Lets the daemon and maildeskctl refuse to run against an old schema. */
int db_schema_check(struct db *db, char **error_r)
{
	unsigned known_applied, version;

	if (db_conn_ensure(db, error_r) < 0 ||
	    schema_state(db, &known_applied, &version, error_r) < 0)
		return -1;
	if (known_applied >= db_n_migrations)
		return 0;
	if (error_r != NULL)
		*error_r = xasprintf("database schema is at version %u, this build needs %u: "
				     "run \"maildeskctl db migrate\"",
				     version, db_schema_version_known());
	return -1;
}
