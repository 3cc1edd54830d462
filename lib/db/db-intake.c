/* Forms, event types and the tickets of chats and events (contracts in
 * db-intake.h). */
#include "config.h"
#include "db/db-intake.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-intake.h. */
int db_form_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *title,
		unsigned min_fill_s, const struct db_form_field *fields, size_t n, char **error_r)
{
	struct db_num tn, tm, mf, id, pos;
	int64_t form_id;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&tm, team_id), name, title != NULL ? title : "",
				  db_num(&mf, min_fill_s) };

	if (db_admin_id_query(db,
			      "INSERT INTO intake_forms (tenant_id, team_id, name, title, min_fill_s)"
			      " VALUES ($1, $2, $3, $4, $5) RETURNING id",
			      5, params, &form_id, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *fp[6] = { params[0], db_num(&id, form_id), db_num(&pos, (int64_t)i), fields[i].name,
				      fields[i].type, fields[i].required ? "t" : "f" };

		if (db_exec(db,
			    "INSERT INTO intake_form_fields (tenant_id, form_id, position, name, type, required)"
			    " VALUES ($1, $2, $3, $4, $5, $6)",
			    6, fp, NULL, error_r) < 0)
			return -1;
	}
	return 0;
}

/* Contract in db-intake.h. */
void db_form_free(struct db_form *f)
{
	free(f->name);
	free(f->title);
	free(f->team_name);
	db_table_free(&f->fields);
	memset(f, 0, sizeof(*f));
}

/* Contract in db-intake.h. */
int db_form_find(struct db *db, const char *name, struct db_form *f, char **error_r)
{
	const char *params[2] = { name, NULL };
	struct db_table *t = NULL;
	struct db_num tn, id;
	int found = db_exec_row(db,
				"SELECT f.tenant_id, f.id, f.team_id, f.name, f.title, m.name, f.min_fill_s"
				" FROM intake_forms f JOIN teams m ON m.tenant_id = f.tenant_id AND m.id = f.team_id"
				" WHERE f.name = $1",
				1, params, &t, error_r);

	memset(f, 0, sizeof(*f));
	if (found <= 0)
		return found;
	*f = (struct db_form){ .tenant_id = db_cell_int(t, 0, 0), .id = db_cell_int(t, 0, 1),
			       .team_id = db_cell_int(t, 0, 2), .name = db_cell_str(t, 0, 3),
			       .title = db_cell_str(t, 0, 4), .team_name = db_cell_str(t, 0, 5),
			       .min_fill_s = (unsigned)db_cell_int(t, 0, 6) };
	db_table_free(&t);
	params[0] = db_num(&tn, f->tenant_id);
	params[1] = db_num(&id, f->id);
	if (db_exec(db,
		    "SELECT name, type, required FROM intake_form_fields WHERE tenant_id = $1 AND form_id = $2"
		    " ORDER BY position",
		    2, params, &f->fields, error_r) < 0) {
		db_form_free(f);
		return -1;
	}
	return 1;
}

/* Contract in db-intake.h. */
int db_form_remove(struct db *db, int64_t tenant_id, const char *name, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), name };

	return db_admin_id_query(db, "DELETE FROM intake_forms WHERE tenant_id = $1 AND name = $2 RETURNING id", 2,
				 params, NULL, error_r);
}

/* Contract in db-intake.h. */
int db_report_forms(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_id_or_null(&tn, tenant_id) };

	return db_exec(db,
		       "SELECT n.name AS tenant, f.name, m.name AS team, f.title,"
		       " (SELECT string_agg(x.name || CASE WHEN x.required THEN ':required' ELSE '' END"
		       " || ':' || x.type, ' ' ORDER BY x.position) FROM intake_form_fields x"
		       " WHERE x.tenant_id = f.tenant_id AND x.form_id = f.id) AS fields,"
		       " f.min_fill_s AS min_fill, " DB_TS("f.created_at") " AS created"
		       " FROM intake_forms f JOIN tenants n ON n.id = f.tenant_id"
		       " JOIN teams m ON m.tenant_id = f.tenant_id AND m.id = f.team_id"
		       " WHERE ($1::bigint IS NULL OR f.tenant_id = $1) ORDER BY n.name, f.name",
		       1, params, t_r, error_r);
}

/* Contract in db-intake.h. */
int db_event_type_set(struct db *db, const struct db_event_type_set *in, char **error_r)
{
	struct db_num tn, tm;
	const char *params[6] = {
		db_num(&tn, in->tenant_id), in->type, in->enabled < 0 ? NULL : in->enabled ? "t" : "f",
		in->tag, in->subject, in->team_id < 0 ? NULL : db_num(&tm, in->team_id),
	};

	/* $N NULL keeps the stored value; '' (team 0) is the default again. */
	return db_exec(db,
		       "INSERT INTO event_types AS e (tenant_id, type, enabled, tag, subject, team_id)"
		       " VALUES ($1, $2, coalesce($3::boolean, true), nullif($4, ''), nullif($5, ''),"
		       " nullif($6::bigint, 0))"
		       " ON CONFLICT (tenant_id, type) DO UPDATE SET"
		       " enabled = coalesce($3::boolean, e.enabled),"
		       " tag = CASE WHEN $4::text IS NULL THEN e.tag ELSE nullif($4, '') END,"
		       " subject = CASE WHEN $5::text IS NULL THEN e.subject ELSE nullif($5, '') END,"
		       " team_id = CASE WHEN $6::bigint IS NULL THEN e.team_id ELSE nullif($6::bigint, 0) END,"
		       " updated_at = now()",
		       6, params, NULL, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-intake.h. */
void db_event_type_free(struct db_event_type *e)
{
	free(e->tag);
	free(e->subject);
	memset(e, 0, sizeof(*e));
}

/* Contract in db-intake.h. */
int db_event_type_get(struct db *db, int64_t tenant_id, const char *type, struct db_event_type *e,
		      char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), type };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"SELECT enabled, tag, subject, team_id FROM event_types"
				" WHERE tenant_id = $1 AND type = $2",
				2, params, &t, error_r);

	memset(e, 0, sizeof(*e));
	if (found <= 0)
		return found;
	*e = (struct db_event_type){ .enabled = db_cell_bool(t, 0, 0), .tag = db_cell_str(t, 0, 1),
				     .subject = db_cell_str(t, 0, 2), .team_id = db_cell_int(t, 0, 3) };
	db_table_free(&t);
	return 1;
}

