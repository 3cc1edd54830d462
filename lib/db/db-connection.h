#ifndef MD_DB_CONNECTION_H
#define MD_DB_CONNECTION_H
/* Typed operations of providers and brands (sql/024_connections.sql): the
 * connection between a provider tenant and a brand tenant, its history,
 * which tickets the provider handles, and the delegate agent rows through
 * which a provider's agents act in the brand's tenant. Policy (who may act,
 * what a change records) is lib/desk's (desk-connection.c); maildeskctl
 * reads the reports. Returns as db.h says: 0 / 1 found / 0 not; -1 with
 * *error_r malloc'd. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* One connection. Strings malloc'd (NULL when not set); free with
 * db_connection_free(). */
struct db_connection {
	int64_t id, brand_id, provider_id, provider_team_id; /* team 0: none */
	char *brand, *provider, *provider_team;               /* names */
	char *support_owner;                                  /* "brand" or "provider" */
	char *contact, *warehouse, *webhook_url;
	int64_t monthly_orders; /* -1: not set */
	bool active;
};
void db_connection_free(struct db_connection *c);

/* The fields "connection add" and "connection set" write. For set, NULL
 * strings, team 0 and monthly_orders -2 leave a field as it is; "" clears
 * a text field, -1 clears monthly_orders. */
struct db_connection_fields {
	const char *support_owner;
	int64_t provider_team_id;
	const char *contact, *warehouse, *webhook_url;
	int64_t monthly_orders;
};

/* Adds an active connection. -1 with db_last_error_was_duplicate() when
 * the pair exists or the brand already has an active connection. */
int db_connection_add(struct db *db, int64_t brand_id, int64_t provider_id, const struct db_connection_fields *f,
		      int64_t *id_r, char **error_r);
/* Connection id (brand_id 0: any brand; else it must be the brand's), or
 * the pair (id 0): 1 found (*c), 0 none, -1. Locks the row (FOR UPDATE)
 * when lock is true. */
int db_connection_get(struct db *db, int64_t id, int64_t brand_id, int64_t provider_id, bool lock,
		      struct db_connection *c, char **error_r);
/* Writes the fields given (see db_connection_fields). */
int db_connection_update(struct db *db, int64_t brand_id, int64_t id, const struct db_connection_fields *f,
			 char **error_r);
/* Sets active (disconnected_at with it). -1 with
 * db_last_error_was_duplicate() when reconnecting a brand that has
 * another active connection. */
int db_connection_active_set(struct db *db, int64_t brand_id, int64_t id, bool active, char **error_r);
/* Gives the brand's tickets that are not solved, closed or merged to the
 * connection (to_provider) or back to the brand's teams; *n_r how many. */
int db_connection_move_open(struct db *db, int64_t brand_id, int64_t id, bool to_provider, int64_t *n_r,
			    char **error_r);
/* Appends one connection_events row. */
int db_connection_event(struct db *db, int64_t brand_id, int64_t id, const char *actor, const char *kind,
			const char *detail, char **error_r);
/* Columns: id, provider, brand, support_owner, provider_team, contact,
 * warehouse, monthly_orders, webhook_url, active, open_tickets (handled by
 * the provider), created, disconnected, webhook (its id, NULL: none);
 * provider_id / brand_id 0: any. */
int db_report_connections(struct db *db, int64_t provider_id, int64_t brand_id, struct db_table **t_r,
			  char **error_r);
#define DB_CONNECTION_LIST_KINDS "issssssisbitti"
/* Columns: at, actor, kind, detail; oldest first. */
int db_report_connection_events(struct db *db, int64_t brand_id, int64_t id, struct db_table **t_r,
				char **error_r);

/* A new ticket of brand_id: handled by its active connection when the
 * support owner is the provider, or always (to_provider: a request the
 * brand opens to its provider). 1 routed (*connection_id_r, *provider_r
 * malloc'd), 0 the brand's own teams handle it, -1. */
int db_connection_ticket_route(struct db *db, int64_t brand_id, int64_t ticket_id, bool to_provider,
			       int64_t *connection_id_r, char **provider_r, char **error_r);
/* Makes or refreshes the delegate rows (agents of brand_id with
 * via_connection) of every agent in the connection's provider team: name,
 * status and notify_offline follow the provider's agent; the signature is
 * copied once and is then the brand's. A brand's own agent with the same
 * address is never taken over. */
int db_connection_delegates_sync(struct db *db, int64_t brand_id, int64_t id, char **error_r);
/* The delegates (agent ids of brand_id) who handle the ticket now: those
 * of its active handling connection whose provider agent is in the
 * provider team. *ids_r malloc'd (free()), *n_r of them; 0 rows when the
 * brand's own teams handle it. */
int db_connection_handlers(struct db *db, int64_t brand_id, int64_t ticket_id, int64_t **ids_r, size_t *n_r,
			   char **error_r);

/* The active connection that handles the ticket: 1 (*connection_id_r),
 * 0 the brand's own teams, -1. */
int db_connection_ticket_handler(struct db *db, int64_t brand_id, int64_t ticket_id, int64_t *connection_id_r,
				 char **error_r);

/* What decides whether an agent may act on a ticket (lib/desk decides). */
struct db_connection_acting {
	int64_t handled_by;    /* active connection handling it, 0: the brand */
	int64_t via;           /* the agent's connection (delegate), 0: own agent */
	bool in_provider_team; /* delegate: still in the provider team */
	char *provider;        /* handling (or the delegate's) provider's name, or NULL */
	char *brand;           /* the ticket's tenant */
};
/* Reads it for agent_id on ticket_id of tenant_id: 1 (*r; free with
 * db_connection_acting_free()), 0 no such ticket or agent, -1. */
int db_connection_acting_get(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id,
			     struct db_connection_acting *r, char **error_r);
void db_connection_acting_free(struct db_connection_acting *r);

#endif
