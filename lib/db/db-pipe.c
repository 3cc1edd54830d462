/* Every statement lib/db sends goes through this file. Outside a pipelined
 * transaction each call is libpq's synchronous one, timed as one round
 * trip. Inside one (db_begin_pipelined, used by the delivery) libpq's
 * pipeline mode lets a statement whose result nobody reads be sent without
 * waiting: it travels with the next statement that needs an answer, and
 * its failure is reported there, so one round trip carries several
 * statements and no error is ever lost. */
#include "config.h"
#include "db/db-private.h"

#include <stdlib.h>
#include <string.h>

/* Where the result of the index-th pending statement goes, or NULL. */
static PGresult **wanted_slot(struct db *db, unsigned index)
{
	for (unsigned i = 0; i < db->n_want; i++)
		if (db->want[i].index == index)
			return db->want[i].slot;
	return NULL;
}

/* Reads every result up to the sync point PQpipelineSync set. Returns the
 * first failed result if any statement failed (later ones were skipped by
 * the server), else the last statement's result when want_last, else NULL.
 * Wanted results go to their slots (all NULL when anything failed).
 * *ok_r says whether nothing failed. */
static PGresult *read_to_sync(struct db *db, bool want_last, bool *ok_r)
{
	PGresult *keep = NULL;
	unsigned done = 0; /* statements whose results are complete */
	bool failed = false;

	for (;;) {
		PGresult *r = PQgetResult(db->conn);
		ExecStatusType st;

		if (r == NULL) {
			/* NULL ends one statement's results; on a dead
			 * connection no sync point will ever come. */
			if (PQstatus(db->conn) != CONNECTION_OK || ++done > db->n_pending) {
				failed = true;
				break;
			}
			continue;
		}
		st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (!failed && st == PGRES_FATAL_ERROR) {
			PQclear(keep);
			keep = r;
			failed = true;
		} else if (!failed && wanted_slot(db, done) != NULL) {
			PQclear(*wanted_slot(db, done));
			*wanted_slot(db, done) = r;
		} else if (!failed && want_last && done + 1 == db->n_pending) {
			PQclear(keep);
			keep = r;
		} else {
			PQclear(r);
		}
	}
	/* A failed pipeline hands out no partial results. */
	for (unsigned i = 0; failed && i < db->n_want; i++) {
		PQclear(*db->want[i].slot);
		*db->want[i].slot = NULL;
	}
	db->n_want = 0;
	db->n_pending = 0;
	db->n_risky = 0;
	*ok_r = !failed;
	if (failed && keep != NULL && PQresultStatus(keep) != PGRES_FATAL_ERROR) {
		PQclear(keep);
		keep = NULL;
	}
	return keep;
}

/* Marks the end of what was sent and waits for all of it: one round trip. */
static PGresult *pipe_sync(struct db *db, bool want_last, bool *ok_r)
{
	double t0 = db_stats_now();
	PGresult *res;

	if (PQpipelineSync(db->conn) != 1) {
		*ok_r = false;
		db->n_pending = db->n_risky = db->n_want = 0;
		return NULL;
	}
	res = read_to_sync(db, want_last, ok_r);
	db_stats_observe_round_trip(db_stats_now() - t0);
	return res;
}

/* Sends one statement's worth of protocol; NULL sql means prepared name. */
static int pipe_send(struct db *db, const char *sql, const char *name, int n, const char *const *values,
		     const int *lengths, const int *formats, int result_format, bool risky)
{
	int sent = sql != NULL ? PQsendQueryParams(db->conn, sql, n, NULL, values, lengths, formats, result_format)
			       : PQsendQueryPrepared(db->conn, name, n, values, lengths, formats, result_format);

	db_stats_count_statement();
	if (sent != 1)
		return -1;
	db->n_pending++;
	if (risky)
		db->n_risky++;
	return 0;
}

/* Sends and waits: the statement's result, or the first failure before it. */
static PGresult *pipe_exec(struct db *db, const char *sql, const char *name, int n, const char *const *values,
			   const int *lengths, const int *formats, int result_format)
{
	bool ok;

	if (pipe_send(db, sql, name, n, values, lengths, formats, result_format, true) < 0) {
		/* Nothing of ours was queued: collect what was, for its error. */
		if (db->n_pending > 0)
			return pipe_sync(db, false, &ok);
		return NULL;
	}
	return pipe_sync(db, true, &ok);
}

PGresult *db_pq_exec(struct db *db, const char *sql)
{
	double t0;
	PGresult *res;

	if (db->piped)
		return pipe_exec(db, sql, NULL, 0, NULL, NULL, NULL, 0);
	db_stats_count_statement();
	t0 = db_stats_now();
	res = PQexec(db->conn, sql);
	db_stats_observe_round_trip(db_stats_now() - t0);
	return res;
}

PGresult *db_pq_exec_params(struct db *db, const char *sql, int n, const char *const *values, const int *lengths,
			    const int *formats, int result_format)
{
	double t0;
	PGresult *res;

	if (db->piped)
		return pipe_exec(db, sql, NULL, n, values, lengths, formats, result_format);
	db_stats_count_statement();
	t0 = db_stats_now();
	res = PQexecParams(db->conn, sql, n, NULL, values, lengths, formats, result_format);
	db_stats_observe_round_trip(db_stats_now() - t0);
	return res;
}

