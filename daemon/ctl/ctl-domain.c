/* maildeskctl "domain ...": sending domains and their DKIM keys
 * (sql/007_domains.sql). This file: the command table, adding a domain,
 * rotating and retiring key generations. The private keys are files in
 * dkim_key_dir (DIR/DOMAIN/GENERATION-rsa.pem, -ed25519.pem; 0700/0600),
 * the public halves rows of dkim_selectors. */
#include "config.h"
#include "ctl-domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "db/db-admin-domain.h"
#include "dns/dns.h"
#include "dkim/dkim.h"

const struct ctl_command ctl_domain_commands[] = {
	{ "domain add", "DOMAIN --tenant T | --shared [--selector GENERATION]",
	  "add a sending domain: make its DKIM keys (RSA and Ed25519) and print the DNS records to publish", 1, 1,
	  "tenant= shared selector=", ctl_domain_add },
	{ "domain show", "DOMAIN [--json]", "a domain's status and the DNS records to publish", 1, 1, "json",
	  ctl_domain_show },
	{ "domain list", "[--tenant T] [--json]", "list sending domains", 0, 0, "tenant= json", ctl_domain_list },
	{ "domain rotate", "DOMAIN [--selector GENERATION]",
	  "add a new generation of DKIM keys; the older one keeps signing until retired", 1, 1, "selector=",
	  ctl_domain_rotate },
	{ "domain retire-selector", "DOMAIN GENERATION [--force]",
	  "stop signing with a generation of keys (once a newer one is seen published)", 2, 2, "force",
	  ctl_domain_retire },
	{ "domain check", "DOMAIN [--json]",
	  "look the records up in DNS (libunbound, DNSSEC-validated when a trust anchor is there), say which are"
	  " right and whether each answer was secure, insecure or bogus, and mark the domain verified when DKIM"
	  " matches (exit 1 when not verified)",
	  1, 1, "json", ctl_domain_check },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};

int domain_conf_load(const struct ctl *ctl, struct md_config *c)
{
	const char *path = ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG;
	char *error = NULL;
	int ret = 0;

	config_defaults(c);
	if (config_load(path, c, &error) < 0)
		ret = ctl_fail("%s", error);
	free(error);
	return ret;
}

int domain_shared_get(const struct ctl *ctl, char **shared_r)
{
	const char *path = ctl->config_path != NULL ? ctl->config_path : CTL_DEFAULT_CONFIG;
	struct md_config c;
	int ret;

	*shared_r = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*shared_r = xstrdup("");
		return 0;
	}
	if ((ret = domain_conf_load(ctl, &c)) == 0)
		*shared_r = xstrdup(c.shared_domain);
	config_free(&c);
	return ret;
}

bool domain_under(const char *name, const char *parent)
{
	size_t n = strlen(name), p = strlen(parent);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return p > 0 && n >= p && strncasecmp(name + n - p, parent, p) == 0 && (n == p || name[n - p - 1] == '.');
}

/* One label: letters, digits and inner hyphens, 1-63 characters. */
static bool label_valid(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", s[i]) == NULL)
			return false;
	}
	return true;
}

/* The name also becomes a directory under dkim_key_dir, so only LDH
 * labels pass (no "/", no ".."). */
