#ifndef MD_DESK_RULES_H
#define MD_DESK_RULES_H
/* The rule engine, assignment, SLA, snooze wake-ups and agent status, as
 * lib/desk runs them against the database (sql/008_rules.sql). The rules
 * themselves are lib/rules (pure); this is the glue: facts read from the
 * database, decisions written back, each action recorded on the ticket as
 * an event with actor "rule:NAME".
 *
 * Every function runs inside the caller's transaction (the delivery's, or
 * db_begin() ... db_commit() around it) and returns 0, or -1 with *error_r
 * one malloc'd line. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "desk/desk.h"
#include "rules/rules.h"

struct mime_field;

/* ---- Compiled programs (desk-rules-cache.c) ----
 * Each thread that runs rules owns one cache (not shared): compiled
 * programs per (tenant, team) with the rule_sets version they came from.
 * desk_rules_changed() (any thread; called when NOTIFY maildesk_rules
 * arrives) makes every cache re-check versions before its next use;
 * without it a cache trusts what it has, so a delivery costs no query when
 * rules did not change. */
struct desk_rules_cache;
struct desk_rules_cache *desk_rules_cache_new(uint32_t match_limit);
void desk_rules_cache_free(struct desk_rules_cache **c);
void desk_rules_changed(void);

/* What happened, for the rule engine. */
struct desk_rules_event {
	enum rules_event event;
	int64_t tenant_id;
	int64_t ticket_id;
	int64_t message_id;     /* the message that caused it, 0 for none */
	const char *event_name; /* external.event */
	const char *added_tag;  /* tag.added */
	/* The header fields of message_id as the delivery parsed them (in
	 * memory, borrowed for the call); NULL: read the stored ones. */
	const struct mime_field *fields;
	size_t n_fields;
	bool skip_sla; /* the team has no SLA policy (a delivery read it):
			* no due times unless a rule changed the ticket */
};

/* Runs the tenant's and then the team's rules for one event on one ticket
 * and applies the decisions (move, assign, tags, priority, snooze, close,
 * template reply, note, notify, fields). When the event is ticket.created,
 * SLA due times are set afterwards (the rules may have changed priority or
 * team). cache NULL: the calling thread's own cache (made on first use
 * with s->rule_match_limit, kept for the thread's life). *changed_r
 * (may be NULL) says whether any action took effect.
 *
 * The team's rules are those of the ticket's team after the tenant's ran
 * (a tenant rule that moves the ticket hands it to the new team's rules),
 * and see the tenant rules' effects; a stop in a tenant rule ends the run.
 *
 * Each action that takes effect is one ticket_events row, actor
 * "rule:NAME", named like the agents' own commands:
 *   moved "to team Billing"        assigned "ana@x" / "ana@x by round-robin"
 *   unassigned ""                  tagged "billing"   untagged "billing"
 *   priority "high"                snoozed "until <time> [zone]"
 *   closed ""                      field "order = 12345"
 *   note "internal note"           (the note is a messages row, kind note)
 *   replied "template thanks to carla@x"   notified "boss@x"
 * An action with nothing to do (the tag is there already, the same
 * priority) records nothing. One that cannot apply records kind
 * "rule.failed" with why ("no team "X"", "x is not an agent of this
 * tenant", "no agent available for round-robin", "team Support has no
 * template "x""); mail a rule would send in answer to automatic mail
 * (RFC 3834) records "rule.suppressed". Neither fails the call.
 * Mail: "reply with template" is an automatic reply from the team
 * (kind ack, Auto-Submitted, null sender; {{agent.*}} is the assignee,
 * else the team), "notify" a notice to the address (kind explanation);
 * both count against the hourly caps of desk_queue(). */
int desk_rules_run(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		   const struct desk_rules_event *e, bool *changed_r, char **error_r);

/* The facts for a stored message (message_id; 0: the ticket's latest
 * customer mail, for events no mail caused) on a ticket, as the
 * engine sees them; the strings live in *store (free with
 * desk_rules_facts_free). Used by desk_rules_run and "rule replay". */
struct desk_rules_facts_store {
	struct rules_facts facts;
	void *priv;
};
int desk_rules_facts_load(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id,
			  enum rules_event ev, struct desk_rules_facts_store *store, char **error_r);
