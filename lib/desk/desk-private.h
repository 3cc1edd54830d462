#ifndef MD_DESK_PRIVATE_H
#define MD_DESK_PRIVATE_H
/* Shared by the files of lib/desk only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db-outbound.h"
#include "db/db.h"
#include "desk/desk.h"

/* Where a message being delivered goes (desk-thread.c): gathers the
 * evidence through lib/db (ts: the settings db_delivery_start read), decides with lib/thread and applies it (a new,
 * maybe linked ticket, or an append that may reopen), filling ticket id and
 * number, reason, detail, token agent and bounce row in r. Returns 0 or -1. */
struct db_thread_settings;
int desk_thread_place(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      const struct db_message_in *m, const struct db_thread_settings *ts, int64_t sender_contact_id,
		      struct db_delivery_result *r, bool *add_participants_r, char **error_r);
/* The sender and the To/Cc addresses that are neither our aliases nor
 * agents join the ticket (call only when the decision allows it). */
int desk_participants_add(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			  const struct db_message_in *m, char **error_r);
/* What the helpdesk does once a (non-duplicate) message is stored, inside
 * the delivery's transaction (desk.c): a delivery report, an agent's
 * answer, or rules, notifications and acknowledgement. Returns 0, or -1
 * when the transaction is lost (a step's own failure is recorded and
 * skipped). */
int desk_react(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
	       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r);

/* Everything a notification or a reply shows about a ticket; strings owned. */
struct desk_ticket {
	int64_t id, number, team_id, assignee_id;
	int priority;
	char *subject, *status, *team_name, *team_alias, *sender_name_format, *subject_tag_format;
	char *assignee_email, *assignee_name; /* "" when unassigned */
	char *requester_email, *requester_name;
	char *tags; /* space-separated, "" when none */
	char *order_ref, *shipment_ref, *sku; /* "" when none */
};

struct desk_agent {
	int64_t id;
	char *email, *name, *status, *signature;
	bool notify_offline;
};

/* The address a team sends from (and gets replies at), malloc'd into
 * *address_r ("" when the team has no alias): its oldest alias when that
 * alias's domain (or a parent) is a verified sending domain of the tenant;
 * else, with s->shared_domain set and added as a sending domain,
 * ALIASLOCAL.TENANT@shared_domain (lower-case; not for a tenant name that
 * is no plain atom, nor when another team of the tenant has the same
 * ALIASLOCAL on its oldest alias); else the oldest alias. s may be NULL
 * (no shared domain). Returns 0 or -1. */
int desk_team_address(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      char **address_r, char **error_r);
/* Loads a ticket of the tenant. Returns 0 or -1. team_alias is the team's
 * sending address (desk_team_address()). */
int desk_ticket_load(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		     struct desk_ticket *t, char **error_r);
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
 * "support+1042-0-abcd...@acme.example" for the customer (agent_id 0);
 * for an agent the agent form with the time now and a random nonce,
 * "support+1042-7-bm5qzaa-k2d7xq-abcd...@acme.example", which expires
 * (s->agent_token_lifetime_s). malloc'd; the bare alias without a secret. */
char *desk_reply_address(const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			 int64_t agent_id);
/* The agent's own signed control address on a team's sending address:
 * "support+control-7-abcd...@acme.example" (malloc'd), or NULL without a
 * secret, a delimiter or an '@' in team_alias (desk-control.c). */
char *desk_control_address_make(const struct desk_settings *s, int64_t tenant_id, const char *team_alias,
				 int64_t agent_id);
struct buf;
/* The footer of every notification to an agent: until when its reply
 * address works (s->agent_token_lifetime_s from now) and the agent's own
 * control address on team_alias (desk-notify.c). */
void desk_agent_footer(struct buf *b, const struct desk_settings *s, int64_t tenant_id, const char *team_alias,
		       int64_t agent_id);
/* A new signed Message-ID for the ticket (malloc'd, without <>). */
char *desk_message_id(const struct desk_settings *s, int64_t tenant_id, int64_t ticket_number);

/* Queues a composed mail (the outbound row records it); automatic mail
 * past its hourly cap (struct desk_settings) is not queued, and the ticket
 * records that as a mail.capped event instead. */
int desk_queue(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
	       enum db_outbound_kind kind, const char *envelope_from, const char *const *rcpts, size_t n_rcpts, const char *data, size_t len,
	       const char *message_id, char **error_r);
/* A short automatic mail to an agent from the team (explanations,
 * undeliverable mail): Subject is subject_prefix + the tagged ticket
 * subject, kind explanation, null envelope sender, Auto-Submitted. */
int desk_agent_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct desk_agent *a, const char *subject_prefix, const char *body, const char *in_reply_to,
		      char **error_r);
/* The same mail about anything (ticket_id 0 and number 0: about no
 * ticket, such as the answer to a mail to the control address). */
