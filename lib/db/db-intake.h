#ifndef MD_DB_INTAKE_H
#define MD_DB_INTAKE_H
/* Typed operations of intake beyond mail (sql/023_intake.sql): a team's
 * web forms and their fields, a tenant's event types, and the tickets a
 * chat or a shop's event opens or joins (keyed by unique indexes, never
 * check-then-insert). lib/desk's desk-intake*.c call the writes inside
 * their transactions; maildeskctl reads the reports. Returns as db.h
 * says: 0 / 1 found or changed / 0 not; -1 with *error_r malloc'd. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* ---- Forms ---- */

/* One field as stored (type: "text", "line", "email", "order"). */
struct db_form_field {
	const char *name, *type;
	bool required;
};
/* Adds form name of team_id with its fields in order (call inside a
 * transaction: the form and its fields commit together). -1 with
 * db_last_error_was_duplicate() when the name is taken (by any tenant). */
int db_form_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *title,
		unsigned min_fill_s, const struct db_form_field *fields, size_t n, char **error_r);
/* A form as the HTTP side serves and takes it. */
struct db_form {
	int64_t tenant_id, id, team_id;
	char *name, *title, *team_name;
	unsigned min_fill_s;
	struct db_table *fields; /* columns: name, type, required ("t"/"f"), in order */
};
void db_form_free(struct db_form *f);
/* The form called name (of any tenant: names are unique), 1 with *f
 * (free with db_form_free()), 0 none, -1. */
int db_form_find(struct db *db, const char *name, struct db_form *f, char **error_r);
/* Removes the tenant's form name (tickets it made stay). 1 removed, 0 none, -1. */
int db_form_remove(struct db *db, int64_t tenant_id, const char *name, char **error_r);
/* Columns: tenant, name, team, title, fields ("name:required:email ..."),
 * min_fill, created; by tenant and name. tenant_id 0: every tenant. */
int db_report_forms(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);

/* ---- Event types ---- */

/* What "event-type set" changes; NULL (team_id -1, enabled -1) keeps the
 * stored value, "" (team_id 0) goes back to the type's default. */
struct db_event_type_set {
	int64_t tenant_id;
	const char *type;
	int enabled;
	const char *tag, *subject;
	int64_t team_id;
};
/* Creates or changes the tenant's row of the type. 0 or -1. */
int db_event_type_set(struct db *db, const struct db_event_type_set *in, char **error_r);
/* A tenant's row of a type; strings "" and team_id 0 when it keeps the default. */
struct db_event_type {
	bool enabled;
	char *tag, *subject;
	int64_t team_id;
};
void db_event_type_free(struct db_event_type *e);
/* 1 with *e, 0 the tenant has no row for type, -1. */
int db_event_type_get(struct db *db, int64_t tenant_id, const char *type, struct db_event_type *e,
		      char **error_r);
/* Columns: tenant, type, builtin, enabled, tag, team, subject, open_tickets,
 * for the builtin types (names, n_builtin) of every tenant listed and the
 * rows stored; tag, team and subject NULL where the default holds. By
 * tenant and type. tenant_id 0: every tenant. */
int db_report_event_types(struct db *db, int64_t tenant_id, const char *const *builtin, size_t n_builtin,
			  struct db_table **t_r, char **error_r);

/* ---- The tickets a chat or an event opens or joins ---- */

struct db_intake_ticket_in {
	int64_t tenant_id, team_id, requester_id;
	int priority;
	const char *subject;    /* for a new ticket, not empty */
	const char *chat_id;    /* a chat: its id (unique per tenant) */
	const char *order;      /* an event: the order and */
	const char *event_type; /* the type; the ticket is made a draft */
};
struct db_intake_ticket_out {
	int64_t ticket_id, number;
	bool created;    /* a new ticket; else the existing one joined */
	char status[16]; /* the ticket's status before (for a joined one) */
};
/* One statement: INSERT ... ON CONFLICT on tickets_chat (chat_id set) or
 * tickets_event_open (order and event_type set: one not-closed ticket per
 * order and type) DO UPDATE, so two posts at once make one ticket. A chat
 * ticket merged into another is followed to that one. 0 with *out, -1. */
int db_intake_ticket(struct db *db, const struct db_intake_ticket_in *in, struct db_intake_ticket_out *out,
		     char **error_r);

#endif
