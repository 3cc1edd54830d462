#ifndef MD_DB_TICKET_H
#define MD_DB_TICKET_H
/* Typed operations on tickets, their events and what hangs on them (tags,
 * fields, participants, SLA times, timers, assignment). The SQL lives in
 * lib/db (db-ticket*.c); callers pass ids and text, never SQL.
 *
 * Outside lib/db only lib/desk/desk-ticket.c (the desk_ticket_* layer, see
 * desk.h) calls the write operations that change a ticket: that layer pairs
 * each change with its event. The lookups and the claims may be called
 * from anywhere.
 *
 * Every function runs in the caller's transaction (or autocommits one
 * statement without one) and returns as db.h says: 0 done, or for changes
 * 1 changed / 0 nothing to change, for lookups 1 found / 0 not found; -1
 * with *error_r malloc'd (free it). Ids are the row ids of tenant-scoped
 * rows: a ticket is (tenant_id, ticket_id). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Events: db_ticket_event() (db-deliver.h), the one insert of a
 * ticket_events row; lib/desk's desk_event() gives it its defaults. */

/* ---- The ticket row (db-ticket.c) ---- */

/* The statuses db_ticket_set_status() sets ("snoozed" is set only with a
 * wake time, db_ticket_snooze(); "merged" only by db_ticket_merge()). */
enum db_ticket_status {
	DB_TICKET_OPEN,
	DB_TICKET_PENDING,
	DB_TICKET_SOLVED,
	DB_TICKET_CLOSED,
};
/* "open", "pending", "solved", "closed". */
const char *db_ticket_status_name(enum db_ticket_status st);

/* Sets the status when it differs, with its side effects in this one
 * place: updated_at is now; snooze_until is cleared (no status but
 * "snoozed" keeps a wake time); closed and solved set closed_at to now,
 * open and pending clear it. A merged ticket is never changed. Returns 1
 * changed, 0 it already had that status (or no such ticket), -1. */
int db_ticket_set_status(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_ticket_status st,
			 char **error_r);
/* The same, only when the ticket's status is now from ("open", ...):
 * 1 changed, 0 it had another status (or no such ticket), -1. */
int db_ticket_set_status_from(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_ticket_status st,
			      const char *from, char **error_r);

/* When a snooze ends. */
enum db_snooze_kind {
	DB_SNOOZE_AT,    /* at value, Unix seconds */
	DB_SNOOZE_FOR,   /* value seconds from now */
	DB_SNOOZE_LOCAL, /* at local, "YYYY-MM-DD HH:MM" in the team's time zone */
};
struct db_snooze {
	enum db_snooze_kind kind;
	int64_t value;
	const char *local; /* DB_SNOOZE_LOCAL only; must be a valid time */
	bool refuse_past;  /* a time that has passed changes nothing */
};
/* What db_ticket_snooze() set. */
struct db_snoozed {
	char until[80]; /* "YYYY-MM-DD HH:MM Zone": the wake time in the team's zone */
	bool past;      /* the wake time is not in the future */
};
/* Status snoozed until the time w names (updated_at now; closed_at is not
 * touched). With w->refuse_past a time not in the future changes nothing:
 * 0 with out->past set. Returns 1 snoozed (out filled), 0 not (no such
 * ticket, or refused), -1. */
int db_ticket_snooze(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_snooze *w,
		     struct db_snoozed *out, char **error_r);

/* Priority 0-3 when it differs. 1 changed, 0 the same (or no ticket), -1. */
int db_ticket_set_priority(struct db *db, int64_t tenant_id, int64_t ticket_id, int priority, char **error_r);

/* The assignee (agent_id 0: none) when it differs. 1 changed, 0 the same,
 * -1 (also for an agent_id that is no agent of the tenant). */
int db_ticket_set_assignee(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id,
			   char **error_r);

/* To the tenant's team named team_name (case-insensitively; an exact
 * match first), also when it is its team already. Returns 1 moved
 * (*team_id_r set), 0 no such team (nothing changed), -1. */
int db_ticket_move_team(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *team_name,
			int64_t *team_id_r, char **error_r);

