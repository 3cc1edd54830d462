/* SLA due times: from the team's policy for the ticket's priority,
 * counted from the ticket's creation in business time
 * (md_business_add in sql/008_rules.sql). */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdio.h>

/* Runs one statement on one ticket ($1 tenant, $2 ticket). */
static int sla_exec(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *sql, char **error_r)
{
	char tn[24], tk[24];
	const char *params[2] = { tn, tk };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	return db_exec(db, sql, 2, params, NULL, error_r);
}

int desk_sla_update(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	/* No policy row, or a NULL target: no due time. */
	return sla_exec(db, tenant_id, ticket_id,
			"UPDATE tickets t SET"
			" first_response_due = (SELECT md_business_add(t.tenant_id, t.team_id, t.created_at,"
			" p.first_response_minutes) FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			" AND p.team_id = t.team_id AND p.priority = t.priority),"
			" resolution_due = (SELECT md_business_add(t.tenant_id, t.team_id, t.created_at,"
			" p.resolution_minutes) FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			" AND p.team_id = t.team_id AND p.priority = t.priority)"
			" WHERE t.tenant_id = $1 AND t.id = $2"
			/* Nothing to write (no policy, no due times yet): no new
			 * row version, the common case on every new ticket. */
			" AND (t.first_response_due IS NOT NULL OR t.resolution_due IS NOT NULL"
			" OR EXISTS (SELECT 1 FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			" AND p.team_id = t.team_id))",
			error_r);
}

int desk_sla_first_response(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return sla_exec(db, tenant_id, ticket_id,
			"UPDATE tickets SET first_response_at = now() WHERE tenant_id = $1 AND id = $2"
			" AND first_response_at IS NULL",
			error_r);
}
