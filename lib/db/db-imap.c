/* IMAP channels: the administrator's settings, the daemon's lease, status
 * and position (contracts in db-imap.h). */
#include "config.h"
#include "db/db-imap.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

/* Contract in db-imap.h. */
int db_imap_channel_add(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_imap_settings *s,
			int64_t *id_r, char **error_r)
{
	struct db_num tn, mn, pn;
	const char *params[13] = { db_num(&tn, tenant_id), db_num(&mn, team_id), s->host, db_num(&pn, s->port),
				   s->tls, s->ca_file, s->username, s->password_file, s->oauth2_command,
				   s->folder, s->done_action, s->done_folder, s->hold_folder };

	return db_admin_id_query(db,
				 "INSERT INTO imap_channels (tenant_id, team_id, host, port, tls, ca_file, username,"
				 " password_file, oauth2_command, folder, done_action, done_folder, hold_folder)"
				 " VALUES ($1, $2, $3, $4::integer, $5, coalesce($6, ''), $7, coalesce($8, ''),"
				 " coalesce($9, ''), coalesce($10, 'INBOX'), coalesce($11, 'move'),"
				 " coalesce($12, 'Processed'), coalesce($13, 'maildesk-hold')) RETURNING id",
				 13, params, id_r, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-imap.h. */
int db_imap_channel_set(struct db *db, int64_t id, const struct db_imap_settings *s, char **error_r)
{
	struct db_num in, pn;
	const char *params[12] = { db_num(&in, id), s->host, s->port != 0 ? db_num(&pn, s->port) : NULL,
				   s->tls, s->ca_file, s->username, s->password_file, s->oauth2_command,
				   s->folder, s->done_action, s->done_folder, s->hold_folder };

	return db_admin_id_query(db,
				 "UPDATE imap_channels SET host = coalesce($2, host),"
				 " port = coalesce($3::integer, port), tls = coalesce($4, tls),"
				 " ca_file = coalesce($5, ca_file), username = coalesce($6, username),"
				 " password_file = CASE WHEN $8::text IS NOT NULL THEN ''"
				 "  ELSE coalesce($7, password_file) END,"
				 " oauth2_command = CASE WHEN $7::text IS NOT NULL THEN ''"
				 "  ELSE coalesce($8, oauth2_command) END,"
				 " folder = coalesce($9, folder), done_action = coalesce($10, done_action),"
				 " done_folder = coalesce($11, done_folder), hold_folder = coalesce($12, hold_folder),"
				 " config_version = config_version + 1, status = 'changed', status_at = now()"
				 " WHERE id = $1 RETURNING id",
				 12, params, NULL, error_r);
}

/* Contract in db-imap.h. */
int db_imap_channel_pause(struct db *db, int64_t id, bool paused, char **error_r)
{
	struct db_num in;
	const char *params[2] = { db_num(&in, id), paused ? "t" : "f" };

	return db_admin_id_query(db,
				 "UPDATE imap_channels SET paused = $2::boolean,"
				 " status = CASE WHEN $2::boolean THEN 'paused' ELSE 'new' END, status_at = now(),"
				 " lease_holder = CASE WHEN $2::boolean THEN '' ELSE lease_holder END,"
				 " lease_until = CASE WHEN $2::boolean THEN NULL ELSE lease_until END"
				 " WHERE id = $1 RETURNING id",
				 2, params, NULL, error_r);
}

/* Contract in db-imap.h. */
int db_imap_channel_remove(struct db *db, int64_t id, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, id) };

	return db_admin_id_query(db, "DELETE FROM imap_channels WHERE id = $1 RETURNING id", 1, params, NULL,
				 error_r);
}

/* Contract in db-imap.h. */
int db_imap_channel_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_id_or_null(&tn, tenant_id) };

	return db_exec(db,
		       "SELECT c.id, te.name AS tenant, tm.name AS team, c.host, c.port, c.tls, c.username, c.folder,"
		       " CASE c.done_action WHEN 'move' THEN 'move ' || c.done_folder ELSE c.done_action END AS done,"
		       " c.paused, c.status, c.last_error"
		       " FROM imap_channels c JOIN tenants te ON te.id = c.tenant_id"
		       " JOIN teams tm ON tm.tenant_id = c.tenant_id AND tm.id = c.team_id"
		       " WHERE $1::bigint IS NULL OR c.tenant_id = $1 ORDER BY c.id",
		       1, params, t_r, error_r);
}

