/* Providers and brands: who may act on a brand's ticket, where a new one
 * goes, and the connection's changes with their history (contracts in
 * desk-connection.h). */
#include "config.h"
#include "desk/desk-connection.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-connection.h"
#include "db/db-webhook.h"

/* Why an agent may not act (malloc'd), or NULL when it may. */
static char *acting_refusal(const struct db_connection_acting *r)
{
	const char *provider = r->provider != NULL ? r->provider : "?";

	if (r->via == 0 && r->handled_by != 0)
		return xasprintf("this ticket of brand \"%s\" is handled by provider \"%s\" (connection %" PRId64
				 "): the brand's agents see it read-only",
				 r->brand, provider, r->handled_by);
	if (r->via != 0 && r->handled_by != r->via)
		return xasprintf("this ticket of brand \"%s\" is not handled by provider \"%s\" (the connection is "
				 "disconnected, or the brand's own teams handle the ticket)",
				 r->brand, provider);
	if (r->via != 0 && !r->in_provider_team)
		return xasprintf("you are no longer in the team of provider \"%s\" that handles brand \"%s\"",
				 provider, r->brand);
	return NULL;
}

/* Contract in desk-connection.h. */
int desk_agent_may_act(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id, char **why_r,
		       char **error_r)
{
	struct db_connection_acting r;
	int found = db_connection_acting_get(db, tenant_id, ticket_id, agent_id, &r, error_r);

	*why_r = NULL;
	if (found < 0)
		return -1;
	if (found == 0) {
		*why_r = xstrdup("no such agent of the ticket's tenant");
		return 0;
	}
	*why_r = acting_refusal(&r);
	db_connection_acting_free(&r);
	return *why_r == NULL ? 1 : 0;
}

/* Contract in desk-connection.h. */
int desk_connection_route(struct db *db, int64_t tenant_id, int64_t ticket_id, bool to_provider, char **error_r)
{
	int64_t connection_id = 0;
	char *provider = NULL, *detail;
	int found = db_connection_ticket_route(db, tenant_id, ticket_id, to_provider, &connection_id, &provider,
					       error_r);
	int ret;

	if (found < 0)
		return -1;
	if (found == 0) {
		if (!to_provider)
			return 0;
		*error_r = xstrdup("the brand has no active connection to a provider");
		return -1;
	}
	detail = xasprintf("handled by provider \"%s\" (connection %" PRId64 "%s)", provider, connection_id,
			   to_provider ? ", a request to the provider" : ", support owner provider");
	ret = desk_event(db, tenant_id, ticket_id, "connection.routed", NULL, detail, error_r);
	if (ret == 0)
		ret = db_connection_delegates_sync(db, tenant_id, connection_id, error_r);
	free(detail);
	free(provider);
	return ret;
}

/* Contract in desk-connection.h. The delegates are made fresh first, so
 * that an agent who joined the provider team is notified at once. */
int desk_connection_handlers(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t **ids_r, size_t *n_r,
			     char **error_r)
{
	int64_t connection_id = 0;
	int found = db_connection_ticket_handler(db, tenant_id, ticket_id, &connection_id, error_r);

	*ids_r = NULL;
	*n_r = 0;
	if (found <= 0)
		return found;
	if (db_connection_delegates_sync(db, tenant_id, connection_id, error_r) < 0)
		return -1;
	return db_connection_handlers(db, tenant_id, ticket_id, ids_r, n_r, error_r);
}

/* Records a change of the connection. */
static int record(struct db *db, int64_t brand_id, int64_t id, const char *actor, const char *kind,
		  const char *detail, char **error_r)
{
	return db_connection_event(db, brand_id, id, actor != NULL ? actor : "maildeskctl", kind, detail, error_r);
}