char *domain_name_arg(const struct ctl_args *a, const char *name, int *ret_r)
{
	char *d, *org, *idn_error = NULL;
	size_t len;
	bool ok;

	/* A name typed in Unicode is the A-label form from here on. */
	if (dns_name_to_ascii(name, &d, &idn_error) < 0) {
		*ret_r = ctl_usage_error(a, "\"%s\" is %s", name, idn_error);
		free(idn_error);
		return NULL;
	}
	len = strlen(d);
	ok = len > 0;

	for (size_t i = 0; i < len; i++)
		d[i] = (d[i] >= 'A' && d[i] <= 'Z') ? (char)(d[i] - 'A' + 'a') : d[i];
	if (len > 1 && d[len - 1] == '.')
		d[--len] = '\0';
	ok = ok && len <= 253 && strchr(d, '.') != NULL;
	for (const char *p = d; ok; p = strchr(p, '.') + 1) {
		const char *dot = strchr(p, '.');

		ok = label_valid(p, dot != NULL ? (size_t)(dot - p) : strlen(p));
		if (dot == NULL)
			break;
	}
	if (!ok) {
		*ret_r = ctl_usage_error(a, "\"%s\" is not a domain name (letters, digits, hyphens and dots)", name);
	} else if ((org = dkim_org_domain(d)) == NULL) {
		*ret_r = ctl_usage_error(a, "\"%s\" is a public suffix, not a domain one can own", d);
		ok = false;
	} else {
		free(org);
	}
	if (!ok) {
		free(d);
		return NULL;
	}
	return d;
}

/* Whether a generation of domain exists already: 1, 0, or -1 (printed). */
static int generation_exists(struct ctl *ctl, const char *domain, const char *gen)
{
	char *error = NULL;
	int ret = db_admin_domain_generation_exists(ctl->db, domain, gen, &error);

	if (ret < 0)
		ctl_db_fail(error);
	return ret;
}

char *domain_generation_default(struct ctl *ctl, const char *domain)
{
	char base[16], *gen = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int e = 1;

	gmtime_r(&now, &tm);
	strftime(base, sizeof(base), "md%Y%m", &tm);
	for (char suffix = 'a'; suffix <= 'z' && e == 1; suffix++) {
		free(gen);
		gen = suffix == 'a' ? xstrdup(base) : xasprintf("%s%c", base, suffix);
		e = generation_exists(ctl, domain, gen);
	}
	if (e != 0) {
		if (e == 1)
			ctl_fail("domain %s has 26 generations from this month already: give --selector", domain);
		free(gen);
		return NULL;
	}
	return gen;
}

/* --selector: it becomes GENERATION-ed25519, at most 63 characters of
 * a-z 0-9 - (the schema's check). */
static bool generation_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 63 - strlen("-ed25519") && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* The two key files of a generation as written, so that a failed insert
 * can take them back. */
struct gen_keys {
	char *path[2]; /* NULL when not written */
	char *rel[2];  /* relative to dkim_key_dir, as key_file stores it */
	char *pub[2];  /* the p= values */
	char *subdir;  /* DIR/DOMAIN when this command created it */
};
static const enum dkim_alg gen_algs[2] = { DKIM_RSA_SHA256, DKIM_ED25519_SHA256 };

/* A key directory is made 0700 when missing, else checked: private keys
 * never go where group or others can read them. made_r: it was made. */
static int key_dir_ready(const char *dir, bool *made_r)
{
	char *error = NULL;

	*made_r = false;
	if (mkdir(dir, 0700) == 0) {
		*made_r = true;
		return 0;
	}
	if (errno != EEXIST)
		return ctl_fail("cannot create the DKIM key directory %s (dkim_key_dir): %s", dir, strerror(errno));
	if (dkim_key_dir_check(dir, &error) < 0) {
		ctl_fail("%s", error);
		free(error);
		return CTL_EXIT_FAIL;
	}
	return 0;
}

/* dkim_key_dir, then its DOMAIN subdirectory. */
static int key_dirs_ready(const char *dir, const char *domain, struct gen_keys *k)
{
	char *sub = xasprintf("%s/%s", dir, domain);
	bool made;
	int ret = key_dir_ready(dir, &made);

	if (ret == 0)
		ret = key_dir_ready(sub, &made);
	if (ret == 0 && made)
		k->subdir = sub;
	else
		free(sub);
	return ret;
}

