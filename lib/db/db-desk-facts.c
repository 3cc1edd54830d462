/* Reading tickets (as mail shows them, and as rules see them), agents and
 * tenants for lib/desk (contracts in db-desk-facts.h, db-desk-rules.h). */
#include "config.h"
#include "db/db-desk-facts.h"
#include "db/db-desk-rules.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-private.h"

/* A ticket t with its team tm, requester c and assignee a (may be NULL). */
#define TICKET_FROM                                                                                          \
	" FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"                  \
	" JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"                            \
	" LEFT JOIN agents a ON a.tenant_id = t.tenant_id AND a.id = t.assignee_id"
/* Its tags, space-separated in order ("" when none). */
#define TICKET_TAGS                                                                                          \
	" coalesce((SELECT string_agg(g.tag, ' ' ORDER BY g.tag) FROM ticket_tags g"                         \
	" WHERE g.tenant_id = t.tenant_id AND g.ticket_id = t.id), '')"

/* One query for everything a mail about the ticket shows. */
#define TICKET_SQL                                                                                           \
	"SELECT t.id, t.number, t.team_id, coalesce(t.assignee_id, 0), t.priority, t.subject, t.status,"      \
	" tm.name, tm.sender_name_format, coalesce(a.email, ''), coalesce(a.name, ''), c.email,"             \
	" coalesce(c.name, ''), " TICKET_TAGS ", te.subject_tag_format,"                               \
	" coalesce(t.order_ref, ''), coalesce(t.shipment_ref, ''), coalesce(t.sku, '')" TICKET_FROM                          \
	" JOIN tenants te ON te.id = t.tenant_id WHERE t.tenant_id = $1 AND t.id = $2"

int db_desk_ticket_get(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_desk_ticket *t,
		       char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	struct db_table *res = NULL;

	if (db_exec(db, TICKET_SQL, 2, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows == 0) {
		db_table_free(&res);
		return 0;
	}
	*t = (struct db_desk_ticket){
		.id = db_cell_int(res, 0, 0), .number = db_cell_int(res, 0, 1),
		.team_id = db_cell_int(res, 0, 2), .assignee_id = db_cell_int(res, 0, 3),
		.priority = (int)db_cell_int(res, 0, 4), .subject = db_cell_str(res, 0, 5),
		.status = db_cell_str(res, 0, 6), .team_name = db_cell_str(res, 0, 7),
		.sender_name_format = db_cell_str(res, 0, 8), .assignee_email = db_cell_str(res, 0, 9),
		.assignee_name = db_cell_str(res, 0, 10), .requester_email = db_cell_str(res, 0, 11),
		.requester_name = db_cell_str(res, 0, 12), .tags = db_cell_str(res, 0, 13),
		.subject_tag_format = db_cell_str(res, 0, 14), .order_ref = db_cell_str(res, 0, 15),
		.shipment_ref = db_cell_str(res, 0, 16), .sku = db_cell_str(res, 0, 17),
	};
	db_table_free(&res);
	return 1;
}

void db_desk_ticket_free(struct db_desk_ticket *t)
{
	free(t->subject);
	free(t->status);
	free(t->team_name);
	free(t->sender_name_format);
	free(t->subject_tag_format);
	free(t->assignee_email);
	free(t->assignee_name);
	free(t->requester_email);
	free(t->requester_name);
	free(t->tags);
	free(t->order_ref);
	free(t->shipment_ref);
	free(t->sku);
	memset(t, 0, sizeof(*t));
}

#define AGENT_COLS "SELECT a.id, a.email, a.name, a.status, a.signature, a.notify_offline FROM agents a"

/* Fills one agent from a row of AGENT_COLS. */
static void agent_from_row(const struct db_table *res, size_t row, struct db_desk_agent *a)
{
	a->id = db_cell_int(res, row, 0);
	a->email = db_cell_str(res, row, 1);
	a->name = db_cell_str(res, row, 2);
	a->status = db_cell_str(res, row, 3);
	a->signature = db_cell_str(res, row, 4);
	a->notify_offline = db_cell_bool(res, row, 5);
}

int db_desk_agent_get(struct db *db, int64_t tenant_id, int64_t agent_id, struct db_desk_agent *a, char **error_r)
{
	struct db_num tn, ag;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&ag, agent_id) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db, AGENT_COLS " WHERE a.tenant_id = $1 AND a.id = $2", 2, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		agent_from_row(res, 0, a);
	db_table_free(&res);
	return found;
}

