#ifndef MD_DESK_CONNECTION_H
#define MD_DESK_CONNECTION_H
/* Providers and brands (issue 14). A provider tenant is connected to brand
 * tenants (lib/db's db-connection.h). A brand's ticket is handled by the
 * provider while its connection is active and the ticket was given to it
 * (support owner provider, a request opened to the provider, or
 * "connection set --move-open yes"); the ticket stays in the brand's tenant
 * and team, so its mail goes out as the brand. The provider's agents act
 * on it through delegate rows in the brand's tenant; the brand's own agents
 * see it read-only.
 *
 * desk_agent_may_act() is the ONE check of whether an agent may act on a
 * ticket: by mail (desk-agent.c) and from maildeskctl (ticket reply, note,
 * assign, snooze, tag, close, ... with --from/--by). Errors: -1 with
 * *error_r malloc'd. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* May agent_id (an agent row of tenant_id) act on ticket_id? 1 yes, 0 no
 * (*why_r malloc'd: one sentence naming the ticket's handler), -1. */
int desk_agent_may_act(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id, char **why_r,
		       char **error_r);

/* Routes a new ticket of tenant_id: to its provider when the brand's
 * active connection says support owner provider, or to_provider (a
 * request the brand opens to its provider: refused, -1, when the brand has
 * no active connection). Records the event "connection.routed" and makes
 * the provider team's delegates. 0 or -1. */
int desk_connection_route(struct db *db, int64_t tenant_id, int64_t ticket_id, bool to_provider,
			  char **error_r);

/* The agents who handle a ticket of tenant_id now: the delegates of its
 * handling connection (made fresh from the provider team), or 0 ids when
 * the brand's own team handles it. *ids_r malloc'd. */
int desk_connection_handlers(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t **ids_r, size_t *n_r,
			     char **error_r);

/* ---- maildeskctl connection ...: in the caller's transaction ---- */

struct db_connection_fields;
/* Connects brand_id to provider_id; *id_r. Refused when they are the same
 * tenant, the pair exists, or the brand has another active connection. */
int desk_connection_add(struct db *db, int64_t brand_id, int64_t provider_id, const struct db_connection_fields *f,
			const char *actor, int64_t *id_r, char **error_r);
/* Changes the fields given. A new support owner with move_open gives the
 * brand's open tickets to the new owner (*moved_r how many); without, they
 * stay where they are. Recorded either way. */
int desk_connection_set(struct db *db, int64_t brand_id, int64_t id, const struct db_connection_fields *f,
			bool move_open, const char *actor, int64_t *moved_r, char **error_r);
/* Disconnects (active false: the provider no longer sees or acts, new
 * mail goes to the brand's teams, the connection's webhook is inactive:
 * nothing is queued for it and its pending deliveries wait) or reconnects
 * (they go then). History stays. Refused when nothing changes. */
int desk_connection_activate(struct db *db, int64_t brand_id, int64_t id, bool active, const char *actor,
			     char **error_r);

#endif