PGresult *db_pq_exec_prepared(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			      const int *formats, int result_format)
{
	double t0;
	PGresult *res;

	if (db->piped)
		return pipe_exec(db, NULL, name, n, values, lengths, formats, result_format);
	db_stats_count_statement();
	t0 = db_stats_now();
	res = PQexecPrepared(db->conn, name, n, values, lengths, formats, result_format);
	db_stats_observe_round_trip(db_stats_now() - t0);
	return res;
}

/* Preparing happens once per connection, so inside a pipeline it leaves
 * pipeline mode for a moment (after collecting what is queued) rather than
 * queue a prepare whose failure would leave the flag that says "prepared"
 * wrong. Returns the prepare's result, or the earlier failure. */
PGresult *db_pq_prepare(struct db *db, const char *name, const char *sql, int n)
{
	double t0;
	PGresult *res;

	if (db->piped) {
		bool ok = true;

		if (db->n_pending > 0) {
			res = pipe_sync(db, false, &ok);
			if (!ok)
				return res;
			PQclear(res);
		}
		if (PQexitPipelineMode(db->conn) != 1)
			return NULL;
		db->piped = false;
		res = db_pq_prepare(db, name, sql, n);
		if (PQenterPipelineMode(db->conn) != 1) {
			PQclear(res);
			return NULL;
		}
		db->piped = true;
		return res;
	}
	t0 = db_stats_now();
	res = PQprepare(db->conn, name, sql, n, NULL);
	db_stats_observe_round_trip(db_stats_now() - t0);
	return res;
}

/* Contract in db-private.h. */
int db_pq_send(struct db *db, const char *sql, bool risky, char **error_r)
{
	if (pipe_send(db, sql, NULL, 0, NULL, NULL, NULL, 0, risky) < 0)
		return db_result_check(db, NULL, PGRES_COMMAND_OK, NULL, error_r);
	return 0;
}

/* Contract in db-private.h. */
int db_pq_send_prepared(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			const int *formats, char **error_r)
{
	if (pipe_send(db, NULL, name, n, values, lengths, formats, 0, true) < 0)
		return db_result_check(db, NULL, PGRES_COMMAND_OK, NULL, error_r);
	return 0;
}

/* Contract in db-private.h. */
int db_pq_send_prepared_for(struct db *db, const char *name, int n, const char *const *values, const int *lengths,
			    const int *formats, PGresult **slot, char **error_r)
{
	*slot = NULL;
	if (!db->piped || db->n_want == sizeof(db->want) / sizeof(db->want[0])) {
		/* Not pipelined (or too many): an ordinary waiting call. */
		*slot = db_pq_exec_prepared(db, name, n, values, lengths, formats, 0);
		if (*slot != NULL && (PQresultStatus(*slot) == PGRES_TUPLES_OK ||
				      PQresultStatus(*slot) == PGRES_COMMAND_OK))
			return 0;
		db_result_check(db, *slot, PGRES_TUPLES_OK, NULL, error_r);
		PQclear(*slot);
		*slot = NULL;
		return -1;
	}
	db->want[db->n_want].index = db->n_pending;
	db->want[db->n_want].slot = slot;
	if (pipe_send(db, NULL, name, n, values, lengths, formats, 0, true) < 0)
		return db_result_check(db, NULL, PGRES_COMMAND_OK, NULL, error_r);
	db->n_want++;
	return 0;
}

/* Contract in db-private.h. */
int db_pipe_wait(struct db *db, char **error_r)
{
	bool ok;
	PGresult *res;
	int ret = 0;

	if (!db->piped || db->n_pending == 0)
		return 0;
	res = pipe_sync(db, false, &ok);
	if (!ok)
		ret = db_result_check(db, res, PGRES_COMMAND_OK, NULL, error_r);
	PQclear(res);
	return ret;
}

/* Contract in db.h: db_pipe_wait, unless only what cannot fail is queued. */
int db_flush(struct db *db, char **error_r)
{
	if (!db->piped || db->n_risky == 0)
		return 0;
	return db_pipe_wait(db, error_r);
}

/* Contract in db-private.h. */
int db_pipe_enter(struct db *db)
{
	if (PQenterPipelineMode(db->conn) != 1)
		return -1;
	db->piped = true;
	db->n_pending = db->n_risky = db->n_want = 0;
	return 0;
}

/* Contract in db-private.h. */
void db_pipe_drain(struct db *db)
{
	if (db->piped && db->n_pending > 0 && PQstatus(db->conn) == CONNECTION_OK) {
		bool ok;

		PQclear(pipe_sync(db, false, &ok));
	}
	db->n_pending = db->n_risky = db->n_want = 0;
}

/* Contract in db-private.h. */
void db_pipe_leave(struct db *db)
{
	if (!db->piped)
		return;
	db_pipe_drain(db);
	db->piped = false;
	/* Fails only on a dead connection, which PQreset takes out of
	 * pipeline mode anyway. */
	(void)PQexitPipelineMode(db->conn);
}