/* The team's first alias, as a column of a channel row c. */
#define IMAP_ALIAS_SQL                                                                                    \
	"coalesce((SELECT al.address FROM team_aliases al WHERE al.tenant_id = c.tenant_id"               \
	" AND al.team_id = c.team_id ORDER BY al.created_at, al.address LIMIT 1), '')"

/* Contract in db-imap.h. */
int db_imap_channel_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, id) };

	return db_exec_row(db,
			   "SELECT c.id, te.name AS tenant, tm.name AS team, " IMAP_ALIAS_SQL " AS alias, c.host,"
			   " c.port, c.tls, c.ca_file, c.username, c.password_file, c.oauth2_command, c.folder,"
			   " c.done_action, c.done_folder, c.hold_folder, c.paused, c.status, c.last_error,"
			   " " DB_TS("c.status_at") " AS status_at, c.uidvalidity, c.last_uid, c.lease_holder,"
			   " " DB_TS("c.lease_until") " AS lease_until, c.config_version, c.held, c.stuck_uid,"
			   " c.stuck_attempts, c.stuck_error"
			   " FROM imap_channels c JOIN tenants te ON te.id = c.tenant_id"
			   " JOIN teams tm ON tm.tenant_id = c.tenant_id AND tm.id = c.team_id WHERE c.id = $1",
			   1, params, t_r, error_r);
}

/* The columns db_imap_channel_read() reads, from imap_channels c. */
#define IMAP_ROW_SQL                                                                                      \
	"c.id, c.tenant_id, c.team_id, c.host, c.tls, c.ca_file, c.username, c.password_file,"            \
	" c.oauth2_command, c.folder, c.done_action, c.done_folder, c.port, c.uidvalidity, c.last_uid,"   \
	" c.config_version, " IMAP_ALIAS_SQL ", c.hold_folder"

/* One row of IMAP_ROW_SQL into c. */
static void channel_read(const struct db_table *t, size_t row, struct db_imap_channel *c)
{
	c->id = db_cell_int(t, row, 0);
	c->tenant_id = db_cell_int(t, row, 1);
	c->team_id = db_cell_int(t, row, 2);
	c->host = db_cell_str(t, row, 3);
	c->tls = db_cell_str(t, row, 4);
	c->ca_file = db_cell_str(t, row, 5);
	c->username = db_cell_str(t, row, 6);
	c->password_file = db_cell_str(t, row, 7);
	c->oauth2_command = db_cell_str(t, row, 8);
	c->folder = db_cell_str(t, row, 9);
	c->done_action = db_cell_str(t, row, 10);
	c->done_folder = db_cell_str(t, row, 11);
	c->port = (unsigned)db_cell_int(t, row, 12);
	c->uidvalidity = db_cell_int(t, row, 13);
	c->last_uid = db_cell_int(t, row, 14);
	c->config_version = (int)db_cell_int(t, row, 15);
	c->alias = db_cell_str(t, row, 16);
	c->hold_folder = db_cell_str(t, row, 17);
}

/* Contract in db-imap.h. */
void db_imap_channel_clear(struct db_imap_channel *c)
{
	if (c == NULL)
		return;
	free(c->host);
	free(c->tls);
	free(c->ca_file);
	free(c->username);
	free(c->password_file);
	free(c->oauth2_command);
	free(c->folder);
	free(c->done_action);
	free(c->done_folder);
	free(c->alias);
	free(c->hold_folder);
	memset(c, 0, sizeof(*c));
}

/* Contract in db-imap.h. */
int db_imap_channel_get(struct db *db, int64_t id, struct db_imap_channel *c, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, id) };
	struct db_table *t = NULL;
	int found = db_exec_row(db, "SELECT " IMAP_ROW_SQL " FROM imap_channels c WHERE c.id = $1", 1, params, &t,
				error_r);

	if (found > 0)
		channel_read(t, 0, c);
	db_table_free(&t);
	return found;
}

/* Contract in db-imap.h. SKIP LOCKED: two daemons renewing at once never
 * wait for each other, and each row goes to one of them. */
