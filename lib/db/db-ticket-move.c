/* Typed operations on who takes part in a ticket and on moving messages
 * between tickets (split, merge), with the row lock maildeskctl takes
 * first (contracts in db-ticket.h). */
#include "config.h"
#include "db/db-ticket.h"
#include "db-private.h"
#include "db-ticket-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-ticket.h. */
int db_ticket_cc_check(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
		       bool *is_requester_r, bool *is_agent_r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), address };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT (SELECT email FROM contacts c JOIN tickets t ON t.tenant_id = c.tenant_id"
		    " AND c.id = t.requester_id WHERE t.tenant_id = $1 AND t.id = $2) = lower($3),"
		    " EXISTS (SELECT 1 FROM agents WHERE tenant_id = $1 AND email = lower($3))",
		    3, params, &res, error_r) < 0)
		return -1;
	*is_requester_r = db_table_get(res, 0, 0) != NULL && strcmp(db_table_get(res, 0, 0), "t") == 0;
	*is_agent_r = strcmp(db_table_get(res, 0, 1), "t") == 0;
	db_table_free(&res);
	return 0;
}

/* Contract in db-ticket.h. */
int db_ticket_participant_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
			      char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), address };
	int rows = db_ticket_run(db,
				 "WITH c AS (INSERT INTO contacts (tenant_id, email) VALUES ($1, lower($3))"
				 " ON CONFLICT (tenant_id, email) DO UPDATE SET email = EXCLUDED.email RETURNING id)"
				 " INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id) SELECT $1, $2, id"
				 " FROM c ON CONFLICT DO NOTHING RETURNING contact_id",
				 3, params, NULL, error_r);

	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-ticket.h. */
int db_ticket_participant_remove(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
				 char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), address };
	int rows = db_ticket_run(db,
				 "DELETE FROM ticket_participants p USING contacts c WHERE p.tenant_id = $1"
				 " AND p.ticket_id = $2 AND c.tenant_id = p.tenant_id AND c.id = p.contact_id"
				 " AND c.email = lower($3) RETURNING c.id",
				 3, params, NULL, error_r);

	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-ticket.h. */
int db_ticket_lock_number(struct db *db, int64_t number, struct db_ticket_row *t, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, number) };
	struct db_table *r = NULL;
	int found;

	memset(t, 0, sizeof(*t));
	found = db_exec_row(db,
			    "SELECT t.number, t.id, t.tenant_id, t.team_id, t.status, t.requester_id, t.priority,"
			    " coalesce(mt.number, 0) FROM tickets t"
			    " LEFT JOIN tickets mt ON mt.tenant_id = t.tenant_id AND mt.id = t.merged_into_id"
			    " WHERE t.number = $1 FOR UPDATE OF t",
			    1, params, &r, error_r);
	if (found <= 0)
		return found;
	*t = (struct db_ticket_row){
		.number = db_cell_int(r, 0, 0), .id = db_cell_int(r, 0, 1), .tenant_id = db_cell_int(r, 0, 2),
		.team_id = db_cell_int(r, 0, 3), .requester_id = db_cell_int(r, 0, 5),
		.priority = (int)db_cell_int(r, 0, 6), .merged_into_number = db_cell_int(r, 0, 7),
	};
	snprintf(t->status, sizeof(t->status), "%s", db_table_get(r, 0, 4));
	db_table_free(&r);
	return 1;
}

/* Contract in db-ticket.h. */
int db_ticket_actor(struct db *db, int64_t tenant_id, const char *email, char **tenant_name_r,
		    char **agent_email_r, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), email };
	struct db_table *t = NULL;
	int found;

	*tenant_name_r = *agent_email_r = NULL;
	if (db_exec(db,
		    "SELECT n.name, g.email FROM tenants n"
		    " LEFT JOIN agents g ON g.tenant_id = n.id AND g.email = lower($2) WHERE n.id = $1",
		    2, params, &t, error_r) < 0)
		return -1;
	found = t->n_rows > 0;
	if (found) {
		*tenant_name_r = xstrdup(db_table_get(t, 0, 0));
		*agent_email_r = db_table_get(t, 0, 1) != NULL ? xstrdup(db_table_get(t, 0, 1)) : NULL;
	}
	db_table_free(&t);
	return found;
}

/* Contract in db-ticket.h. */
int db_split_message_find(struct db *db, int64_t tenant_id, int64_t message_id, struct db_split_message *m,
			  char **error_r)
{
	struct db_num tn, id;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&id, message_id) };
	struct db_table *r = NULL;
	int found;

	memset(m, 0, sizeof(*m));
	found = db_exec_row(db,
			    "SELECT m.ticket_id, x.number, m.id, m.from_addr, m.from_name, m.subject,"
			    " (SELECT count(*) FROM messages WHERE tenant_id = $1 AND ticket_id = m.ticket_id)"
			    " FROM messages m JOIN tickets x ON x.tenant_id = m.tenant_id AND x.id = m.ticket_id"
			    " WHERE m.tenant_id = $1 AND m.id = $2 FOR UPDATE OF m",
			    2, params, &r, error_r);
	if (found <= 0)
		return found;
	*m = (struct db_split_message){
		.ticket_id = db_cell_int(r, 0, 0), .ticket_number = db_cell_int(r, 0, 1), .id = db_cell_int(r, 0, 2),
		.from_addr = db_cell_str(r, 0, 3), .from_name = db_cell_str(r, 0, 4), .subject = db_cell_str(r, 0, 5),
		.n_on_ticket = db_cell_int(r, 0, 6),
	};
	db_table_free(&r);
	return 1;
}

