#ifndef MD_DESK_DKIM_H
#define MD_DESK_DKIM_H
/* DKIM signatures on outbound mail, at send time (desk-dkim.c): which
 * domain signs a message (from sending_domains and dkim_selectors), its
 * keys (read from dkim_key_dir, cached per thread), and the signed bytes.
 * lib/dkim does the signing itself; this is the glue to the database.
 *
 * Which domain signs: the most specific sending_domains row that is the
 * From domain or a parent of it in the same organisational domain (relaxed
 * alignment, RFC 7489) and is either the tenant's own domain with status
 * 'verified', or the provider's shared domain (no tenant; signed with as
 * soon as its keys exist, since the provider publishes its own records).
 * The shared domain signs only a From that is shared_domain itself with
 * the local part ALIASLOCAL.TENANT of the message's own tenant (the
 * address desk_team_address() gives its teams); any other From on or under
 * the shared domain goes out unsigned, with a warning (event=dkim.refused).
 * It signs with the oldest active generation of selectors: rsa-sha256
 * always, ed25519-sha256 when the generation has one. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* A message signed by desk_dkim_sign(); strings owned. */
struct desk_dkim_signed {
	char *data;        /* the DKIM-Signature fields, rsa-sha256 first
			    * (topmost), then ed25519-sha256, then the
			    * message as it was; NULL when not signed */
	size_t len;
	char *domain;      /* d= ("" when not signed) */
	char *selectors;   /* "md202611-rsa md202611-ed25519" ("" when not signed) */
	char *from_domain; /* the From address's domain, lower-case ("" when none) */
	bool eight_bit;    /* the message held 8-bit bytes or bare CR/LF; it
			    * was signed as it was (a relay may break it) */
};

/* Signs a complete queued message (CRLF line ends, 7-bit as lib/mime
 * composes it) of tenant_id with the keys of its From domain. key_dir is
 * dkim_key_dir; shared_domain may be NULL or "". Returns 1 signed, 0 not
 * signed (no From domain, no signing domain or no active selector: the
 * message goes out as it is, and the first time per domain that is logged
 * at debug level), or -1 when it should have been signed but cannot be (a
 * key file missing, unreadable or open to group/others, a wrong key type,
 * the database): *error_r one malloc'd line naming the file; the caller
 * must not send the message unsigned. *out is filled in every case; free it
 * with desk_dkim_signed_free(). */
int desk_dkim_sign(struct db *db, const char *key_dir, const char *shared_domain, int64_t tenant_id, const char *msg,
		   size_t len, struct desk_dkim_signed *out, char **error_r);
void desk_dkim_signed_free(struct desk_dkim_signed *s);

/* At start: when any sending domain exists, key_dir must pass
 * dkim_key_dir_check() (a directory of ours, mode 0700 or stricter).
 * Returns 0, or -1 with *error_r (the directory's problem, or the
 * database's). */
int desk_dkim_startup_check(struct db *db, const char *key_dir, char **error_r);

#endif
