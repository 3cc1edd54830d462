#ifndef MD_DESK_PRIVATE_H
#define MD_DESK_PRIVATE_H
/* Shared by the files of lib/desk only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db-outbound.h"
#include "db/db.h"
#include "desk/desk.h"

/* Everything a notification or a reply shows about a ticket; strings owned. */
struct desk_ticket {
	int64_t id, number, team_id, assignee_id;
	int priority;
	char *subject, *status, *team_name, *team_alias, *sender_name_format, *subject_tag_format;
	char *assignee_email, *assignee_name; /* "" when unassigned */
	char *requester_email, *requester_name;
	char *tags; /* space-separated, "" when none */
};

struct desk_agent {
	int64_t id;
	char *email, *name, *status, *signature;
	bool notify_offline;
};

/* Loads a ticket of the tenant. Returns 0 or -1. */
int desk_ticket_load(struct db *db, int64_t tenant_id, int64_t ticket_id, struct desk_ticket *t, char **error_r);
void desk_ticket_free(struct desk_ticket *t);
/* One agent of the tenant by id: 1 found, 0 not, -1 error. */
int desk_agent_load(struct db *db, int64_t tenant_id, int64_t agent_id, struct desk_agent *a, char **error_r);
/* The agents of a team, ordered by email. */
int desk_team_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct desk_agent **agents_r, size_t *n_r,
		     char **error_r);
void desk_agent_free(struct desk_agent *a);
void desk_agents_free(struct desk_agent **agents, size_t n);

/* "low", "medium", "high", "urgent" for 0-3. */
const char *desk_priority_name(int priority);
/* The team's reply address carrying a signed token for (ticket, agent):
 * "support+1042-7-abcd...@acme.example" (malloc'd). */
char *desk_reply_address(const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			 int64_t agent_id);
/* A new signed Message-ID for the ticket (malloc'd, without <>). */
char *desk_message_id(const struct desk_settings *s, int64_t tenant_id, int64_t ticket_number);

/* Queues a composed mail and records an event on the ticket. */
int desk_queue(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_outbound_kind kind,
	       const char *envelope_from, const char *const *rcpts, size_t n_rcpts, const char *data, size_t len,
	       const char *message_id, char **error_r);
/* Records an event on a ticket (actor "mail" unless given). */
int desk_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
	       const char *detail, char **error_r);
/* Sets messages.kind (and agent_id when not 0) of a stored message. */
int desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
		      char **error_r);

/* "[#1042] subject" in the tenant's tag format, unless the subject
 * already carries the tag; prefix ("Re: ") is put first (malloc'd). */
char *desk_subject(const struct desk_ticket *t, const char *prefix);
/* RFC 3834: may an automatic mail be sent in answer to m? *why_r says
 * why not. */
bool desk_may_autoreply(const struct db_message_in *m, const char **why_r);

/* Customer message: notify the agents who should know. */
int desk_notify_agents(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, int64_t skip_agent_id,
		       char **error_r);
struct agent_reply;
/* Checks that every command can apply (known assignee, no templates yet)
 * before anything is written; *refused_r (malloc'd) says why not. */
int desk_commands_check(struct db *db, int64_t tenant_id, const struct desk_agent *a,
			const struct agent_reply *reply, char **refused_r, char **error_r);
/* Composes the agent's answer (text, len: the part for the customer),
 * stores it as an outgoing message of the ticket and queues it to the
 * requester with the participants on Cc. */
int desk_customer_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const char *text, size_t len, char **error_r);

/* A mail that came through an agent's reply address. */
int desk_agent_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
		    const struct db_delivery_result *r, char **error_r);

#endif
