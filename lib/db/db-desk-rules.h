#ifndef MD_DB_DESK_RULES_H
#define MD_DB_DESK_RULES_H
/* What the rule engine's glue in lib/desk reads: the stored rule sets
 * (for its per-thread cache of compiled programs), which tags the
 * current transaction added, and the ticket and message a rule sees. Conventions of db.h: -1 with *error_r
 * malloc'd on failure; lookups return 1 found, 0 not found. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* The rule set of the tenant for scope (a team id, 0 for the tenant-wide
 * set): *stamp_r gets its stamp ("version/loaded_at", malloc'd), and
 * *source_r its program text (malloc'd) only when the stamp differs from
 * known_stamp (NULL: none known), else NULL. 1 found, 0 no such set (both
 * left alone), -1 error. */
int db_desk_rule_set_read(struct db *db, int64_t tenant_id, int64_t scope, const char *known_stamp, char **stamp_r,
			  char **source_r, char **error_r);
/* Whether the tenant has any rule set. Returns 0 with *any_r set, or -1. */
int db_desk_rule_sets_any(struct db *db, int64_t tenant_id, bool *any_r, char **error_r);
/* Whether this transaction tagged the ticket with tag (a "tagged" event
 * stamped with the transaction's now()). 1 yes, 0 no, -1 error. */
int db_desk_tag_added_now(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r);

/* ---- Rule facts (lib/desk/desk-rules-facts.c) ---- */

/* A ticket as the rule engine sees it. Strings malloc'd, never NULL. */
struct db_rules_ticket {
	int64_t team_id;
	int priority;
	unsigned others_open; /* the requester's other open, pending, snoozed tickets */
	bool business_hours;  /* the team is in business hours now */
	char *team, *status, *subject;
	char *assignee;  /* the assignee's address, "" when unassigned */
	char *requester; /* the requester's address */
	char *tags;      /* space-separated in order, "" when none */
	char *alias;     /* the team's oldest alias, "" when none */
	char *order;     /* the order reference, "" when none */
	char *reason;    /* a request's reason, "" when the ticket is none */
	char *event_type; /* the shop event type that opened it (sql/023), "" for others */
};
/* Ticket ticket_id of the tenant into *t (free with db_rules_ticket_free()
 * when 1 is returned). 1 found, 0 no such ticket, -1 error. */
int db_rules_ticket_get(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_rules_ticket *t,
			char **error_r);
/* Frees the strings of t and zeroes it; a zeroed t is fine. */
void db_rules_ticket_free(struct db_rules_ticket *t);

/* An attachment's name and type. Strings malloc'd, never NULL. */
struct db_rules_attachment {
	char *filename, *content_type;
};
/* A stored message as the rule engine sees it. Strings malloc'd; only
 * headers may be NULL (not asked for). */
struct db_rules_message {
	char *from;      /* From address in lower case, else the envelope sender */
	char *rcpt, *subject, *body, *envelope_from, *from_addr;
	char *headers;   /* the stored header block, NULL unless asked for */
	struct db_rules_attachment *attachments; /* in id order, n_attachments */
	size_t n_attachments;
};
/* Message message_id of the tenant with its attachments into *m (free
 * with db_rules_message_free() when 1 is returned); with_headers: also its
 * stored header block (a delivery has the parsed fields in memory and
 * leaves it out). 1 found, 0 no such message, -1 error. */
int db_rules_message_get(struct db *db, int64_t tenant_id, int64_t message_id, bool with_headers,
			 struct db_rules_message *m, char **error_r);
/* Frees what m holds and zeroes it; a zeroed m is fine. */
void db_rules_message_free(struct db_rules_message *m);
/* The ticket's latest customer mail (direction in, kind customer) into
 * *message_id_r. 1 found, 0 none, -1 error. */
int db_rules_latest_customer_mail(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t *message_id_r,
				  char **error_r);

#endif