void desk_rules_facts_free(struct desk_rules_facts_store *store);

/* ---- Assignment (desk-assign.c) ----
 * Picks an agent of the team: among its agents whose status is online
 * (away and offline are skipped), except exclude_agent_id, with fewer than
 * max_open open tickets (0: no cap); round-robin takes the next one after
 * the team's rr_last_agent_id (by agent id, wrapping) and moves it there;
 * least-open the one with the fewest open tickets (ties: lowest id).
 * Returns 1 (*agent_id_r set), 0 nobody eligible, -1 error. */
int desk_assign_pick(struct db *db, int64_t tenant_id, int64_t team_id, enum rules_strategy strategy,
		     unsigned max_open, int64_t exclude_agent_id, int64_t *agent_id_r, char **error_r);
/* Assigning itself is desk_ticket_assign() (desk.h). */

/* ---- SLA (desk-ticket.c) ----
 * Sets the ticket's first_response_due and resolution_due from its team's
 * policy for its priority (business hours when the team has a calendar),
 * counted from the ticket's creation; clears them when there is no policy.
 * Call at creation and whenever priority or team changes. */
int desk_sla_update(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* The first agent answer to the customer: records first_response_at. */
int desk_sla_first_response(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);

/* ---- The order reminder (desk-order.c) ----
 * Claims up to limit tickets whose order reminder is due
 * (db_order_reminder_claim(): open or pending, no order, older than the
 * team's order_reminder_after, never reminded, not turned off; marked in
 * the same transaction, so each is reminded once, by one daemon): event
 * "order_reminder" by "timer", and the assignee (else the team's agents,
 * online or asked for mail while offline) gets an "Order missing" mail.
 * *n_r gets how many. */
int desk_order_remind_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			  unsigned limit, unsigned *n_r, char **error_r);

/* ---- Timers (desk-timers.c): snooze wake-ups and SLA breaches ----
 * Claims up to limit snoozed tickets whose time has come (FOR UPDATE SKIP
 * LOCKED, so several daemons wake each exactly once): each is reopened,
 * a "woke" event recorded, the assignee (or else the team's agents)
 * notified, and its ticket.woke rules run. *n_r gets how many. */
int desk_wake_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, unsigned limit,
		  unsigned *n_r, char **error_r);
/* The same for SLA targets past due: each breach is recorded once
 * (first_response_breached_at / resolution_breached_at, an "sla.breached"
 * event) and fires sla.breached rules once. */
int desk_sla_breach_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			unsigned limit, unsigned *n_r, char **error_r);
/* The same for solved tickets whose team's close-after time has passed:
 * each is closed once (desk_ticket_close_solved: event "closed" by
 * "timer"); no rules run (ticket.solved ran when it was solved). s and
 * cache are unused (the claim_fn shape of the daemon's timers). */
int desk_close_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, unsigned limit,
		   unsigned *n_r, char **error_r);
/* When the next snooze, SLA or close-after timer is due: 1 with *at_r (Unix seconds,
 * possibly in the past), 0 none, -1 error. Reads only the partial indexes. */
int desk_timers_next(struct db *db, int64_t *at_r, char **error_r);

/* ---- Agent status (desk-status.c) ----
 * state: "online", "away", "offline", "offline-and-reassign" (stored as
 * offline, after the agent's open, pending and snoozed tickets are handed
 * to teammates through the team's strategy (round-robin when 'manual'),
 * each new assignee notified; a ticket nobody can take is unassigned).
 * *done_r (malloc'd) says what happened, one line. */
int desk_agent_status_set(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t agent_id,
			  const char *state, const char *actor, char **done_r, char **error_r);
/* Hands the agent's open, pending and snoozed tickets (of team_id; 0: of
 * every team) to teammates as offline-and-reassign does (a ticket nobody
 * can take is unassigned, with event "reassign.none" saying why); appends
 * "; N tickets handed over: ..." to summary. Used by offline-and-reassign,
 * "agent remove" and "agent team remove". Returns 0 or -1. */
struct buf;
int desk_agent_handover(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t agent_id,
			int64_t team_id, const char *actor, const char *why, struct buf *summary, char **error_r);

#endif
