#ifndef MD_DESK_H
#define MD_DESK_H
/* The helpdesk's reactions to mail, run inside the delivery transaction
 * (desk_deliver opens and commits it), so every mail it queues commits together
 * with the message that caused it:
 *   - a customer's message: agents are notified (the assignee, else the
 *     team's agents who are online or asked to be mailed while offline),
 *     unless the message is automatic mail (RFC 3834: bounces, lists,
 *     auto-replies, our own mail), so two systems never loop;
 *   - a mail to a reply address whose verified token names an agent, from
 *     that agent's own address: the agent's answer. Commands at its top are
 *     applied, the quoted notification is cut, the signature appended, and
 *     the answer is queued to the requester (participants on Cc) from the
 *     team's alias, threaded onto the customer's conversation. From any
 *     other address it is stored as untrusted, nothing reaches the
 *     customer, and the agent is told. The same holds for an agent's
 *     reply address older than agent_token_lifetime_s (the agent is told
 *     the notification expired and how to answer).
 * The module reads and writes through lib/db only (SQL with parameters). */
#include <stdbool.h>
#include <stdint.h>

#include "db/db-ticket.h"
#include "db/db.h"

/* agent_token_lifetime's default: 30 days. */
#define DESK_AGENT_TOKEN_LIFETIME_DEFAULT (30 * 86400)

struct desk_settings {
	const char *secret;    /* signs reply addresses and Message-IDs */
	const char *hostname;  /* right-hand side of our Message-IDs */
	char delimiter;        /* recipient delimiter for reply addresses */
	/* Hard caps on automatic mail (notifications, acknowledgements,
	 * explanations) in any hour: per ticket, and per recipient address.
	 * Past them the mail is not queued and the ticket says so. 0 = no cap. */
	unsigned auto_per_ticket_hour;
	unsigned auto_per_address_hour;
	/* And per team, automatic mail to customers (acknowledgements, the
	 * rules' automatic mail; kind ack): what a flood of forged senders
	 * could otherwise turn into mail to anyone. 0 = no cap. */
	unsigned auto_per_team_hour;
	/* An agent's mailed answer counts only with DKIM or DMARC pass for
	 * the agent's domain in an Authentication-Results field of our own
	 * mail server (authserv_id), above its Received line. */
	bool require_dkim;
	const char *authserv_id;
	/* How long (seconds) an agent's signed reply address, as a
	 * notification carries it, is honoured (thread_token_expired()). A
	 * reply through an older one is stored as untrusted, sends nothing and
	 * the agent is told why. 0 is taken as the default, 30 days. */
	unsigned agent_token_lifetime_s;
	/* A team's automatic acknowledgement goes to one sender at most once
	 * in this many seconds (counted from the outbound queue). */
	unsigned autoack_window_s;
	/* The provider's shared sending domain ("" or NULL: none): teams
	 * whose own domain is not verified send from
	 * ALIASLOCAL.TENANT@shared_domain (see desk-dkim.c). */
	const char *shared_domain;
	/* PCRE2 match limit of the rule engine (0: lib/rules' default). */
	unsigned rule_match_limit;
	/* Every recipient delimiter character (as Postfix's
	 * recipient_delimiter; delimiter above is the one we write). NULL: "+". */
	const char *delimiters;
};

/* Before desk_deliver(): records in m what our own mail server's
 * Authentication-Results say of its sender (sender_authenticated: DMARC
 * pass or DKIM pass for exactly the From domain) and whether agents need
 * that pass (agent_reply_require_dkim), so threading can decide who may
 * add participants. */
void desk_inbound_trust(const struct desk_settings *s, struct db_message_in *m);

