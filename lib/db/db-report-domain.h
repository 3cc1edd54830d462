#ifndef MD_DB_REPORT_DOMAIN_H
#define MD_DB_REPORT_DOMAIN_H
/* Read-only reports of sending domains for maildeskctl ("domain show",
 * "domain list", and the records "domain check" looks up). Each returns
 * -1 with *error_r (malloc'd) on a database error; tables are freed with
 * db_table_free(); timestamps are ISO 8601 UTC text. */
#include <stdint.h>

#include "db/db.h"

/* One domain: domain, tenant, shared, status, verified_at, checked_at,
 * created_at, check_report (JSON). Returns 1 with *t_r, 0 (no table) when
 * there is no such domain. */
int db_report_domain(struct db *db, const char *domain, struct db_table **t_r, char **error_r);
/* The domain's active selectors, oldest generation first and RSA before
 * Ed25519: selector, generation, algorithm, public_key, published. */
int db_report_domain_selectors(struct db *db, const char *domain, struct db_table **t_r, char **error_r);
/* Every domain (of tenant_id; 0: all): domain, tenant ("(shared)"),
 * status, selectors (JSON), last_check. */
int db_report_domains(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);

#endif
