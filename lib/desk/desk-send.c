/* Writing what lib/desk decided: queued mail, events, message kinds. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>

int desk_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
	       const char *detail, char **error_r)
{
	char tn[24], tk[24];
	const char *params[5] = { tn, tk, kind, actor != NULL ? actor : "mail", detail != NULL ? detail : "" };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	return db_exec(db,
		       "INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
		       " VALUES ($1, $2, $3, $4, $5)",
		       5, params, NULL, error_r);
}

int desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
		      char **error_r)
{
	char tn[24], id[24], ag[24];
	const char *params[4] = { tn, id, kind, agent_id != 0 ? ag : NULL };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(id, sizeof(id), "%" PRId64, message_id);
	snprintf(ag, sizeof(ag), "%" PRId64, agent_id);
	return db_exec(db, "UPDATE messages SET kind = $3, agent_id = $4 WHERE tenant_id = $1 AND id = $2", 4, params,
		       NULL, error_r);
}

int desk_queue(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_outbound_kind kind,
	       const char *envelope_from, const char *const *rcpts, size_t n_rcpts, const char *data, size_t len,
	       const char *message_id, char **error_r)
{
	struct db_outbound_in o = {
		.tenant_id = tenant_id, .ticket_id = ticket_id, .kind = kind, .envelope_from = envelope_from,
		.rcpts = rcpts, .n_rcpts = n_rcpts, .data = data, .len = len, .message_id = message_id,
	};
	char detail[300];

	if (db_outbound_enqueue(db, &o, NULL, error_r) < 0)
		return -1;
	snprintf(detail, sizeof(detail), "%s to %s%s queued", db_outbound_kind_name(kind), rcpts[0],
		 n_rcpts > 1 ? " and others" : "");
	return desk_event(db, tenant_id, ticket_id, "mail.queued", "mail", detail, error_r);
}