/* Contract in db-intake.h. */
int db_report_event_types(struct db *db, int64_t tenant_id, const char *const *builtin, size_t n_builtin,
			  struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	char *arr = xstrdup("{");
	int ret;

	/* The builtin names are [a-z._]: an array literal needs no quoting. */
	for (size_t i = 0; i < n_builtin; i++) {
		char *next = xasprintf("%s%s%s", arr, i > 0 ? "," : "", builtin[i]);

		free(arr);
		arr = next;
	}
	char *lit = xasprintf("%s}", arr);
	const char *params[2] = { db_id_or_null(&tn, tenant_id), lit };

	ret = db_exec(db,
		      "SELECT n.name AS tenant, k.type, k.type = ANY($2::text[]) AS builtin,"
		      " coalesce(e.enabled, true) AS enabled, e.tag, m.name AS team, e.subject,"
		      " (SELECT count(*) FROM tickets t WHERE t.tenant_id = n.id AND t.event_type = k.type"
		      " AND t.status NOT IN ('closed', 'merged')) AS open_tickets"
		      " FROM tenants n CROSS JOIN LATERAL (SELECT unnest($2::text[]) AS type"
		      " UNION SELECT type FROM event_types WHERE tenant_id = n.id) k"
		      " LEFT JOIN event_types e ON e.tenant_id = n.id AND e.type = k.type"
		      " LEFT JOIN teams m ON m.tenant_id = n.id AND m.id = e.team_id"
		      " WHERE $1::bigint IS NULL OR n.id = $1 ORDER BY n.name, k.type",
		      2, params, t_r, error_r);
	free(lit);
	free(arr);
	return ret;
}

/* The chat's ticket: its own, or the one it was merged into. */
#define CHAT_TICKET_SQL                                                                                      \
	"WITH up AS (INSERT INTO tickets AS t (tenant_id, team_id, subject, requester_id, priority, chat_id)" \
	" VALUES ($1, $2, $3, $4, $5, $6)"                                                                   \
	" ON CONFLICT (tenant_id, chat_id) WHERE chat_id IS NOT NULL"                                        \
	" DO UPDATE SET last_activity_at = now(), updated_at = now()"                                        \
	" RETURNING t.id, t.number, t.xmax = 0 AS created, t.status, t.merged_into_id, t.tenant_id)"          \
	" SELECT coalesce(m.id, up.id), coalesce(m.number, up.number), up.created,"                           \
	" coalesce(m.status, up.status) FROM up LEFT JOIN tickets m ON m.tenant_id = up.tenant_id"            \
	" AND m.id = up.merged_into_id"
/* An event's ticket: a new draft, or the one not closed for the order and
 * type (the conflict target repeats tickets_event_open's predicate). */
#define EVENT_TICKET_SQL                                                                                     \
	"INSERT INTO tickets AS t (tenant_id, team_id, subject, requester_id, priority, order_ref,"          \
	" event_type, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft')"                                   \
	" ON CONFLICT (tenant_id, order_ref, event_type) WHERE event_type IS NOT NULL"                       \
	" AND status NOT IN ('closed', 'merged')"                                                            \
	" DO UPDATE SET last_activity_at = now(), updated_at = now()"                                        \
	" RETURNING t.id, t.number, t.xmax = 0, t.status"

/* Contract in db-intake.h. */
int db_intake_ticket(struct db *db, const struct db_intake_ticket_in *in, struct db_intake_ticket_out *out,
		     char **error_r)
{
	struct db_num tn, tm, rq, pr;
	bool chat = in->chat_id != NULL;
	const char *params[7] = { db_num(&tn, in->tenant_id), db_num(&tm, in->team_id), in->subject,
				  db_num(&rq, in->requester_id), db_num(&pr, in->priority),
				  chat ? in->chat_id : in->order, in->event_type };
	struct db_table *t = NULL;
	int found = db_exec_row(db, chat ? CHAT_TICKET_SQL : EVENT_TICKET_SQL, chat ? 6 : 7, params, &t, error_r);

	memset(out, 0, sizeof(*out));
	if (found <= 0) {
		if (found == 0)
			*error_r = xstrdup("no ticket came back for the chat or event");
		return -1;
	}
	out->ticket_id = db_cell_int(t, 0, 0);
	out->number = db_cell_int(t, 0, 1);
	out->created = db_cell_bool(t, 0, 2);
	snprintf(out->status, sizeof(out->status), "%s", db_table_get(t, 0, 3));
	db_table_free(&t);
	return 0;
}
