/* Tickets as the shell commands of lib/desk write them (contract in
 * db-desk-cli.h). */
#include "config.h"
#include "db/db-desk-cli.h"

#include "db/db-desk-private.h"
#include "db/db-private.h"

int db_desk_ticket_lock(struct db *db, int64_t number, struct db_desk_ticket_ref *r, char **error_r)
{
	struct db_num num;
	const char *params[1] = { db_num(&num, number) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db,
		    "SELECT t.tenant_id, t.id, t.status = 'merged', mt.number FROM tickets t LEFT JOIN tickets mt"
		    " ON mt.tenant_id = t.tenant_id AND mt.id = t.merged_into_id WHERE t.number = $1 FOR UPDATE OF t",
		    1, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*r = (struct db_desk_ticket_ref){ .tenant_id = db_desk_cell_int(res, 0, 0),
						  .id = db_desk_cell_int(res, 0, 1),
						  .merged = db_desk_cell_bool(res, 0, 2),
						  .merged_into_number = db_desk_cell_int(res, 0, 3) };
	db_table_free(&res);
	return found;
}

int db_desk_ticket_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };

	return db_exec(db,
		       "UPDATE tickets SET last_activity_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2",
		       2, params, NULL, error_r);
}

/* Runs an INSERT ... RETURNING id and reads the id. */
static int insert_id(struct db *db, const char *sql, size_t n, const char *const *params, int64_t *id_r,
		     char **error_r)
{
	struct db_table *res = NULL;

	if (db_exec(db, sql, n, params, &res, error_r) < 0)
		return -1;
	*id_r = db_desk_cell_int(res, 0, 0);
	db_table_free(&res);
	return 0;
}

int db_desk_contact_upsert(struct db *db, int64_t tenant_id, const char *email, int64_t *contact_id_r,
			   char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), email };

	return insert_id(db,
			 "INSERT INTO contacts (tenant_id, email) VALUES ($1, lower($2)) ON CONFLICT (tenant_id, email)"
			 " DO UPDATE SET email = excluded.email RETURNING id",
			 2, params, contact_id_r, error_r);
}

int db_desk_ticket_create(struct db *db, int64_t tenant_id, int64_t team_id, const char *subject,
			  int64_t requester_id, int64_t assignee_id, int64_t *ticket_id_r, char **error_r)
{
	struct db_num tn, tm, rq, ag;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&tm, team_id), subject, db_num(&rq, requester_id),
				  db_num(&ag, assignee_id) };

	return insert_id(db,
			 "INSERT INTO tickets (tenant_id, team_id, subject, requester_id, assignee_id)"
			 " VALUES ($1, $2, $3, $4, $5) RETURNING id",
			 5, params, ticket_id_r, error_r);
}