struct desk_notice {
	int64_t ticket_id, ticket_number;
	const char *team_name, *team_alias, *subject, *body;
	const char *in_reply_to; /* may be NULL */
};
int desk_team_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_notice *n,
		     const struct desk_agent *a, char **error_r);
/* Records an event on a ticket (actor "mail" unless given). */
int desk_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
	       const char *detail, char **error_r);
/* Sets messages.kind (and agent_id when not 0) of a stored message. */
int desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
		      char **error_r);


struct agent_auth_verdict;
/* What our own mail server's Authentication-Results (authserv_id) say of
 * m's From domain; all false without authserv_id, without a From address
 * or with more than one From mailbox (m->from_count > 1). The
 * one place desk code asks whether a sender is authenticated. */
void desk_sender_auth(const struct desk_settings *s, const struct db_message_in *m, struct agent_auth_verdict *v_r);

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
/* The customer's attachments in a notification (desk-notify-attach.c):
 * text lists them (name, type, size, id; NULL when the message has none),
 * carry holds them (pointing into the message, which must outlive it)
 * when together they stay within the team's notify_attach_max. */
struct mime_compose_attachment;
struct desk_notify_attach {
	char *text;
	struct mime_compose_attachment *carry;
	size_t n_carry;
};
/* Fills *na for m, stored as message_id on ticket t (its team's limit).
 * Returns 0 (free *na with desk_notify_attach_free() either way) or -1. */
int desk_notify_attach_load(struct db *db, int64_t tenant_id, const struct desk_ticket *t, int64_t message_id,
			    const struct db_message_in *m, struct desk_notify_attach *na, char **error_r);
void desk_notify_attach_free(struct desk_notify_attach *na);
/* Something happened to a ticket that its agents should know (the snooze
 * ended): the same notification as for customer mail, headed
 * "HEADING: ticket N, subject", with text (one paragraph) instead of the
 * customer's message; to the assignee, else the team's agents (online or
 * asked for mail while offline). */
int desk_notify_ticket(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		       const char *heading, const char *text, char **error_r);
struct agent_reply;
/* Checks that every command can apply (known assignee; the templates are
 * desk_templates_check()'s) before anything is written; *refused_r
 * (malloc'd) says why not. */
int desk_commands_check(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct desk_agent *a,
			const struct agent_reply *reply, char **refused_r, char **error_r);
/* Why a change of a request would break "one open request per order and
 * reason" (desk-request.c): reopen (order unused), or set its order to
 * order (NULL: clear it, which a request never allows). 0 with *why_r
 * NULL (allowed) or malloc'd (refused); -1 with *error_r. */
int desk_request_change_why(struct db *db, int64_t tenant_id, int64_t ticket_id, bool reopen, const char *order,
			    char **why_r, char **error_r);
/* Composes the agent's answer (text, len: the part for the customer),
 * stores it as an outgoing message of the ticket and queues it to the
 * requester with the participants on Cc. mail: the agent's mail, whose
 * attachments go along, bytes unchanged (NULL: none). */
int desk_customer_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const char *text, size_t len, const struct db_message_in *mail,
			char **error_r);

/* A note by author: mails it to the ticket's assignee when that is someone
 * else who is online or asked for mail while offline. */
int desk_note_notify(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		     const struct desk_agent *author, const char *text, size_t len, char **error_r);

/* True only for what a mail server sends as a delivery report: the null
 * envelope sender (MAIL FROM:<>) and a multipart/report with a
 * message/delivery-status (or global-delivery-status) part. Only such mail
 * to a VERP return path may change delivery state. */
bool desk_is_delivery_report(const struct db_message_in *m);

/* Mail to the signed return path of one of our mails that is no delivery
 * report (a human reply, an auto-reply, a forged report): records the
 * event mail.verp-not-report on the ticket it was stored on and changes no
 * delivery state; the caller then handles it as any other mail. */
int desk_verp_not_report(struct db *db, int64_t tenant_id, const struct db_message_in *m,
			 const struct db_delivery_result *r, char **error_r);

/* A delivery report (desk_is_delivery_report) to the signed return path
 * of one of our mails: marks that outbound row failed when it says so. */
int desk_bounce(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
		const struct db_delivery_result *r, char **error_r);

/* A mail that came through an agent's reply address. */
int desk_agent_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
		    const struct db_delivery_result *r, char **error_r);

/* ---- Mail to the customer in general (desk-reply.c) ---- */
struct mime_compose_attachment;
/* What desk_customer_send() writes. */
struct desk_outgoing {
	enum db_outbound_kind kind; /* DB_OUTBOUND_REPLY (subject "Re: ...") or DB_OUTBOUND_NEW */
	const char *detail;         /* messages.match_detail: how it was written */
	const struct mime_compose_attachment *attachments;
	size_t n_attachments;
};
/* desk_customer_reply() for any kind of mail from an agent to the
 * customer, with attachments (stored with the message too). */
