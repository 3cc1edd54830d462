#ifndef MD_DB_REPORT_TICKET_H
#define MD_DB_REPORT_TICKET_H
/* Read-only reports of tickets for maildeskctl ("ticket list", "ticket
 * show"). Each returns -1 with *error_r (malloc'd) on a database error.
 * Timestamps are ISO 8601 UTC text; tables are freed with db_table_free().
 * Column names and order are the output's. */
#include <stdint.h>

#include "db/db.h"

/* Which tickets "ticket list" shows; 0 / NULL: any. */
struct db_ticket_filter {
	int64_t tenant_id, team_id;
	const char *status;      /* one status; NULL: all but merged */
	const char *folder;      /* open, snoozed, closed, unassigned, mine */
	const char *agent_email; /* the assignee */
	const char *order_ref;   /* the order reference, exactly */
	/* A provider tenant_id also lists the brands' tickets it handles
	 * through active connections (issue 14); brand_id (0: any) keeps one
	 * brand's. The column tenant names the brand on their lines. */
	int64_t brand_id;
};
/* Columns: number, tenant, team, status, priority, requester,
 * requester_name, assignee, messages, created, last_activity, subject,
 * awaiting ("customer"/"us", open and pending only), wakes (snoozed only),
 * order (the order reference, NULL when none);
 * by priority (highest first), then age. Returns 0 with *t_r. */
int db_report_tickets(struct db *db, const struct db_ticket_filter *f, struct db_table **t_r, char **error_r);

/* Everything "ticket show" prints about one ticket. */
struct db_ticket_report {
	/* the list's first 12 columns, then closed, linked_ticket, merged_into,
	 * order, shipment, sku, handled_by (the provider that handles the
	 * brand's ticket through an active connection; NULL when none) */
	struct db_table *ticket;
	/* id, direction, from_name, from_addr, envelope_from, rcpt, to, cc,
	 * reply_to (JSON), date, received, subject, message_id, in_reply_to,
	 * match_reason, match_detail, defects, text_body; in order received */
	struct db_table *messages;
	/* message_id, filename, content_type, content_id, is_inline, size, sha256,
	 * id (what "attachment get" takes) */
	struct db_table *attachments;
	struct db_table *participants; /* email */
	struct db_table *events;       /* at, kind, actor, detail */
};
/* Fills r for ticket number. Returns 1, 0 when there is no such ticket,
 * -1; free r with db_ticket_report_free() in every case. */
int db_report_ticket(struct db *db, int64_t number, struct db_ticket_report *r, char **error_r);
void db_ticket_report_free(struct db_ticket_report *r);

/* Returns 1 with *id_r when tenant_id has ticket number, else 0. */
int db_report_ticket_find(struct db *db, int64_t tenant_id, int64_t number, int64_t *id_r, char **error_r);
/* Who ticket_id of tenant_id is assigned to: 1 with *agent_id_r, 0 when
 * nobody (or no such ticket). */
int db_report_ticket_assignee(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t *agent_id_r,
			      char **error_r);

#endif
