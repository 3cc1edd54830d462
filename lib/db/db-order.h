#ifndef MD_DB_ORDER_H
#define MD_DB_ORDER_H
/* Typed storage of a ticket's order (issue 12, sql/014 and 015): the
 * order reference, shipment and SKU columns of a ticket, the tenant's
 * order patterns and subject template, and the team's order reminder.
 *
 * Outside lib/db only lib/desk's desk_ticket_set_order() and the reminder
 * timer (desk-order.c) call the writes that change a ticket; maildeskctl
 * calls the tenant and team settings. Returns as db.h says: 1 changed or
 * found / 0 not, 0 done; -1 with *error_r malloc'd. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db-ticket.h"

/* The three identifiers a ticket can carry. */
enum db_order_field {
	DB_ORDER_REF,      /* tickets.order_ref */
	DB_ORDER_SHIPMENT, /* tickets.shipment_ref */
	DB_ORDER_SKU,      /* tickets.sku */
};
/* "order", "shipment", "sku". */
const char *db_order_field_name(enum db_order_field f);

/* Sets field of the ticket to value (NULL or "": clears it) when it
 * differs. Returns 1 changed with *old_r the value it had (malloc'd,
 * NULL when it had none), 0 the same already (or no such ticket), -1. */
int db_ticket_order_set(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_order_field field,
			const char *value, char **old_r, char **error_r);
/* The ticket's order reference: 1 with *order_r (malloc'd), 0 none (or
 * no such ticket), -1. */
int db_ticket_order_get(struct db *db, int64_t tenant_id, int64_t ticket_id, char **order_r, char **error_r);

/* The tenant's order patterns in their order, and the version they
 * carry (0: no patterns). Returns 0 with *patterns_r (free with
 * db_order_patterns_free(); NULL when *n_r is 0), or -1. */
int db_order_patterns_get(struct db *db, int64_t tenant_id, char ***patterns_r, size_t *n_r, int64_t *version_r,
			  char **error_r);
void db_order_patterns_free(char ***patterns, size_t n);
/* Replaces tenant name's order patterns by patterns (n 0: none), with a
 * new version. Returns 1 done, 0 no such tenant, -1. */
int db_order_patterns_set(struct db *db, const char *tenant_name, const char *const *patterns, size_t n,
			  char **error_r);
/* The tenant's order subject template: 1 with *subject_r (malloc'd), 0
 * none, -1. */
int db_order_subject_get(struct db *db, int64_t tenant_id, char **subject_r, char **error_r);
/* Sets it (NULL: none). 1 done, 0 no such tenant, -1. */
int db_order_subject_set(struct db *db, const char *tenant_name, const char *subject, char **error_r);

/* The team's order reminder delay in seconds (0: off); the daemons'
 * timers are told at commit (NOTIFY maildesk_timers). Returns 0 or -1. */
int db_order_reminder_after_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t seconds,
				char **error_r);
/* Claims up to limit tickets whose reminder is due (status open or
 * pending, no order, not reminded, not turned off, older than their
 * team's order_reminder_after) and marks them reminded (order_reminder_at
 * now) in the same statement, skipping rows another daemon holds: a
 * ticket is claimed once, ever. Returns 0 with *refs_r (malloc'd, free();
 * NULL when *n_r is 0), or -1. */
int db_order_reminder_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			    char **error_r);
/* Turns the reminder off for one ticket. 1 changed, 0 it was off, -1. */
int db_ticket_order_reminder_off(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);

#endif