/* Generates and writes both keys of generation gen. */
static int keys_write(const char *dir, const char *domain, const char *gen, struct gen_keys *k)
{
	for (size_t i = 0; i < 2; i++) {
		char *error = NULL, *path;
		struct dkim_key *key = dkim_key_generate(gen_algs[i], &error);

		if (key == NULL) {
			ctl_fail("%s", error);
			free(error);
			return CTL_EXIT_FAIL;
		}
		k->rel[i] = xasprintf("%s/%s-%s.pem", domain, gen, dkim_key_type_name(gen_algs[i]));
		path = xasprintf("%s/%s", dir, k->rel[i]);
		if (dkim_key_write_file(key, path, &error) < 0) {
			ctl_fail("%s", error);
			free(error);
			free(path);
			dkim_key_free(&key);
			return CTL_EXIT_FAIL;
		}
		k->path[i] = path;
		k->pub[i] = dkim_key_public_b64(key);
		dkim_key_free(&key);
	}
	return 0;
}

/* Takes back what keys_write() and key_dirs_ready() made. */
static void keys_undo(const struct gen_keys *k)
{
	for (size_t i = 0; i < 2; i++) {
		if (k->path[i] != NULL)
			unlink(k->path[i]);
	}
	if (k->subdir != NULL)
		rmdir(k->subdir);
}

static void keys_free(struct gen_keys *k)
{
	for (size_t i = 0; i < 2; i++) {
		free(k->path[i]);
		free(k->rel[i]);
		free(k->pub[i]);
	}
	free(k->subdir);
	memset(k, 0, sizeof(*k));
}