int db_desk_agent_find(struct db *db, int64_t tenant_id, const char *email, int64_t *agent_id_r, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), email != NULL ? email : "" };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db, "SELECT id FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params, &res,
		    error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*agent_id_r = db_cell_int(res, 0, 0);
	db_table_free(&res);
	return found;
}

int db_desk_team_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct db_desk_agent **agents_r,
			size_t *n_r, char **error_r)
{
	struct db_num tn, tm;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tm, team_id) };
	struct db_table *res = NULL;

	if (db_exec(db,
		    AGENT_COLS " JOIN team_agents ta ON ta.tenant_id = a.tenant_id AND ta.agent_id = a.id"
			       " WHERE ta.tenant_id = $1 AND ta.team_id = $2 ORDER BY a.email",
		    2, params, &res, error_r) < 0)
		return -1;
	*n_r = res->n_rows;
	*agents_r = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(**agents_r));
	for (size_t i = 0; i < res->n_rows; i++)
		agent_from_row(res, i, &(*agents_r)[i]);
	db_table_free(&res);
	return 0;
}

void db_desk_agent_free(struct db_desk_agent *a)
{
	free(a->email);
	free(a->name);
	free(a->status);
	free(a->signature);
	memset(a, 0, sizeof(*a));
}

void db_desk_agents_free(struct db_desk_agent **agents, size_t n)
{
	if (*agents == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		db_desk_agent_free(&(*agents)[i]);
	free(*agents);
	*agents = NULL;
}

int db_desk_tenant_name(struct db *db, int64_t tenant_id, char **name_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db, "SELECT name FROM tenants WHERE id = $1", 1, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*name_r = db_cell_str(res, 0, 0);
	db_table_free(&res);
	return found;
}

/* A request's reason (sql/016), "" for other tickets. */
#define REASON_COL                                                                                           \
	" coalesce((SELECT r.name FROM reasons r WHERE r.tenant_id = t.tenant_id AND r.id = t.reason_id), '')"

/* The ticket as a rule sees it: with the requester's other open tickets,
 * the team's business hours now and its oldest alias. */
#define RULES_TICKET_SQL                                                                                     \
	"SELECT t.team_id, tm.name, t.status, t.priority, coalesce(a.email, ''), c.email, t.subject,"        \
	" (SELECT count(*) FROM tickets o WHERE o.tenant_id = t.tenant_id AND o.requester_id = t.requester_id" \
	" AND o.id <> t.id AND o.status IN ('open', 'pending', 'snoozed')),"                                 \
	" md_in_business_hours(t.tenant_id, t.team_id, now()), " TICKET_TAGS ","                             \
	" coalesce((SELECT al.address FROM team_aliases al WHERE al.tenant_id = t.tenant_id"                 \
	" AND al.team_id = t.team_id ORDER BY al.created_at, al.address LIMIT 1), ''),"                      \
	" coalesce(t.order_ref, ''), coalesce(t.event_type, '')," REASON_COL TICKET_FROM                                                 \
	" WHERE t.tenant_id = $1 AND t.id = $2"

int db_rules_ticket_get(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_rules_ticket *t,
			char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	struct db_table *res = NULL;

	if (db_exec(db, RULES_TICKET_SQL, 2, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows == 0) {
		db_table_free(&res);
		return 0;
	}
	*t = (struct db_rules_ticket){
		.team_id = db_cell_int(res, 0, 0), .team = db_cell_str(res, 0, 1),
		.status = db_cell_str(res, 0, 2), .priority = (int)db_cell_int(res, 0, 3),
		.assignee = db_cell_str(res, 0, 4), .requester = db_cell_str(res, 0, 5),
		.subject = db_cell_str(res, 0, 6), .others_open = (unsigned)db_cell_int(res, 0, 7),
		.business_hours = db_cell_bool(res, 0, 8), .tags = db_cell_str(res, 0, 9),
		.alias = db_cell_str(res, 0, 10), .order = db_cell_str(res, 0, 11), .reason = db_cell_str(res, 0, 13),
		.event_type = db_cell_str(res, 0, 12),
	};
	db_table_free(&res);
	return 1;
}

void db_rules_ticket_free(struct db_rules_ticket *t)
{
	free(t->team);
	free(t->status);
	free(t->subject);
	free(t->assignee);
	free(t->requester);
	free(t->tags);
	free(t->alias);
	free(t->order);
	free(t->reason);
	free(t->event_type);
	memset(t, 0, sizeof(*t));
}
