#ifndef MD_DB_ADMIN_DOMAIN_H
#define MD_DB_ADMIN_DOMAIN_H
/* The administrator's writes and look-ups of sending domains and their
 * DKIM selectors (maildeskctl domain add/rotate/check/retire-selector).
 * Every function returns -1 with *error_r (malloc'd) on a database error;
 * after a failed insert, db_last_error_was_duplicate() tells that the
 * domain or selector exists already. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* 1 when domain is a sending domain, else 0. With lock, the row is locked
 * (FOR UPDATE) in the caller's transaction, so a concurrent check or
 * retire waits. */
int db_admin_domain_exists(struct db *db, const char *domain, bool lock, char **error_r);
/* 1 when domain has a DKIM generation gen (any state), else 0. */
int db_admin_domain_generation_exists(struct db *db, const char *domain, const char *gen, char **error_r);
/* Inserts a sending domain of tenant_id (0: the provider's shared one). */
int db_admin_domain_add(struct db *db, const char *domain, int64_t tenant_id, char **error_r);

/* One DKIM selector row, active and not yet seen published. */
struct db_dkim_selector_in {
	const char *domain, *selector, *generation;
	const char *algorithm;  /* "rsa-sha256", "ed25519-sha256" */
	const char *public_key; /* base64 of the DNS record's p= */
	const char *key_file;   /* the private key, relative to dkim_key_dir */
};
int db_admin_dkim_selector_add(struct db *db, const struct db_dkim_selector_in *s, char **error_r);
/* Records whether "domain check" saw a selector published. */
int db_admin_dkim_published_set(struct db *db, const char *domain, const char *selector, bool published,
				char **error_r);
/* Records a check: its report, the time, and status ("verified" sets
 * verified_at once, anything else clears it). */
int db_admin_domain_checked(struct db *db, const char *domain, const char *report, const char *status,
			    char **error_r);
/* The domain's status: 1 with *status_r (malloc'd), or 0 when no such
 * domain. */
int db_admin_domain_status(struct db *db, const char *domain, char **status_r, char **error_r);
/* The active generations, oldest (the signing one) first: columns
 * generation and whether all its selectors are published ("t"/"f").
 * Returns 0 with *t_r (db_table_free()). */
int db_admin_domain_generations(struct db *db, const char *domain, struct db_table **t_r, char **error_r);
/* Retires generation gen's active selectors (kept for the record). */
int db_admin_dkim_generation_retire(struct db *db, const char *domain, const char *gen, char **error_r);
/* Puts a domain back to pending (its signer was not seen published). */
int db_admin_domain_pending(struct db *db, const char *domain, char **error_r);

#endif
