/* The t/pg-* programs' shared main, fixture and SQL (contract in
 * pg-lib.h). */
#include "config.h"
#include "pg-lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "db/db-private.h"

const char *pg_conninfo;

int pg_main(const char *name, Suite *(*suite)(void))
{
	SRunner *sr;
	int failed;

	pg_conninfo = getenv("MD_DATABASE");
	if (pg_conninfo == NULL || pg_conninfo[0] == '\0') {
		fprintf(stderr, "%s: MD_DATABASE is not set; run it through t/test-env (make check)\n", name);
		return 99;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

struct db *pg_connect(void)
{
	struct db *d = NULL;
	char *error = NULL;

	if (db_connect(pg_conninfo, PG_TIMEOUT_S, &d, &error) < 0)
		ck_abort_msg("db_connect: %s", error);
	return d;
}

struct db *pg_connect_migrated(void)
{
	struct db *d = pg_connect();
	unsigned applied;
	char *error = NULL;

	ck_assert_msg(db_migrate(d, &applied, &error) == 0, "migrate: %s", error);
	return d;
}

char *pg_unique_name(const char *prefix)
{
	static unsigned seq;

	return xasprintf("%s-%ld-%u", prefix, (long)getpid(), ++seq);
}

int pg_try(struct db *db, const char *sql, size_t n, const char *const *params, struct db_table **t_r,
	   char **error_r)
{
	return db_exec(db, sql, n, params, t_r, error_r);
}

void pg_exec(struct db *db, const char *sql, size_t n, const char *const *params)
{
	char *error = NULL;

	ck_assert_msg(db_exec(db, sql, n, params, NULL, &error) == 0, "%s: %s", sql, error);
}

char *pg_value(struct db *db, const char *sql, size_t n, const char *const *params)
{
	struct db_table *t = NULL;
	char *error = NULL, *v = NULL;

	ck_assert_msg(db_exec(db, sql, n, params, &t, &error) == 0, "%s: %s", sql, error);
	if (t->n_rows > 0 && t->n_cols > 0 && db_table_get(t, 0, 0) != NULL)
		v = xstrdup(db_table_get(t, 0, 0));
	db_table_free(&t);
	return v;
}

char *pg_vq(struct db *db, const char *sql, size_t n, va_list ap)
{
	const char *params[8];

	ck_assert(n <= 8);
	for (size_t i = 0; i < n; i++)
		params[i] = va_arg(ap, const char *);
	return pg_value(db, sql, n, params);
}

char *pg_q(struct db *db, const char *sql, size_t n, ...)
{
	va_list ap;
	char *v;

	va_start(ap, n);
	v = pg_vq(db, sql, n, ap);
	va_end(ap);
	return v;
}

int64_t pg_int(struct db *db, const char *sql, size_t n, const char *const *params)
{
	char *v = pg_value(db, sql, n, params);
	int64_t r = v != NULL ? strtoll(v, NULL, 10) : 0;

	free(v);
	return r;
}