/* Adds tag (stored in lower case; it must fit ticket_tags' CHECK).
 * 1 added, 0 the ticket had it, -1. */
int db_ticket_tag_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r);
/* Removes tag (compared in lower case). 1 removed, 0 it had none, -1. */
int db_ticket_tag_remove(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r);

/* tickets.fields[name] = value (valid UTF-8 text). 1 set, 0 no ticket, -1. */
int db_ticket_field_set(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *name, const char *value,
			char **error_r);


/* ---- Lookups (db-ticket.c) ---- */

/* The agent of the tenant with address email (compared in lower case):
 * 1 found (*agent_id_r), 0 none, -1. */
int db_ticket_agent_id(struct db *db, int64_t tenant_id, const char *email, int64_t *agent_id_r, char **error_r);
/* A team's own cap of open tickets per agent (assign_max_open; 0 none,
 * also for no such team). Returns 0 or -1. */
int db_ticket_team_max_open(struct db *db, int64_t tenant_id, int64_t team_id, unsigned *max_r, char **error_r);

/* ---- SLA (db-ticket-timers.c) ---- */

/* first_response_due and resolution_due from the team's policy for the
 * ticket's priority, counted from its creation in business time; NULL
 * when there is no policy. Returns 0 or -1. */
int db_ticket_sla_update(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* first_response_at = now, unless it is set already. Returns 0 or -1. */
int db_ticket_first_response(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);

/* ---- Timers (db-ticket-timers.c) ---- */

/* A ticket a timer claimed. */
struct db_ticket_ref {
	int64_t tenant_id, ticket_id;
};
/* The SLA targets a timer watches. */
enum db_sla_target {
	DB_SLA_FIRST_RESPONSE,
	DB_SLA_RESOLUTION,
};
/* "first_response", "resolution". */
const char *db_sla_target_name(enum db_sla_target t);
/* Locks up to limit snoozed tickets whose wake time has come, oldest
 * first (FOR UPDATE SKIP LOCKED: a ticket another daemon holds is left to
 * it) until the caller's transaction ends. Returns 0 with *refs_r
 * (malloc'd, free(); NULL when *n_r is 0), or -1. */
int db_ticket_wake_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			 char **error_r);
/* The same for unbreached SLA targets past due on tickets not solved,
 * closed or merged (and for first_response, not yet answered). */
int db_ticket_sla_claim(struct db *db, enum db_sla_target target, unsigned limit, struct db_ticket_ref **refs_r,
			size_t *n_r, char **error_r);
/* The same for solved tickets whose team's close_after_s has passed
 * since they were solved (teams without one never close them), oldest
 * first. */
int db_ticket_close_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			  char **error_r);
/* Records the breach of target (its *_breached_at = now). 0 or -1. */
int db_ticket_sla_breach_mark(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_sla_target target,
			      char **error_r);
/* When the next snooze, SLA or close-after timer is due: 1 with *at_r (Unix seconds,
 * rounded up, possibly past), 0 none, -1. */
int db_ticket_timers_next(struct db *db, int64_t *at_r, char **error_r);

/* ---- Assignment and agent status (db-ticket-timers.c) ---- */

/* Picks an online agent of the team, except exclude_agent_id, with fewer
 * than max_open open/pending/snoozed tickets (0: no cap): least_open the
 * fewest (ties: lowest id), else round-robin after the team's
 * rr_last_agent_id (wrapping), which then moves to the one picked. Locks
 * the team row first, so concurrent picks take turns. Returns 1
 * (*agent_id_r), 0 nobody (or no such team), -1. */
int db_assign_pick(struct db *db, int64_t tenant_id, int64_t team_id, bool least_open, unsigned max_open,
		   int64_t exclude_agent_id, int64_t *agent_id_r, char **error_r);

/* An agent's status: "online", "away" or "offline". Returns 0 or -1. */
int db_agent_status_set(struct db *db, int64_t tenant_id, int64_t agent_id, const char *status, char **error_r);