/* ---- One delivery (desk-deliver.c): the pipeline of every received mail ----
 * Stores a message delivered to one recipient alias of a team in ONE
 * transaction, which this function opens (pipelined: db_begin_pipelined)
 * and commits:
 *   1. the raw bytes (once per tenant and hash); the same raw message
 *      already delivered to this team changes nothing and reports duplicate
 *      with the earlier ticket;
 *   2. the contact (keyed by From in lower case, else the envelope sender,
 *      else the literal "unknown");
 *   3. the ticket (desk_thread_place: a verified token or one of our
 *      Message-IDs, In-Reply-To/References or a subject tag from the
 *      requester, a participant or an authenticated agent; else a new
 *      ticket, titled by the subject or "(no subject)", linked to the one a
 *      stranger's References named). A follow-up reopens a closed, solved,
 *      pending or snoozed ticket (an event), unless it was closed longer ago
 *      than the team's reopen_days: then a new ticket linked to it;
 *   4. the message with how it was matched, the participants when the
 *      decision allows it (each a participant.added event), attachments;
 *   5. what the helpdesk does about it: a delivery report to one of our
 *      return paths, an agent's answer through a verified reply address, or
 *      else the rules, the agents' notifications and the acknowledgement,
 *      each in a savepoint of its own (a failure is recorded on the ticket
 *      as automation.failed and costs neither the message nor the others).
 * Returns 0 only after COMMIT succeeded, r filled. Two identical
 * deliveries racing each other: the loser hits the unique index, is
 * retried once and then reports duplicate; a lost connection is
 * re-established and the delivery tried once more (which finds a stored
 * twin if the COMMIT had gone through). A message fetched over IMAP
 * (m->channel_pos set) moves its channel's position in the same
 * transaction, and for a duplicate in a short one of its own, so the
 * position never passes a message that is not stored. Every string in m must be valid
 * UTF-8 without NULs; rcpt is stored in lower case. Must not be called
 * inside db_begin() ... db_commit(). -1 with *error_r: nothing was stored. */
int desk_deliver(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id, const char *rcpt,
		 const struct db_message_in *m, struct db_delivery_result *r, char **error_r);

/* ---- Templates (desk-template.c): pure, no database ----
 * A template is UTF-8 text with variables, replaced by their values:
 *   {{ticket.number}}  {{ticket.subject}}
 *   {{customer.name}}  {{customer.email}}   (the requester; the name is the
 *                                            address when none is known)
 *   {{agent.name}}     {{agent.email}}      (the agent who writes; in an
 *                                            acknowledgement the assignee, or
 *                                            else the team's name and alias)
 *   {{team.name}}
 *   {{ticket.order}}   (the ticket's order reference, "" when none)
 * Blanks inside the braces are fine ("{{ ticket.number }}"). Every other
 * "{{" is an error: an unknown or malformed name, an empty one, or "{{"
 * without "}}" on the same line. A single '{' or '}' is text. Values are
 * inserted as they are and never expanded again. */
#define DESK_TEMPLATE_MAX 65536

struct desk_template_vars {
	const char *ticket_number, *ticket_subject;
	const char *customer_name, *customer_email;
	const char *agent_name, *agent_email;
	const char *team_name; /* NULL is "" */
	const char *ticket_order; /* {{ticket.order}}: the order reference, "" when none */
};

/* Where a template is wrong: 1-based line and column (the column counts
 * characters, a tab is one) of the "{{" or the bad byte, and what. */
struct desk_template_error {
	unsigned line, column;
	char message[160]; /* "unknown variable {{ticket.numbr}}" */
};

/* Checks a template of len bytes (it need not be NUL-terminated). Returns
 * 0, or -1 with *err filled; also for invalid UTF-8, a NUL byte, or more
 * than DESK_TEMPLATE_MAX bytes. */
int desk_template_check(const char *text, size_t len, struct desk_template_error *err);
/* The template with every variable replaced: malloc'd, NUL-terminated,
 * its length in *len_r (may be NULL). NULL with *err filled when
 * desk_template_check() would fail. */
char *desk_template_expand(const char *text, size_t len, const struct desk_template_vars *vars, size_t *len_r,
			   struct desk_template_error *err);
/* Whether text can be stored as it is: valid UTF-8 without NUL bytes
 * (what PostgreSQL takes). */
bool desk_text_valid(const char *text, size_t len);

/* ---- Working from the shell (desk-cli.c, desk-cli-new.c) ----
 * What "maildeskctl ticket reply/note/new" do, the same as the mail paths.
 * Each runs inside the caller's transaction (db_begin() ... db_commit()),
 * so a failure leaves nothing behind once the caller rolls back. Errors
 * are -1 with *error_r one malloc'd line, meant for the user as it is
 * ("agent x@y is not an agent of tenant demo", "line 2: #snooze: ..."). */

/* An agent's answer from a file, as if mailed to the ticket's reply
 * address by agent_email (which must be an agent of the ticket's tenant):
 * commands at its top apply (#template inserts a template), then the text
 * is queued to the requester (participants on Cc), signed and threaded,
 * and stored as an outgoing reply. A #note makes it an internal note (see
 * desk_cli_note). *done_r (malloc'd) says what happened, one line. */
int desk_cli_reply(struct db *db, const struct desk_settings *s, int64_t ticket_number, const char *agent_email,
		   const char *text, size_t len, char **done_r, char **error_r);
