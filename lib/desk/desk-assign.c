/* Picking one of a team's online agents by round-robin or by the fewest
 * open tickets (contract in desk-rules.h); assigning is
 * desk_ticket_assign() (desk-ticket.c). */
#include "config.h"
#include "desk/desk-rules-private.h"

#include "db/db-ticket.h"

/* The strategy as lib/db takes it. */
int desk_assign_pick(struct db *db, int64_t tenant_id, int64_t team_id, enum rules_strategy strategy,
		     unsigned max_open, int64_t exclude_agent_id, int64_t *agent_id_r, char **error_r)
{
	return db_assign_pick(db, tenant_id, team_id, strategy == RULES_LEAST_OPEN, max_open, exclude_agent_id,
			      agent_id_r, error_r);
}