int desk_customer_send(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		       const struct desk_agent *a, const char *text, size_t len, const struct desk_outgoing *o,
		       char **error_r);
/* Applies every command of a reply that desk_commands_check() and
 * desk_templates_check() accepted (desk-agent.c). */
int desk_commands_apply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const struct agent_reply *reply, char **refused_r, char **error_r);

/* ---- Templates in the database (desk-template-use.c) ---- */
/* A team's template: 1 found (*body_r malloc'd), 0 none, -1 error. */
int desk_template_load(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
		       char **error_r);
/* The variables for ticket t written by agent a (NULL: nobody, as for an
 * acknowledgement). The values point into t, a and number (which must
 * outlive vars). */
void desk_template_vars_fill(const struct desk_ticket *t, const struct desk_agent *a, char number[24],
			     struct desk_template_vars *vars);
/* Checks that every #template of reply names a template of the ticket's
 * team; *refused_r (malloc'd) says which does not. Returns 0 or -1. */
int desk_templates_check(struct db *db, int64_t tenant_id, const struct desk_ticket *t,
			 const struct agent_reply *reply, char **refused_r, char **error_r);
/* Whether a reply goes to the customer: it is no note, and it has text or
 * a #template. */
bool desk_reply_sends(const struct agent_reply *reply);
/* The text for the customer: each #template expanded, in order, then the
 * agent's own text (text, len; dropped when it is blank). *out_r malloc'd. */
int desk_reply_text(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
		    const struct agent_reply *reply, const char *text, size_t len, char **out_r, size_t *out_len_r,
		    char **error_r);
/* desk_customer_reply() of desk_reply_text() (mail as there). */
int desk_template_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const struct agent_reply *reply, const char *text, size_t len,
			const struct db_message_in *mail, char **error_r);

/* ---- Shared by desk-cli.c and desk-cli-new.c ---- */
/* The agent with address email in the tenant, loaded into *a. Returns 0,
 * or -1 with *error_r ("x is not an agent of tenant demo"). */
int desk_cli_agent(struct db *db, int64_t tenant_id, const char *email, struct desk_agent *a, char **error_r);
/* Marks the ticket as just worked on. */
int desk_cli_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* Reads the commands at the top of text, checks every one (templates
 * included) and applies them, as for a mailed answer. Returns 0 with
 * *reply_r (free with agent_reply_free(), also on -1), or -1 with
 * *error_r the first problem ("line 2: #snooze: ..."). */
int desk_cli_commands(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct desk_agent *a, const char *text, size_t len, struct agent_reply **reply_r,
		      char **error_r);

/* ---- Acknowledgements (desk-ack.c) ---- */
/* A new ticket from a customer: the team's acknowledgement template back
 * to the requester, unless the mail is automatic (RFC 3834) or the
 * requester got one from this team within autoack_window; a suppressed
 * acknowledgement is recorded on the ticket. */
int desk_ack(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
	     const struct db_message_in *m, const struct db_delivery_result *r, char **error_r);

/* ---- Rules on the mail paths (desk-rules.c) ---- */
/* Customer mail stored on a ticket (not a duplicate): ticket.created
 * rules for a new ticket, else message.received, on the calling thread's
 * cache. Run before agents are notified, so the notification goes to the
 * assignee and team the rules chose. The rules read m's header fields
 * from memory. */
int desk_rules_inbound(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r);
/* An agent's answer went to the customer (message_id: the agent's stored
 * mail, 0 for none; m: that mail as delivered, whose header fields the
 * rules read from memory, NULL when it is not at hand): records the first
 * response (SLA), then runs the agent.replied rules. */
int desk_rules_agent_answered(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			      int64_t message_id, const struct db_message_in *m, char **error_r);
/* tag.added rules, once for each tag an applied reply's #tag commands
 * really added (not for tags the ticket had already); message_id and m as
 * for desk_rules_agent_answered(). */
int desk_rules_tags_added(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			  int64_t message_id, const struct db_message_in *m, const struct agent_reply *reply,
			  char **error_r);

/* ---- Orders (desk-order.c, desk-order-pattern.c) ---- */
/* How much of a message the order patterns read: the subject, and the
 * start of the text body (a stranger's text bounds its own cost). */
#define DESK_ORDER_SUBJECT_MAX 1000
#define DESK_ORDER_BODY_MAX 65536
/* "Order: 1042 | Shipment: X | SKU: Y\n" for a notification, nothing
 * when the ticket has none of them. */
void desk_order_line(struct buf *b, const struct desk_ticket *t);
/* Customer mail stored on a ticket: when the tenant has order patterns
 * (r->order_patterns_version) and the ticket is new or has no order yet,
 * the first match on the subject, else on the body, becomes its order
 * (source extract). Returns 0 or -1. */
int desk_order_extract(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r);

#endif
