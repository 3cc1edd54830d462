/* Reports of tickets (contracts in db-report-ticket.h). */
#include "config.h"
#include "db/db-report-ticket.h"
#include "db/db-admin-private.h"

#include <string.h>

/* The columns of each query. */
#define TICKET_COLS                                                                        \
	"t.number, n.name AS tenant, m.name AS team, t.status, t.priority,"                \
	" c.email AS requester, c.name AS requester_name, ag.email AS assignee,"           \
	" (SELECT count(*) FROM messages WHERE tenant_id = t.tenant_id AND ticket_id = t.id)" \
	" AS messages, " DB_TS("t.created_at") " AS created, " DB_TS("t.last_activity_at") \
	" AS last_activity, t.subject"
#define TICKET_FROM                                                                        \
	" FROM tickets t JOIN tenants n ON n.id = t.tenant_id"                             \
	" JOIN teams m ON m.tenant_id = t.tenant_id AND m.id = t.team_id"                  \
	" JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"          \
	" LEFT JOIN agents ag ON ag.tenant_id = t.tenant_id AND ag.id = t.assignee_id"
/* "ticket list" adds, for open and pending tickets, whose turn it is
 * ("customer": our side wrote last; "us": the customer did; notes and
 * bounces do not count), and a snoozed ticket's wake time. */
#define LIST_COLS                                                                          \
	TICKET_COLS ", CASE WHEN t.status IN ('open', 'pending') THEN CASE WHEN lm.direction = 'out'" \
		    " OR lm.kind IN ('agent', 'reply') THEN 'customer' ELSE 'us' END END AS awaiting," \
		    " CASE WHEN t.status = 'snoozed' THEN " DB_TS("t.snooze_until") " END AS wakes,"  \
		    " t.order_ref AS order"
#define LIST_FROM                                                                          \
	TICKET_FROM                                                                        \
	" LEFT JOIN LATERAL (SELECT direction, kind FROM messages WHERE tenant_id = t.tenant_id" \
	" AND ticket_id = t.id AND kind NOT IN ('note', 'untrusted', 'rejected', 'bounce')" \
	" ORDER BY received_at DESC, id DESC LIMIT 1) lm ON true"
/* The statuses of each folder ("mine" also needs the agent). */
#define FOLDER_WHERE                                                                       \
	" AND ($4::text IS NULL OR $4 = 'open' AND t.status IN ('open', 'pending')"        \
	" OR $4 = 'snoozed' AND t.status = 'snoozed' OR $4 = 'closed' AND t.status IN ('solved', 'closed')" \
	" OR $4 = 'unassigned' AND t.status IN ('open', 'pending') AND t.assignee_id IS NULL" \
	" OR $4 = 'mine' AND t.status IN ('open', 'pending', 'snoozed')"                  \
	" OR $4 = 'drafts' AND t.status = 'draft')"                                        \
	" AND ($5::text IS NULL OR ag.email = lower($5))"

/* Contract in db-report-ticket.h. */
int db_report_tickets(struct db *db, const struct db_ticket_filter *f, struct db_table **t_r, char **error_r)
{
	struct db_num n, m;
	struct db_num b;
	const char *params[7] = { db_id_or_null(&n, f->tenant_id), db_id_or_null(&m, f->team_id), f->status,
				  f->folder, f->agent_email, f->order_ref, db_id_or_null(&b, f->brand_id) };

	return db_exec(db,
		       "SELECT " LIST_COLS LIST_FROM
		       " WHERE ($1::bigint IS NULL OR t.tenant_id = $1 OR (t.tenant_id, t.handled_by) IN"
		       " (SELECT tenant_id, id FROM connections WHERE provider_id = $1 AND active))"
		       " AND ($2::bigint IS NULL OR t.team_id = $2 OR (t.tenant_id, t.handled_by) IN"
		       " (SELECT tenant_id, id FROM connections WHERE provider_team_id = $2 AND active))"
		       " AND ($7::bigint IS NULL OR t.tenant_id = $7)"
		       " AND ($3::text IS NULL AND t.status <> 'merged' OR t.status = $3)" FOLDER_WHERE
		       " AND ($6::text IS NULL OR t.order_ref = $6)"
		       " ORDER BY t.priority DESC, t.created_at, t.number",
		       7, params, t_r, error_r);
}

