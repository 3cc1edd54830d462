/* Who else gets the answers of a ticket, when an agent says so: "#cc add"
 * and "#cc remove" by mail, "maildeskctl ticket cc" from the shell. The
 * one place a person joins a conversation by someone's explicit word
 * rather than by writing to it. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Adds address as a participant (its contact made when new). 1 added, 0
 * it already was one (or is the requester), -1 error; *refused_r when it
 * cannot be one (an agent). */
static int cc_add(struct db *db, const char *tn, const char *tk, const char *address, char **refused_r,
		  char **error_r)
{
	const char *params[3] = { tn, tk, address };
	struct db_table *res = NULL;
	bool is_requester;
	int ret;

	if (db_exec(db,
		    "SELECT (SELECT email FROM contacts c JOIN tickets t ON t.tenant_id = c.tenant_id"
		    " AND c.id = t.requester_id WHERE t.tenant_id = $1 AND t.id = $2) = lower($3),"
		    " EXISTS (SELECT 1 FROM agents WHERE tenant_id = $1 AND email = lower($3))",
		    3, params, &res, error_r) < 0)
		return -1;
	/* The requester is on To of every answer anyway: nothing to add. */
	is_requester = strcmp(db_table_get(res, 0, 0) != NULL ? db_table_get(res, 0, 0) : "f", "t") == 0;
	if (strcmp(db_table_get(res, 0, 1), "t") == 0)
		*refused_r = xasprintf("%s is an agent, not a customer", address);
	db_table_free(&res);
	if (*refused_r != NULL || is_requester)
		return 0;
	if (db_exec(db,
		    "WITH c AS (INSERT INTO contacts (tenant_id, email) VALUES ($1, lower($3))"
		    " ON CONFLICT (tenant_id, email) DO UPDATE SET email = EXCLUDED.email RETURNING id)"
		    " INSERT INTO ticket_participants (tenant_id, ticket_id, contact_id) SELECT $1, $2, id FROM c"
		    " ON CONFLICT DO NOTHING RETURNING contact_id",
		    3, params, &res, error_r) < 0)
		return -1;
	ret = res->n_rows > 0;
	db_table_free(&res);
	return ret;
}

/* 1 removed, 0 was no participant, -1 error. */
static int cc_remove(struct db *db, const char *tn, const char *tk, const char *address, char **error_r)
{
	const char *params[3] = { tn, tk, address };
	struct db_table *res = NULL;
	int ret;

	if (db_exec(db,
		    "DELETE FROM ticket_participants p USING contacts c WHERE p.tenant_id = $1 AND p.ticket_id = $2"
		    " AND c.tenant_id = p.tenant_id AND c.id = p.contact_id AND c.email = lower($3) RETURNING c.id",
		    3, params, &res, error_r) < 0)
		return -1;
	ret = res->n_rows > 0;
	db_table_free(&res);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_cc(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address, bool remove,
		   const char *actor, bool *changed_r, char **refused_r, char **error_r)
{
	char tn[24], tk[24];
	int ret;

	*changed_r = false;
	*refused_r = NULL;
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	ret = remove ? cc_remove(db, tn, tk, address, error_r) : cc_add(db, tn, tk, address, refused_r, error_r);
	if (ret <= 0)
		return ret;
	*changed_r = true;
	return desk_event(db, tenant_id, ticket_id, remove ? "participant.removed" : "participant.added", actor,
			  address, error_r);
}