/* Contract in db-ticket.h. */
void db_split_message_free(struct db_split_message *m)
{
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	memset(m, 0, sizeof(*m));
}

/* Contract in db-ticket.h. */
int db_ticket_create(struct db *db, const struct db_ticket_new *n, int64_t *id_r, int64_t *number_r,
		     char **error_r)
{
	struct db_num tn, tm, rq, pr, ln, as;
	const char *params[7] = { db_num(&tn, n->tenant_id), db_num(&tm, n->team_id), n->subject,
				  db_num(&rq, n->requester_id), db_num(&pr, n->priority),
				  n->linked_ticket_id != 0 ? db_num(&ln, n->linked_ticket_id) : NULL,
				  n->assignee_id != 0 ? db_num(&as, n->assignee_id) : NULL };
	struct db_table *r = NULL;

	if (db_exec(db,
		    "INSERT INTO tickets (tenant_id, team_id, subject, requester_id, priority, linked_ticket_id,"
		    " assignee_id) VALUES ($1, $2, coalesce(nullif($3, ''), '(no subject)'), $4, $5, $6, $7)"
		    " RETURNING id, number",
		    7, params, &r, error_r) < 0)
		return -1;
	*id_r = strtoll(db_table_get(r, 0, 0), NULL, 10);
	*number_r = strtoll(db_table_get(r, 0, 1), NULL, 10);
	db_table_free(&r);
	return 0;
}

/* Contract in db-ticket.h. */
int db_ticket_message_move(struct db *db, int64_t tenant_id, int64_t message_id, int64_t from_ticket_id,
			   int64_t ticket_id, const char *reason, const char *detail, char **error_r)
{
	struct db_num tn, id, tk, from;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&id, message_id), db_num(&tk, ticket_id), reason,
				  detail };
	const char *touch[2] = { params[0], db_num(&from, from_ticket_id) };

	if (db_exec(db,
		    "UPDATE messages SET ticket_id = $3, match_reason = $4, match_detail = $5"
		    " WHERE tenant_id = $1 AND id = $2",
		    5, params, NULL, error_r) < 0)
		return -1;
	return db_exec(db, "UPDATE tickets SET updated_at = now() WHERE tenant_id = $1 AND id = $2", 2, touch, NULL,
		       error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_merge(struct db *db, int64_t tenant_id, int64_t into_id, int64_t from_id, int64_t *moved_r,
		    char **error_r)
{
	struct db_num tn, in, fr;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&in, into_id), db_num(&fr, from_id) };
	char *count = NULL;

	if (db_ticket_run(db,
			  "WITH moved AS (UPDATE messages SET ticket_id = $2"
			  "   WHERE tenant_id = $1 AND ticket_id = $3 RETURNING 1)"
			  " SELECT count(*) FROM moved",
			  3, params, &count, error_r) < 0)
		return -1;
	*moved_r = count != NULL ? strtoll(count, NULL, 10) : 0;
	free(count);
	/* Everyone who took part in from (its requester too) takes part in
	 * into; from and what was merged into it before point at into, so a
	 * merged ticket never points at another merged one. */
	if (db_exec(db,
		    "INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id)"
		    " SELECT $1, $2, c FROM (SELECT contact_id AS c FROM ticket_participants"
		    "   WHERE tenant_id = $1 AND ticket_id = $3"
		    "   UNION SELECT requester_id FROM tickets WHERE tenant_id = $1 AND id = $3) s"
		    " WHERE c <> (SELECT requester_id FROM tickets WHERE tenant_id = $1 AND id = $2)"
		    " ON CONFLICT DO NOTHING",
		    3, params, NULL, error_r) < 0 ||
	    db_exec(db,
		    "UPDATE tickets SET status = 'merged', merged_into_id = $2, updated_at = now()"
		    " WHERE tenant_id = $1 AND id = $3",
		    3, params, NULL, error_r) < 0 ||
	    db_exec(db, "UPDATE tickets SET merged_into_id = $2 WHERE tenant_id = $1 AND merged_into_id = $3", 3,
		    params, NULL, error_r) < 0 ||
	    db_exec(db,
		    "UPDATE tickets SET updated_at = now(), last_activity_at = greatest(last_activity_at,"
		    "   (SELECT last_activity_at FROM tickets WHERE tenant_id = $1 AND id = $3))"
		    " WHERE tenant_id = $1 AND id = $2",
		    3, params, NULL, error_r) < 0)
		return -1;
	return 0;
}