/* "ticket show" adds when it was closed and the tickets it points at. */
#define SHOW_COLS                                                                          \
	TICKET_COLS ", " DB_TS("t.closed_at") " AS closed, lt.number AS linked_ticket,"    \
		    " mt.number AS merged_into, t.order_ref AS order, t.shipment_ref AS shipment, t.sku,"        \
		    " (SELECT p.name FROM connections hc JOIN tenants p ON p.id = hc.provider_id"              \
		    " WHERE hc.tenant_id = t.tenant_id AND hc.id = t.handled_by AND hc.active) AS handled_by"
#define SHOW_FROM                                                                          \
	TICKET_FROM                                                                        \
	" LEFT JOIN tickets lt ON lt.tenant_id = t.tenant_id AND lt.id = t.linked_ticket_id" \
	" LEFT JOIN tickets mt ON mt.tenant_id = t.tenant_id AND mt.id = t.merged_into_id"
/* The queries of "ticket show", all by ticket number ($1). */
#define BY_NUMBER(alias) " JOIN tickets t ON t.tenant_id = " alias ".tenant_id AND t.id = " alias ".ticket_id"
static const char *const show_sql[] = {
	"SELECT " SHOW_COLS SHOW_FROM " WHERE t.number = $1",
	"SELECT m.id, m.direction, m.from_name, m.from_addr, m.envelope_from, m.rcpt,"
	" m.to_json AS to, m.cc_json AS cc, m.reply_to_json AS reply_to,"
	" " DB_TS("m.sent_at") " AS date, " DB_TS("m.received_at") " AS received,"
	" m.subject, m.message_id, m.in_reply_to, m.match_reason, m.match_detail, m.defects,"
	" m.text_body FROM messages m" BY_NUMBER("m") " WHERE t.number = $1"
	" ORDER BY m.received_at, m.id",
	"SELECT a.message_id, a.filename, a.content_type, a.content_id, a.is_inline,"
	" a.size, a.sha256, a.id FROM attachments a"
	" JOIN messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id" BY_NUMBER("m")
	" WHERE t.number = $1 ORDER BY a.message_id, a.id",
	"SELECT c.email FROM ticket_participants p" BY_NUMBER("p")
	" JOIN contacts c ON c.tenant_id = p.tenant_id AND c.id = p.contact_id"
	" WHERE t.number = $1 ORDER BY p.added_at, c.email",
	"SELECT " DB_TS("e.at") " AS at, e.kind, e.actor, e.detail FROM ticket_events e" BY_NUMBER("e")
	" WHERE t.number = $1 ORDER BY e.at, e.id",
};

/* Contract in db-report-ticket.h. */
int db_report_ticket(struct db *db, int64_t number, struct db_ticket_report *r, char **error_r)
{
	struct db_table **tables[] = { &r->ticket, &r->messages, &r->attachments, &r->participants, &r->events };
	struct db_num n;
	const char *params[1] = { db_num(&n, number) };

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(show_sql) / sizeof(show_sql[0]); i++) {
		if (db_exec(db, show_sql[i], 1, params, tables[i], error_r) < 0)
			return -1;
		if (i == 0 && r->ticket->n_rows == 0)
			return 0;
	}
	return 1;
}

/* Contract in db-report-ticket.h. */
void db_ticket_report_free(struct db_ticket_report *r)
{
	db_table_free(&r->ticket);
	db_table_free(&r->messages);
	db_table_free(&r->attachments);
	db_table_free(&r->participants);
	db_table_free(&r->events);
}

/* Contract in db-report-ticket.h. */
int db_report_ticket_find(struct db *db, int64_t tenant_id, int64_t number, int64_t *id_r, char **error_r)
{
	struct db_num n, m;
	const char *params[2] = { db_num(&n, tenant_id), db_num(&m, number) };

	return db_admin_id_query(db, "SELECT id FROM tickets WHERE tenant_id = $1 AND number = $2", 2, params, id_r,
				 error_r);
}

/* Contract in db-report-ticket.h. */
int db_report_ticket_assignee(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t *agent_id_r,
			      char **error_r)
{
	struct db_num n, m;
	const char *params[2] = { db_num(&n, tenant_id), db_num(&m, ticket_id) };

	return db_admin_id_query(db,
				 "SELECT assignee_id FROM tickets WHERE tenant_id = $1 AND id = $2 AND assignee_id IS NOT NULL",
				 2, params, agent_id_r, error_r);
}