/* Contract in desk-connection.h. */
int desk_connection_add(struct db *db, int64_t brand_id, int64_t provider_id, const struct db_connection_fields *f,
			const char *actor, int64_t *id_r, char **error_r)
{
	char *detail;
	int ret;

	if (brand_id == provider_id) {
		*error_r = xstrdup("a tenant cannot be its own provider");
		return -1;
	}
	if (db_connection_add(db, brand_id, provider_id, f, id_r, error_r) < 0) {
		if (db_last_error_was_duplicate(db)) {
			free(*error_r);
			*error_r = xstrdup("the brand is connected already (to this provider, or to another one that "
					   "is active: disconnect that first)");
		}
		return -1;
	}
	detail = xasprintf("support owner %s", f->support_owner);
	ret = record(db, brand_id, *id_r, actor, "added", detail, error_r);
	free(detail);
	return ret < 0 ? -1 : db_connection_delegates_sync(db, brand_id, *id_r, error_r);
}

/* The event of a support owner change: whether open tickets moved. */
static int owner_change(struct db *db, int64_t brand_id, int64_t id, const char *from, const char *to,
			bool move_open, const char *actor, int64_t *moved_r, char **error_r)
{
	char *detail;
	int ret;

	if (move_open && db_connection_move_open(db, brand_id, id, strcmp(to, "provider") == 0, moved_r, error_r) < 0)
		return -1;
	detail = move_open ? xasprintf("%s -> %s, %" PRId64 " open tickets moved", from, to, *moved_r)
			   : xasprintf("%s -> %s, open tickets left where they were", from, to);
	ret = record(db, brand_id, id, actor, "support_owner", detail, error_r);
	free(detail);
	return ret;
}

/* Contract in desk-connection.h. */
int desk_connection_set(struct db *db, int64_t brand_id, int64_t id, const struct db_connection_fields *f,
			bool move_open, const char *actor, int64_t *moved_r, char **error_r)
{
	struct db_connection c;
	int ret;

	*moved_r = 0;
	if ((ret = db_connection_get(db, id, brand_id, 0, true, &c, error_r)) <= 0) {
		if (ret == 0)
			*error_r = xasprintf("connection %" PRId64 " not found", id);
		return -1;
	}
	ret = db_connection_update(db, brand_id, id, f, error_r);
	if (ret == 0 && f->support_owner != NULL && strcmp(f->support_owner, c.support_owner) != 0)
		ret = owner_change(db, brand_id, id, c.support_owner, f->support_owner, move_open, actor, moved_r,
				   error_r);
	if (ret == 0 && f->provider_team_id != 0 && f->provider_team_id != c.provider_team_id)
		ret = record(db, brand_id, id, actor, "provider_team", "the provider team changed", error_r);
	if (ret == 0)
		ret = db_connection_delegates_sync(db, brand_id, id, error_r);
	db_connection_free(&c);
	return ret;
}

/* Contract in desk-connection.h. */
int desk_connection_activate(struct db *db, int64_t brand_id, int64_t id, bool active, const char *actor,
			     char **error_r)
{
	struct db_connection c;
	int ret;

	if ((ret = db_connection_get(db, id, brand_id, 0, true, &c, error_r)) <= 0) {
		if (ret == 0)
			*error_r = xasprintf("connection %" PRId64 " not found", id);
		return -1;
	}
	if (c.active == active) {
		*error_r = xasprintf("connection %" PRId64 " (%s - %s) is %s already", id, c.provider, c.brand,
				     active ? "connected" : "disconnected");
		db_connection_free(&c);
		return -1;
	}
	db_connection_free(&c);
	if (db_connection_active_set(db, brand_id, id, active, error_r) < 0) {
		if (active && db_last_error_was_duplicate(db)) {
			free(*error_r);
			*error_r = xstrdup("the brand has another active connection: disconnect that first");
		}
		return -1;
	}
	if (db_webhook_connection_active(db, brand_id, id, active, error_r) < 0)
		return -1;
	if (record(db, brand_id, id, actor, active ? "reconnected" : "disconnected",
		   active ? "the provider handles the brand's tickets given to it again"
			  : "routing and webhooks stopped; history kept",
		   error_r) < 0)
		return -1;
	return active ? db_connection_delegates_sync(db, brand_id, id, error_r) : 0;
}
