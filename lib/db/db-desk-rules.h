#ifndef MD_DB_DESK_RULES_H
#define MD_DB_DESK_RULES_H
/* What the rule engine's glue in lib/desk reads: the stored rule sets
 * (for its per-thread cache of compiled programs) and which tags the
 * current transaction added. Conventions of db.h: -1 with *error_r
 * malloc'd on failure; lookups return 1 found, 0 not found. */
#include <stdbool.h>
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

#endif
