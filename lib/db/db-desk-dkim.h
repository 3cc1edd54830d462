#ifndef MD_DB_DESK_DKIM_H
#define MD_DB_DESK_DKIM_H
/* What DKIM signing of outbound mail (lib/desk/desk-dkim.c) reads: the
 * selectors that may sign for a From domain, and whether the shared
 * domain's address names the mail's own tenant. Conventions of db.h: -1
 * with *error_r malloc'd on failure. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One active selector of a sending domain; strings malloc'd. */
struct db_desk_dkim_selector {
	char *domain, *selector, *algorithm, *key_file;
};
/* The active selectors of the oldest active generation of every sending
 * domain that may sign for from_domain (the domain itself or a parent):
 * the tenant's verified domains, and shared_domain (NULL or "": none) when
 * it is a domain of nobody. Most specific domain first, then by domain,
 * algorithm descending (rsa before ed25519), selector. *rows_r is an array
 * of *n_r (free with db_desk_dkim_selectors_free()). Returns 0 or -1. */
int db_desk_dkim_selectors(struct db *db, int64_t tenant_id, const char *from_domain, const char *shared_domain,
			   struct db_desk_dkim_selector **rows_r, size_t *n_r, char **error_r);
/* Frees n rows and the array; *rows set to NULL. */
void db_desk_dkim_selectors_free(struct db_desk_dkim_selector **rows, size_t n);
/* Whether lower_name (lower case) is the name of tenant tenant_id but for
 * case, and of no other tenant. 1 yes, 0 no, -1 error. */
int db_desk_tenant_name_is(struct db *db, int64_t tenant_id, const char *lower_name, char **error_r);
/* Whether any sending domain exists (then maildeskd needs its key
 * directory). Returns 0 with *any_r set, or -1. */
int db_desk_sending_domains_any(struct db *db, bool *any_r, char **error_r);

#endif