int db_imap_lease(struct db *db, const char *holder, unsigned lease_s, size_t max, struct db_imap_channel **c_r,
		  size_t *n_r, char **error_r)
{
	struct db_num ln, mn;
	const char *params[3] = { holder, db_num(&ln, lease_s), db_num(&mn, (int64_t)max) };
	struct db_table *t = NULL;

	*c_r = NULL;
	*n_r = 0;
	if (db_exec(db,
		    "WITH mine AS (SELECT id FROM imap_channels WHERE NOT paused AND (lease_holder = $1"
		    " OR lease_until IS NULL OR lease_until < now())"
		    " ORDER BY lease_holder = $1 DESC, id LIMIT $3::integer FOR UPDATE SKIP LOCKED)"
		    " UPDATE imap_channels c SET lease_holder = $1,"
		    " lease_until = now() + make_interval(secs => $2::integer)"
		    " FROM mine WHERE c.id = mine.id RETURNING " IMAP_ROW_SQL,
		    3, params, &t, error_r) < 0)
		return -1;
	*n_r = t->n_rows;
	*c_r = xcalloc(t->n_rows + 1, sizeof(**c_r));
	for (size_t i = 0; i < t->n_rows; i++)
		channel_read(t, i, &(*c_r)[i]);
	db_table_free(&t);
	return 0;
}

/* Contract in db-imap.h. */
int db_imap_lease_release(struct db *db, const char *holder, int64_t id, char **error_r)
{
	struct db_num in;
	const char *params[2] = { holder, db_num(&in, id) };

	return db_exec(db, "UPDATE imap_channels SET lease_holder = '', lease_until = NULL"
			   " WHERE id = $2 AND lease_holder = $1",
		       2, params, NULL, error_r);
}

/* Contract in db-imap.h. */
int db_imap_status_set(struct db *db, const char *holder, int64_t id, const char *status, const char *last_error,
		       char **error_r)
{
	struct db_num in;
	const char *params[4] = { holder, db_num(&in, id), status, last_error };

	return db_exec(db,
		       "UPDATE imap_channels SET status = $3, last_error = $4, status_at = now()"
		       " WHERE id = $2 AND lease_holder = $1 AND NOT paused",
		       4, params, NULL, error_r);
}

/* Contract in db-imap.h. */
int db_imap_position_reset(struct db *db, int64_t id, int64_t uidvalidity, char **error_r)
{
	struct db_num in, vn;
	const char *params[2] = { db_num(&in, id), db_num(&vn, uidvalidity) };

	return db_exec(db,
		       "UPDATE imap_channels SET uidvalidity = $2, last_uid = 0, stuck_uid = 0, stuck_attempts = 0,"
		       " stuck_error = '' WHERE id = $1",
		       2, params, NULL, error_r);
}

/* Contract in db-imap.h. The lease check is md_imap_position_set's
 * (sql/020), which raises when holder lost the lease. */
int db_imap_position_set(struct db *db, const struct db_channel_pos *pos, char **error_r)
{
	struct db_num in, vn, un;
	const char *params[4] = { db_num(&in, pos->channel_id), pos->holder, db_num(&vn, pos->uidvalidity),
				  db_num(&un, pos->uid) };

	return db_exec(db, "SELECT md_imap_position_set($1::bigint, $2, $3::bigint, $4::bigint)", 4, params, NULL,
		       error_r);
}

/* Contract in db-imap.h. */
int db_imap_attempt_failed(struct db *db, const char *holder, int64_t id, int64_t uid, const char *error,
			   unsigned *attempts_r, char **error_r)
{
	struct db_num in, un;
	const char *params[4] = { holder, db_num(&in, id), db_num(&un, uid), error };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"UPDATE imap_channels SET stuck_attempts = CASE WHEN stuck_uid = $3::bigint"
				" THEN stuck_attempts + 1 ELSE 1 END, stuck_uid = $3::bigint, stuck_error = $4"
				" WHERE id = $2 AND lease_holder = $1 RETURNING stuck_attempts",
				4, params, &t, error_r);

	if (found > 0)
		*attempts_r = (unsigned)db_cell_int(t, 0, 0);
	db_table_free(&t);
	return found;
}

/* Contract in db-imap.h. */
int db_imap_held(struct db *db, const struct db_channel_pos *pos, char **error_r)
{
	struct db_num in, vn, un;
	const char *params[4] = { db_num(&in, pos->channel_id), pos->holder, db_num(&vn, pos->uidvalidity),
				  db_num(&un, pos->uid) };
	struct db_table *t = NULL;
	int found;

	if (db_begin(db, error_r) < 0)
		return -1;
	found = db_exec_row(db,
			    "UPDATE imap_channels SET held = held + 1 WHERE id = $1 AND lease_holder = $2"
			    " RETURNING id",
			    2, params, &t, error_r);
	db_table_free(&t);
	if (found < 0 || (found > 0 && db_imap_position_set(db, pos, error_r) < 0) ||
	    (found > 0 && db_commit(db, error_r) < 0)) {
		db_rollback(db);
		return -1;
	}
	if (found == 0)
		db_rollback(db);
	return found;
}
