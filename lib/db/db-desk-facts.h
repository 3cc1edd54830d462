#ifndef MD_DB_DESK_FACTS_H
#define MD_DB_DESK_FACTS_H
/* What lib/desk reads about a ticket, its agents and its tenant before it
 * writes mail (notifications, answers, acknowledgements). Conventions of
 * db.h: -1 with *error_r malloc'd on failure; lookups return 1 found,
 * 0 not found. Strings of the structs are malloc'd and never NULL. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* A ticket with its team, requester, assignee and tags. */
struct db_desk_ticket {
	int64_t id, number, team_id, assignee_id; /* assignee_id 0: unassigned */
	int priority;                             /* 0 low .. 3 urgent */
	char *subject, *status;
	char *team_name, *sender_name_format; /* teams.name, teams.sender_name_format */
	char *subject_tag_format;             /* the tenant's */
	char *assignee_email, *assignee_name; /* "" when unassigned */
	char *requester_email, *requester_name; /* name "" when unknown */
	char *tags;                             /* space-separated in order, "" when none */
	char *order_ref, *shipment_ref, *sku;   /* "" when none (db-order.h) */
};
/* Ticket ticket_id of the tenant into *t (free with db_desk_ticket_free()
 * when 1 is returned). 1 found, 0 no such ticket, -1 error. */
int db_desk_ticket_get(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_desk_ticket *t,
		       char **error_r);
/* Frees the strings of t and zeroes it; a zeroed t is fine. */
void db_desk_ticket_free(struct db_desk_ticket *t);

/* An agent as lib/desk mails it. */
struct db_desk_agent {
	int64_t id;
	char *email, *name, *status, *signature;
	bool notify_offline;
};
/* Agent agent_id of the tenant into *a (free with db_desk_agent_free()
 * when 1 is returned). 1 found, 0 none, -1 error. */
int db_desk_agent_get(struct db *db, int64_t tenant_id, int64_t agent_id, struct db_desk_agent *a, char **error_r);
/* The id of the tenant's agent with address email (compared in lower
 * case) into *agent_id_r. 1 found, 0 none, -1 error. */
int db_desk_agent_find(struct db *db, int64_t tenant_id, const char *email, int64_t *agent_id_r, char **error_r);
/* The agents of a team ordered by email: *agents_r (an array of *n_r,
 * free with db_desk_agents_free()). Returns 0 or -1. */
int db_desk_team_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct db_desk_agent **agents_r,
			size_t *n_r, char **error_r);
/* Frees the strings of a and zeroes it. */
void db_desk_agent_free(struct db_desk_agent *a);
/* Frees n agents and the array; *agents set to NULL. */
void db_desk_agents_free(struct db_desk_agent **agents, size_t n);

/* The tenant's name (*name_r malloc'd). 1 found, 0 none, -1 error. */
int db_desk_tenant_name(struct db *db, int64_t tenant_id, char **name_r, char **error_r);

#endif