struct mime_compose_attachment;
/* desk_cli_reply() with files that go to the customer with the answer
 * (stored with it too; "ticket reply --attach"). n_attachments > 0 with a
 * #note, or with commands and no text, is refused: nothing would carry them. */
int desk_cli_reply_attach(struct db *db, const struct desk_settings *s, int64_t ticket_number,
			  const char *agent_email, const char *text, size_t len,
			  const struct mime_compose_attachment *attachments, size_t n_attachments, char **done_r,
			  char **error_r);
/* An internal note by agent_email, stored as it is (no commands are read)
 * as a message of kind 'note' that is never sent. When the ticket has an
 * assignee who is not the author, the assignee is notified by mail (as for
 * customer mail: when online or asked to be mailed while offline). */
int desk_cli_note(struct db *db, const struct desk_settings *s, int64_t ticket_number, const char *agent_email,
		  const char *text, size_t len, char **done_r, char **error_r);

/* The signed reply address of a ticket, as agent notifications carry it
 * (agent_email NULL: without an agent), on the team's sending address
 * (its own domain once verified, else the shared domain): what
 * "maildeskctl ticket address" prints. Returns 0 with *address_r
 * malloc'd, or -1 ("ticket 7 not found", no alias, no secret). */
int desk_cli_reply_address(struct db *db, const struct desk_settings *s, int64_t ticket_number,
			   const char *agent_email, char **address_r, char **error_r);

/* An agent's own signed control address (see desk-control.c) on the
 * sending address of one of their teams: what "maildeskctl agent show"
 * prints and notifications carry. Returns 0 with *address_r malloc'd, or
 * -1 (no alias, no secret or no delimiter; a database error). */
int desk_cli_control_address(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			     int64_t agent_id, char **address_r, char **error_r);

/* A ticket started by an agent: the first mail goes out from the team. */
struct desk_cli_ticket {
	int64_t tenant_id, team_id;
	const char *agent_email; /* an agent of the tenant; becomes the assignee */
	const char *to;          /* the customer's address; becomes the requester */
	const char *subject;     /* not empty */
	const char *text;        /* commands may come first, as in a reply */
	size_t len;
	const struct mime_compose_attachment *attachments;
	size_t n_attachments;
	const char *order; /* the ticket's order reference (desk_ticket_set_order), NULL: none */
};
/* Creates the ticket and queues its first mail (outbound kind 'new'):
 * From "<agent> from <team>" <alias>, Reply-To the ticket's signed reply
 * address, the attachments, stored as the ticket's first message
 * (direction out, kind reply). *number_r gets the ticket number. */
int desk_cli_new(struct db *db, const struct desk_settings *s, const struct desk_cli_ticket *n, int64_t *number_r,
		 char **error_r);

/* An agent's mail (a reply or a new ticket's first mail) failed for good
 * in the outbound queue: queues a short notice to that agent, saying why.
 * Call inside a transaction. Returns 0 (also when there is nobody to tell)
 * or -1. */
int desk_outbound_failed(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t outbound_id,
			 const char *why, char **error_r);

/* ---- One way a ticket changes (desk-ticket.c) ----
 * Mail commands, rules, timers, agent status and maildeskctl change a
 * ticket only through these: each is one typed operation of lib/db
 * (db-ticket.h) and, when it changed something, exactly one event
 * (ticket_events) with actor: "mail" when NULL, an agent's address for
 * commands and maildeskctl --by, "maildeskctl", "rule:NAME", "timer".
 * Each runs inside the caller's transaction and returns 1 changed, 0
 * nothing to change (nothing is recorded), or -1 with *error_r. */

/* Status closed: closed_at now, snooze_until cleared; event "closed" with
 * detail (NULL: ""). 0 when it was closed already (or merged). */
int desk_ticket_close(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, const char *detail,
		      char **error_r);
/* Status open: closed_at and snooze_until cleared; event "reopened". 0
 * when it was open already (or merged). */
int desk_ticket_reopen(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, const char *detail,
		       char **error_r);
/* Status solved (closed_at now: the close-after timer counts from it);
 * event "solved" with detail (NULL: ""); then, when it changed and s is
 * not NULL, the ticket.solved rules run (desk_rules_run, the calling
 * thread's cache). 0 when it was solved already (or merged). */
int desk_ticket_solve(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		      const char *actor, const char *detail, char **error_r);
/* An agent answered the customer: an open ticket, or a draft (its first
 * answer), becomes pending (awaiting the customer), event "pending"
 * "answered by ACTOR"; any other
 * status is left alone (a snoozed, solved or closed ticket stays so). */