/* One ticket to hand over, with its team's assignment settings. */
struct db_ticket_handover {
	int64_t ticket_id, number, team_id;
	bool least_open;   /* the team's strategy; round-robin otherwise (also for manual) */
	unsigned max_open; /* the team's cap, 0 none */
};
/* The agent's open, pending and snoozed tickets, locked, highest priority
 * then oldest first. Returns 0 with *rows_r (malloc'd, free(); NULL when
 * *n_r is 0), or -1. */
int db_ticket_handover_list(struct db *db, int64_t tenant_id, int64_t agent_id, struct db_ticket_handover **rows_r,
			    size_t *n_r, char **error_r);

/* ---- Participants (db-ticket-move.c) ---- */

/* Who address is to the ticket: its requester (*is_requester_r), an agent
 * of the tenant (*is_agent_r); compared in lower case. 0 or -1. */
int db_ticket_cc_check(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
		       bool *is_requester_r, bool *is_agent_r, char **error_r);
/* Adds address (lower case; its contact made when new) as a participant.
 * 1 added, 0 it was one, -1. */
int db_ticket_participant_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
			      char **error_r);
/* Removes it. 1 removed, 0 it was none, -1. */
int db_ticket_participant_remove(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address,
				 char **error_r);

/* ---- Locking, split and merge for maildeskctl (db-ticket-move.c) ---- */

/* A ticket as maildeskctl changes it. */
struct db_ticket_row {
	int64_t id, number, tenant_id, team_id, requester_id;
	int priority;
	char status[16];
	int64_t merged_into_number; /* the ticket it was merged into, 0 none */
};
/* Locks the ticket numbered number (FOR UPDATE) until the transaction
 * ends and fills *t. 1 found, 0 none, -1. */
int db_ticket_lock_number(struct db *db, int64_t number, struct db_ticket_row *t, char **error_r);
/* The tenant's name (*tenant_name_r, malloc'd) and the address of its
 * agent email (*agent_email_r, malloc'd, NULL when no such agent; email
 * compared in lower case). 1 tenant found, 0 none, -1. */
int db_ticket_actor(struct db *db, int64_t tenant_id, const char *email, char **tenant_name_r,
		    char **agent_email_r, char **error_r);

/* A message of a tenant, locked (FOR UPDATE) for "ticket split". */
struct db_split_message {
	int64_t id, ticket_id, ticket_number;
	int64_t n_on_ticket;   /* messages on its ticket, itself included */
	char *from_addr, *from_name, *subject; /* "" when none; free with db_split_message_free */
};
/* 1 found, 0 no such message in the tenant, -1. */
int db_split_message_find(struct db *db, int64_t tenant_id, int64_t message_id, struct db_split_message *m,
			  char **error_r);
void db_split_message_free(struct db_split_message *m);
/* What a ticket made by hand starts as (a split-off one, "ticket new");
 * a delivery's own is db_ticket_open_new() (db-deliver.h). */
struct db_ticket_new {
	int64_t tenant_id, team_id, requester_id;
	int64_t linked_ticket_id; /* 0: none */
	int64_t assignee_id;      /* 0: unassigned */
	int priority;
	const char *subject; /* "" becomes "(no subject)" */
};
/* Creates it (status open). Returns 0 with *id_r and *number_r, or -1. */
int db_ticket_create(struct db *db, const struct db_ticket_new *n, int64_t *id_r, int64_t *number_r,
		     char **error_r);
/* Moves one message to ticket_id, saying why (match_reason reason,
 * match_detail detail), and touches the ticket it came from
 * (from_ticket_id). Returns 0 or -1. */
int db_ticket_message_move(struct db *db, int64_t tenant_id, int64_t message_id, int64_t from_ticket_id,
			   int64_t ticket_id, const char *reason, const char *detail, char **error_r);
/* Merges ticket from into ticket into (both of tenant_id, already
 * locked): its messages move (*moved_r: how many), its participants and
 * requester take part in into (into's requester excepted), from becomes
 * status merged pointing at into, and so do tickets merged into from
 * before; into is touched and keeps the later last_activity_at. 0 or -1. */
int db_ticket_merge(struct db *db, int64_t tenant_id, int64_t into_id, int64_t from_id, int64_t *moved_r,
		    char **error_r);

#endif