/* The two dkim_selectors rows of a generation. */
static int selectors_insert(struct ctl *ctl, const char *domain, const char *gen, const struct gen_keys *k,
			    char **error_r)
{
	for (size_t i = 0; i < 2; i++) {
		char *selector = xasprintf("%s-%s", gen, dkim_key_type_name(gen_algs[i]));
		struct db_dkim_selector_in s = { domain, selector, gen, dkim_alg_name(gen_algs[i]), k->pub[i], k->rel[i] };
		int ret = db_admin_dkim_selector_add(ctl->db, &s, error_r);

		free(selector);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Writes a generation's keys, then inserts the domain row (for add, when
 * add_tenant_id is given or shared) and the selector rows in one
 * transaction; takes the files back when anything fails. */
static int generation_create(struct ctl *ctl, const struct md_config *c, const char *domain, const char *gen,
			     bool add, const char *tenant_id)
{
	struct gen_keys k = { 0 };
	char *error = NULL;
	int ret = key_dirs_ready(c->dkim_key_dir, domain, &k);

	if (ret == 0)
		ret = keys_write(c->dkim_key_dir, domain, gen, &k);
	if (ret == 0 &&
	    (db_begin(ctl->db, &error) < 0 ||
	     (add && db_admin_domain_add(ctl->db, domain, ctl_id(tenant_id), &error) < 0) ||
	     selectors_insert(ctl, domain, gen, &k, &error) < 0 || db_commit(ctl->db, &error) < 0)) {
		bool dup = db_last_error_was_duplicate(ctl->db);

		db_rollback(ctl->db);
		if (dup) {
			free(error);
			ret = add ? ctl_fail("domain %s was added meanwhile", domain)
				  : ctl_fail("generation %s of %s was added meanwhile", gen, domain);
		} else {
			ret = ctl_db_fail(error);
		}
	}
	if (ret != 0)
		keys_undo(&k);
	keys_free(&k);
	return ret;
}

/* Which tenant "domain add" means: --shared (none) or a tenant. */
static int add_owner(struct ctl *ctl, const struct ctl_args *a, char **tenant_id_r)
{
	char *tenant_name = NULL;
	int ret;

	*tenant_id_r = NULL;
	if (ctl_opt_get(a, "shared") != NULL && ctl_opt_get(a, "tenant") != NULL)
		return ctl_usage_error(a, "give --tenant or --shared, not both");
	if (ctl_opt_get(a, "shared") != NULL)
		return 0;
	ret = ctl_tenant_resolve(ctl, a, NULL, tenant_id_r, &tenant_name);
	free(tenant_name);
	return ret;
}

/* 1 when domain is a sending domain, 0 not, -1 (printed) error. */
static int domain_exists(struct ctl *ctl, const char *domain)
{
	char *error = NULL;
	int ret = db_admin_domain_exists(ctl->db, domain, false, &error);

	if (ret < 0)
		ctl_db_fail(error);
	return ret;
}

/* The generation to make: --selector (checked, and new) or the default. */
static char *generation_arg(struct ctl *ctl, const struct ctl_args *a, const char *domain, int *ret_r)
{
	const char *sel = ctl_opt_get(a, "selector");
	int e;

	*ret_r = CTL_EXIT_FAIL;
	if (sel == NULL)
		return domain_generation_default(ctl, domain);
	if (!generation_valid(sel)) {
		*ret_r = ctl_usage_error(a, "invalid --selector \"%s\": 1-55 of a-z 0-9 - (the selectors are "
					    "GENERATION-rsa and GENERATION-ed25519)", sel);
		return NULL;
	}
	e = generation_exists(ctl, domain, sel);
	if (e == 1)
		ctl_fail("domain %s has a generation %s already (retired ones count): choose another --selector", domain,
			 sel);
	return e == 0 ? xstrdup(sel) : NULL;
}

/* "domain add DOMAIN --tenant T | --shared [--selector GEN]". */
int ctl_domain_add(struct ctl *ctl, const struct ctl_args *a)
{
	struct md_config c = { 0 };
	char *domain, *tenant_id = NULL, *gen = NULL;
	int ret = 0, e;

	if ((domain = domain_name_arg(a, a->pos[0], &ret)) == NULL)
		return ret;
	ret = add_owner(ctl, a, &tenant_id);
	if (ret == 0)
		ret = domain_conf_load(ctl, &c);
	if (ret == 0 && tenant_id != NULL && domain_under(domain, c.shared_domain))
		ret = ctl_fail("domain %s %s the provider's shared domain %s (shared_domain): no tenant may own it",
			       domain, strcmp(domain, c.shared_domain) == 0 ? "is" : "is under", c.shared_domain);
	if (ret == 0 && (e = domain_exists(ctl, domain)) != 0)
		ret = e < 0 ? CTL_EXIT_FAIL
			    : ctl_fail("domain %s exists already (its keys are left alone): see \"maildeskctl domain show "
				       "%s\", or \"domain rotate\" for new keys",
				       domain, domain);
	if (ret == 0 && (gen = generation_arg(ctl, a, domain, &ret)) != NULL)
		ret = 0;
	if (ret == 0)
		ret = generation_create(ctl, &c, domain, gen, true, tenant_id);
	if (ret == 0)
		ret = domain_show_print(ctl, &c, domain, NULL);
	config_free(&c);
	free(gen);
	free(tenant_id);
	free(domain);
	return ret;
}

/* "domain rotate DOMAIN [--selector GEN]": a new generation, published
 * ahead; the oldest active one keeps signing until it is retired. */
int ctl_domain_rotate(struct ctl *ctl, const struct ctl_args *a)
{
	struct md_config c = { 0 };
	char *domain, *gen = NULL;
	int ret = 0, e;

	if ((domain = domain_name_arg(a, a->pos[0], &ret)) == NULL)
		return ret;
	if ((e = domain_exists(ctl, domain)) != 1)
		ret = e < 0 ? CTL_EXIT_FAIL : ctl_fail("domain %s not found", domain);
	if (ret == 0 && (gen = generation_arg(ctl, a, domain, &ret)) != NULL)
		ret = 0;
	if (ret == 0 && (ret = domain_conf_load(ctl, &c)) == 0) {
		ret = generation_create(ctl, &c, domain, gen, false, NULL);
		if (ret == 0) {
			printf("; %s: new DKIM key generation %s; the older one keeps signing until "
			       "\"maildeskctl domain retire-selector %s OLD-GENERATION\".\n"
			       "; Publish these records, then run \"maildeskctl domain check %s\".\n",
			       domain, gen, domain, domain);
			ret = domain_show_print(ctl, &c, domain, gen);
		}
	}
	config_free(&c);
	free(gen);
	free(domain);
	return ret;
}