int desk_ticket_answered(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor, char **error_r);
/* A solved ticket's close-after time passed (the timer claimed it):
 * closed, event "closed" by "timer"; 0 when it is no longer solved. */
int desk_ticket_close_solved(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* A snooze ended (the timer claimed the ticket): open as desk_ticket_reopen,
 * event "woke" by "timer", "snooze ended". */
int desk_ticket_wake(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* Status snoozed until w (db_ticket_snooze(); *out filled); event
 * "snoozed" "until YYYY-MM-DD HH:MM Zone" (the team's zone). 0 when
 * w->refuse_past and the time has passed (out->past) or no ticket. */
int desk_ticket_snooze(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_snooze *w,
		       const char *actor, struct db_snoozed *out, char **error_r);
/* Priority 0-3 when it differs; event "priority" "low|medium|high|urgent";
 * the SLA due times follow (desk_sla_update). */
int desk_ticket_set_priority(struct db *db, int64_t tenant_id, int64_t ticket_id, int priority, const char *actor,
			     char **error_r);
/* Adds (remove: removes) a tag, stored in lower case; it must be valid
 * ([a-z0-9][a-z0-9_.-]{0,63} once lower-cased). Event "tagged" /
 * "untagged" with the tag, only when it changed. */
int desk_ticket_tag(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, bool remove,
		    const char *actor, char **error_r);
/* ticket_tags' CHECK: ^[a-z0-9][a-z0-9_.-]{0,63}$ (of a lower-cased tag). */
bool desk_tag_valid(const char *tag);
/* fields[name] = value (valid UTF-8); event "field" "name = value" (the
 * value cut at 200 bytes). */
int desk_ticket_set_field(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *name, const char *value,
			  const char *actor, char **error_r);
/* To the tenant's team named team_name (exact case first, else any
 * case); event "moved" "to team NAME"; the new team's SLA due times.
 * Returns 1 (*team_id_r), 0 no such team (nothing recorded), -1. */
int desk_ticket_move(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *team_name, const char *actor,
		     int64_t *team_id_r, char **error_r);
/* Sets (agent_id 0: clears) the assignee when it changes; event
 * "assigned" "EMAIL[ how]" or "unassigned" "[how]"; the new assignee is
 * mailed that the ticket is theirs (when online or notify_offline; s
 * NULL: nobody is mailed, as for an agent's own #assign). An agent_id
 * not of the tenant is -1. */
int desk_ticket_assign_how(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			   int64_t agent_id, const char *actor, const char *how, char **error_r);
/* desk_ticket_assign_how() without how; returns 0 (also when unchanged) or -1. */
int desk_ticket_assign(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		       int64_t agent_id, const char *actor, char **error_r);
/* A breach of an SLA target: its *_breached_at, event "sla.breached" by
 * "timer" with the target's name. Returns 0 or -1. */
int desk_ticket_sla_breach(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_sla_target target,
			   char **error_r);
/* "#cc add ADDR" / "#cc remove ADDR" by mail and "maildeskctl ticket cc":
 * adds address (lower case) as a participant of the ticket, or removes
 * it, recorded as a participant.added / participant.removed event with
 * actor. Returns 0 with *changed_r (false: it already was so, or it is
 * the requester, who is on To anyway) and *refused_r (malloc'd, NULL when
 * fine: an agent cannot be added), or -1. */
int desk_ticket_cc(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *address, bool remove,
		   const char *actor, bool *changed_r, char **refused_r, char **error_r);
/* Two tickets of one tenant, both locked by the caller. */
struct desk_ticket_pair {
	int64_t tenant_id;
	int64_t into_id, into_number, from_id, from_number;
};
/* Merges from into into (db_ticket_merge(); *moved_r messages moved);
 * event "merged" on both: "ticket F merged into this one (N messages)" and
 * "merged into ticket I". Returns 0 or -1. */
int desk_ticket_merge(struct db *db, const struct desk_ticket_pair *p, const char *actor, int64_t *moved_r,
		      char **error_r);
/* Splits message_id off ticket n->linked_ticket_id (numbered from_number)
 * into a new ticket n (*number_r): the message says "split from ticket F
 * by ACTOR", the old ticket is touched, event "split" on both. 0 or -1. */
int desk_ticket_split(struct db *db, const struct db_ticket_new *n, int64_t from_number, int64_t message_id,
		      const char *actor, int64_t *number_r, char **error_r);

/* ---- Agent status by mail (desk-control.c) ----
 * A team's control address is its alias with the extension "control"
 * (support+control@acme.example); each agent also has a signed one of
 * their own, "control-<agent>-<mac>" (support+control-7-abcd...@...,
 * thread_control_token_make()). Mail to either never becomes a ticket. An
 * agent writes "#status online|away|offline|offline-and-reassign" as its
 * first line, and gets a short confirmation or the error by mail (kind
 * explanation). It counts only when it is authenticated:
 *   - to the agent's own signed address, From that agent's address (and
 *     with require_dkim also the pass below);
 *   - to the plain address, From an agent's address and our mail
 *     server's Authentication-Results (authserv_id) show dmarc=pass, or
 *     dkim=pass with header.d exactly the agent's domain.
 * Anything else (a forged From, a signed address of another agent, a
 * forged or foreign token), and automatic mail (RFC 3834), changes
 * nothing and is not answered; the log line says why. The raw bytes are
 * kept in raw_messages, once per tenant: a redelivered mail (same bytes)
 * is answered 250 but changes nothing and sends nothing again. */

/* Whether a recipient extension (NULL: none) names a control address
 * ("control", or "control-..." for an agent's signed one). */
bool desk_control_address(const char *rcpt_extension);
/* Handles one mail to a team's control address in a transaction of its
 * own (must not be called inside one). Returns 0 with *done_r (malloc'd,
 * one line for the log: who, what, the outcome; also for a refusal), or
 * -1 with *error_r when nothing could be stored (the MTA should retry). */
int desk_control_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      const struct db_message_in *m, char **done_r, char **error_r);
/* Whether state is one desk_agent_status_set() takes. */
bool desk_agent_status_valid(const char *state);

/* ---- Orders (desk-order.c, desk-order-pattern.c; issue 12) ----
 * A ticket's order reference, shipment and SKU (db-order.h) change only
 * through desk_ticket_set_order(), whoever asks. */
#include "db/db-order.h"

/* Where a change of a ticket's order came from (its event says). */
enum desk_order_source {
	DESK_ORDER_MAIL,    /* "mail" */
	DESK_ORDER_AGENT,   /* "agent": an agent's #order by mail */
	DESK_ORDER_CLI,     /* "cli": maildeskctl ticket order */
	DESK_ORDER_RULE,    /* "rule": a rule's set order / clear order */
	DESK_ORDER_EXTRACT, /* "extract": the tenant's order patterns */
};
const char *desk_order_source_name(enum desk_order_source src);
/* Sets field (value NULL or "": clears it) when it differs; event named
 * after the field ("order", "shipment", "sku") by actor (NULL: "mail")
 * with detail "NEW (was OLD|none, by SOURCE)" or "cleared (was OLD, by
 * SOURCE)". A value that is no valid reference (base/orderref.h) is -1
 * with *error_r saying why ("order \"a b\" is not valid: contains a
 * space ..."), nothing written. 1 changed, 0 the same already, -1. */
int desk_ticket_set_order(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_order_field field,
			  const char *value, enum desk_order_source src, const char *actor, char **error_r);
/* No order reminder for this ticket (a rule's "no order reminder"):
 * event "order_reminder.off". 1 changed, 0 it was off, -1. */
int desk_ticket_order_reminder_off(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor,
				   char **error_r);
/* The subject of a ticket started about order, from the tenant's order
 * subject template (every "{order}" replaced by order). 1 with
 * *subject_r (malloc'd), 0 the tenant has no template, -1. For callers
 * that create tickets without a subject ("ticket new --order", requests). */
int desk_order_subject(struct db *db, int64_t tenant_id, const char *order, char **subject_r, char **error_r);

/* The first order the tenant's patterns find in subject, then in body
 * (its first 64 KiB); each match bounded by s->rule_match_limit. The
 * patterns are compiled once per thread and version
 * (tenants.order_patterns_version, as a delivery reads it). 1 with
 * *order_r (malloc'd, a valid reference), 0 none, -1. */
int desk_order_find(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t version,
		    const char *subject, const char *body, char **order_r, char **error_r);

/* The longest order pattern a tenant may store, in bytes. */
#define DESK_ORDER_PATTERN_MAX 1000
/* NULL when pattern compiles as an order pattern (PCRE2, UTF-8); else a
 * malloc'd line naming the pattern, the offset and the problem. */
char *desk_order_pattern_check(const char *pattern);

#endif
