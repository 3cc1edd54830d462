/* maildeskctl "domain retire-selector DOMAIN GENERATION": stops signing
 * with a generation of keys. Retiring the generation that signs hands
 * signing to the next one, so that one must have been seen published by
 * "domain check" (or --force): otherwise receivers would find no key for
 * the mail. The key files stay in dkim_key_dir. */
#include "config.h"
#include "ctl-domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-domain.h"

/* The active generations of a domain, oldest (the signing one) first:
 * generation, whether all its selectors are published. The domain row is
 * locked, so a concurrent check or retire waits. */
static int generations_get(struct ctl *ctl, const char *domain, struct db_table **t_r)
{
	char *error = NULL;
	int found = db_admin_domain_exists(ctl->db, domain, true, &error);

	*t_r = NULL;
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("domain %s not found", domain);
	if (db_admin_domain_generations(ctl->db, domain, t_r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* Says why gen may not be retired; 0 when it may. */
static int retire_allowed(const struct ctl_args *a, const char *domain, const char *gen, const struct db_table *t)
{
	size_t row = t->n_rows;

	for (size_t i = 0; i < t->n_rows; i++) {
		if (strcmp(db_table_get(t, i, 0), gen) == 0)
			row = i;
	}
	if (row == t->n_rows)
		return ctl_fail("domain %s has no active generation %s (see \"maildeskctl domain show %s\")", domain, gen,
				domain);
	if (t->n_rows == 1)
		return ctl_fail("generation %s is the only active one of %s and signs its mail: add a new one with "
				"\"maildeskctl domain rotate %s\" first",
				gen, domain, domain);
	if (row == 0 && strcmp(db_table_get(t, 1, 1), "t") != 0 && ctl_opt_get(a, "force") == NULL)
		return ctl_fail("generation %s signs the mail of %s, and the next one, %s, has not been seen published: "
				"publish its records and run \"maildeskctl domain check %s\" first, or receivers find no "
				"key for the mail (--force retires it anyway)",
				gen, domain, db_table_get(t, 1, 0), domain);
	return 0;
}

/* Marks both selectors retired; when signing passes to a generation not
 * seen published (--force), the domain goes back to pending. */
static int retire_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct db_table *t = NULL;
	char *domain, *error = NULL;
	int ret = 0;

	if ((domain = domain_name_arg(a, a->pos[0], &ret)) == NULL)
		return ret;
	ret = generations_get(ctl, domain, &t);
	if (ret == 0)
		ret = retire_allowed(a, domain, a->pos[1], t);
	if (ret == 0 &&
	    db_admin_dkim_generation_retire(ctl->db, domain, a->pos[1], &error) < 0)
		ret = ctl_db_fail(error);
	bool signer = ret == 0 && strcmp(db_table_get(t, 0, 0), a->pos[1]) == 0;
	bool unpublished = signer && strcmp(db_table_get(t, 1, 1), "t") != 0;
	if (unpublished &&
	    db_admin_domain_pending(ctl->db, domain, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		*done_r = xasprintf("%s: generation %s retired (selectors %s-rsa, %s-ed25519); %s signs now%s. The key "
				    "files stay in dkim_key_dir; keep the old DNS records a few days for mail in transit",
				    domain, a->pos[1], a->pos[1], a->pos[1],
				    db_table_get(t, signer ? 1 : 0, 0),
				    unpublished ? ", but was not seen published: the domain is pending until \"maildeskctl "
						  "domain check\" finds it" : "");
	db_table_free(&t);
	free(domain);
	return ret;
}

/* "domain retire-selector DOMAIN GENERATION [--force]". */
int ctl_domain_retire(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, retire_change);
}
