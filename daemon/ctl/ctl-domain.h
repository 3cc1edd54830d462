#ifndef MD_CTL_DOMAIN_H
#define MD_CTL_DOMAIN_H
/* Inside the "domain" commands (ctl-domain.c: add, rotate, retire-selector;
 * ctl-domain-show.c: the records, show, list; ctl-domain-check.c: check).
 *
 * A domain's DKIM keys come in generations ("md202611"), each an RSA and an
 * Ed25519 selector (GENERATION-rsa, GENERATION-ed25519). The oldest active
 * generation (by creation time) is the one that signs; newer ones are
 * published ahead of a switch ("domain rotate"). */
#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"
#include "ctl.h"

/* Loads the configuration file (-c, else the default) for dkim_key_dir,
 * dns_resolver, dns_trust_anchor, hostname and recipient_delimiter. Returns 0 (free c with
 * config_free() either way), or prints why and fails. */
int domain_conf_load(const struct ctl *ctl, struct md_config *c);

/* The configuration file's shared_domain (malloc'd, "" for none), also
 * for "team add" and "team alias add": "" when the file does not exist.
 * Returns 0, or prints why (unreadable, invalid) and fails. */
int domain_shared_get(const struct ctl *ctl, char **shared_r);
/* Whether name (one trailing dot ignored) is parent or a name under it,
 * case-insensitively; false when parent is "". */
bool domain_under(const char *name, const char *parent);

/* Lower-cases and checks a domain name: LDH labels of 1-63 characters, at
 * most 253 in all, a trailing dot dropped, and not a public suffix (there
 * must be an organisational domain, RFC 7489). Returns the malloc'd name, or
 * prints why (as a usage error of a) and returns NULL with *ret_r set. */
char *domain_name_arg(const struct ctl_args *a, const char *name, int *ret_r);

enum domain_rec_kind { DOMAIN_REC_DKIM, DOMAIN_REC_SPF, DOMAIN_REC_DMARC, DOMAIN_REC_MX };

/* One DNS record to publish, as "show" prints it and "check" compares it. */
struct domain_rec {
	enum domain_rec_kind kind;
	char *label;   /* "dkim md202611-rsa", "spf", "dmarc", "mx": the check report's */
	char *name;    /* owner name, without the trailing dot */
	char *value;   /* TXT: the whole text; MX: "10 host" */
	char *comment; /* one line, for the zone-file comment */
	/* DKIM only (else NULL / false) */
	char *selector, *generation, *key_type, *public_key; /* key_type "rsa" / "ed25519" */
	bool published; /* seen by the last check */
	bool signing;   /* of the oldest active generation */
};

/* The records of domain's active selectors (oldest generation first, RSA
 * before Ed25519), then SPF, DMARC and MX suggestions for c's hostname.
 * Returns 0, or prints the database error and fails. */
int domain_records_get(struct ctl *ctl, const struct md_config *c, const char *domain, struct domain_rec **recs_r,
		       size_t *n_r);
void domain_records_free(struct domain_rec *recs, size_t n);

/* Prints what to publish: a status header, then each record (or only the
 * DKIM records of generation, when not NULL) zone-file style after a
 * comment line; with --json one document. Returns 0, or prints and fails
 * ("domain ... not found"). */
int domain_show_print(struct ctl *ctl, const struct md_config *c, const char *domain, const char *generation);

/* The generation a domain gets when --selector is not given: "md" and the
 * current year and month (UTC), with b, c, ... appended when that
 * generation exists already. Returns the malloc'd name, or NULL after
 * printing the database error. */
char *domain_generation_default(struct ctl *ctl, const char *domain);

int ctl_domain_add(struct ctl *ctl, const struct ctl_args *a);
int ctl_domain_show(struct ctl *ctl, const struct ctl_args *a);
int ctl_domain_list(struct ctl *ctl, const struct ctl_args *a);
int ctl_domain_rotate(struct ctl *ctl, const struct ctl_args *a);
int ctl_domain_retire(struct ctl *ctl, const struct ctl_args *a);
int ctl_domain_check(struct ctl *ctl, const struct ctl_args *a);

#endif
