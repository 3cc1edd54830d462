#ifndef MD_DB_AUDIT_H
#define MD_DB_AUDIT_H
/* The audit log of administrative changes (sql/025_lifecycle.sql): who
 * changed what, when, with the object before and after as JSON.
 *
 * HOW TO USE IT (every command or mail path that changes configuration):
 * call db_audit_record() INSIDE the transaction that makes the change,
 * after the change succeeded, so the record and the change commit or roll
 * back together. maildeskctl code calls ctl_audit() (daemon/ctl/ctl.h),
 * which fills in the Unix user; a change made by mail passes the agent's
 * address as actor. Every function returns -1 with *error_r (malloc'd) on
 * a database error. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_audit {
	int64_t tenant_id;       /* 0: provider-wide, or no tenant could be named */
	const char *tenant_name; /* NULL: looked up from tenant_id when it exists */
	const char *actor;       /* "unix:root", or the agent's address; not empty */
	const char *action;      /* "team remove", "agent team add", ...; not empty */
	const char *object;      /* what it acted on ("support", "ana@acme.example"); NULL: "" */
	const char *before;      /* JSON text, or NULL (did not exist / unknown) */
	const char *after;       /* JSON text, or NULL (no longer exists) */
};
/* Appends one row. A before/after that is not valid JSON fails the
 * statement (and so the caller's transaction). Returns 0 or -1. */
int db_audit_record(struct db *db, const struct db_audit *a, char **error_r);

/* The rows, newest first, of tenant_id (0: all) newer than since_secs
 * seconds (0: all), at most limit (0: 1000): columns at, tenant, actor,
 * action, object, then with full before and after (JSON text), else
 * change: the top-level keys that differ, "key: old -> new; ..." ("added"
 * or "removed" when one side is missing). Returns 0 with *t_r
 * (db_table_free()). */
int db_audit_list(struct db *db, int64_t tenant_id, int64_t since_secs, unsigned limit, bool full,
		  struct db_table **t_r, char **error_r);

/* What a snapshot shows. */
enum db_audit_kind {
	DB_AUDIT_TENANT, /* key: tenant name (tenant_id ignored) */
	DB_AUDIT_TEAM,   /* key: team name, with its aliases and agents */
	DB_AUDIT_AGENT,  /* key: agent address, with their teams */
};
/* The object as JSON text (malloc'd) in *json_r: 1, 0 when it does not
 * exist (*json_r NULL), -1. */
int db_audit_snapshot(struct db *db, enum db_audit_kind kind, int64_t tenant_id, const char *key, char **json_r,
		      char **error_r);

#endif
