/* maildeskctl "domain check": looks each record of a domain up in DNS
 * (lib/dns, libunbound), says record by record what is right and what
 * DNSSEC said of the answer, and marks the domain verified when both DKIM
 * records of the generation that signs match. SPF, DMARC and MX are
 * reported but never block. A bogus answer (failed DNSSEC validation) is
 * never taken as a match. */
#include "config.h"
#include "ctl-domain.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-admin-domain.h"
#include "dns/dns.h"

enum verdict { V_OK, V_MISSING, V_WRONG, V_ERROR, V_BOGUS };
static const char *const verdict_names[] = { "ok", "missing", "wrong", "error", "bogus" };

/* What the check of one record found: the verdict, what DNSSEC said, the
 * detail (escaped, NULL for ok / missing) and its report line. */
struct finding {
	enum verdict v;
	enum dns_sec sec;
	char *detail;
	char *line; /* "dkim md202611-rsa: ok (dnssec insecure)" */
};

/* A tag's value in a tag=value; list (RFC 6376 3.2), with whitespace and
 * stray quotes removed, so differences in how it was typed do not matter.
 * NULL when absent. */
static char *tag_value(const char *rec, const char *tag)
{
	size_t tlen = strlen(tag);

	for (const char *p = rec; p != NULL && *p != '\0'; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		const char *end = strchr(p, ';');
		char *v, *o;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, tag, tlen) != 0)
			continue;
		for (p += tlen; isspace((unsigned char)*p); p++)
			;
		if (*p != '=')
			continue;
		end = end != NULL ? end : p + strlen(p);
		v = o = xstrndup(p + 1, (size_t)(end - p - 1));
		for (const char *i = v; *i != '\0'; i++) {
			if (!isspace((unsigned char)*i) && *i != '"')
				*o++ = *i;
		}
		*o = '\0';
		return v;
	}
	return NULL;
}

/* A published key record matches ours when k= (default rsa) and p= are
 * equal; v=, when present, must be DKIM1. */
static bool dkim_matches(const char *found, const struct domain_rec *r)
{
	char *v = tag_value(found, "v"), *k = tag_value(found, "k"), *p = tag_value(found, "p");
	bool ok = (v == NULL || strcmp(v, "DKIM1") == 0) && strcmp(k != NULL ? k : "rsa", r->key_type) == 0 &&
		  p != NULL && strcmp(p, r->public_key) == 0;

	free(v);
	free(k);
	free(p);
	return ok;
}

/* "found "A" (and N more) expected "B"". */
static char *wrong_text(char **found, size_t n, const char *expected)
{
	char more[48] = "";

	if (n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", n - 1);
	return xasprintf("wrong: found \"%s\"%s expected \"%s\"", found[0], more, expected);
}

/* The verdict of a look-up that did not find records to compare. */
static enum verdict lookup_verdict(int found, enum dns_sec sec)
{
	return found < 0 ? (sec == DNS_SEC_BOGUS ? V_BOGUS : V_ERROR) : found == 0 ? V_MISSING : V_WRONG;
}

/* "error: ..." or "bogus: ..." for a failed look-up. */
static char *lookup_error_text(enum verdict v, const char *error)
{
	return xasprintf("%s: %s", verdict_names[v], error);
}

/* DKIM: one of the TXT records at the selector's name must be our key. */
static enum verdict dkim_check(struct dns_resolver *dns, const struct domain_rec *r, enum dns_sec *sec_r,
			       char **text_r)
{
	char **vals, *error = NULL;
	size_t n;
	int found = dns_txt_lookup(dns, r->name, &vals, &n, sec_r, &error);
	enum verdict v = lookup_verdict(found, *sec_r);

	for (size_t i = 0; found > 0 && i < n; i++) {
		if (dkim_matches(vals[i], r))
			v = V_OK;
	}
	*text_r = found < 0 ? lookup_error_text(v, error) : v == V_WRONG ? wrong_text(vals, n, r->value) : NULL;
	dns_strings_free(vals, n);
	free(error);
	return v;
}

/* True when the record starts with the version tag ("v=spf1", "v=DMARC1"). */
static bool policy_is(const char *val, const char *version)
{
	size_t len = strlen(version);

	return strncasecmp(val, version, len) == 0 &&
	       (val[len] == '\0' || val[len] == ';' || isspace((unsigned char)val[len]));
}

/* True when the SPF record has the term a:HOST (any qualifier but -). */
static bool spf_has_host(const char *val, const char *host)
{
	char *copy = xstrdup(val), *save = NULL;
	bool ok = false;

	for (char *t = strtok_r(copy, " \t", &save); t != NULL && !ok; t = strtok_r(NULL, " \t", &save)) {
		if (*t == '+' || *t == '~' || *t == '?')
			t++;
		ok = strncasecmp(t, "a:", 2) == 0 && strcasecmp(t + 2, host) == 0;
	}
	free(copy);
	return ok;
}

/* SPF and DMARC: exactly one record with the version tag at the name; for
 * SPF it must let our host send. */
static enum verdict policy_check(struct dns_resolver *dns, const struct domain_rec *r, const char *host,
				 enum dns_sec *sec_r, char **text_r)
{
	const char *version = r->kind == DOMAIN_REC_SPF ? "v=spf1" : "v=DMARC1";
	char **vals, **mine, *error = NULL;
	size_t n, k = 0;
	int found = dns_txt_lookup(dns, r->name, &vals, &n, sec_r, &error);
	enum verdict v;

	mine = xcalloc(n + 1, sizeof(*mine));
	for (size_t i = 0; found > 0 && i < n; i++) {
		if (policy_is(vals[i], version))
			mine[k++] = vals[i];
	}
	v = found < 0 ? lookup_verdict(found, *sec_r) : k == 0 ? V_MISSING : k > 1 ? V_WRONG : V_OK;
	if (v == V_OK && r->kind == DOMAIN_REC_SPF && !spf_has_host(mine[0], host))
		v = V_WRONG;
	if (found < 0)
		*text_r = lookup_error_text(v, error);
	else if (v == V_WRONG && k > 1)
		*text_r = xasprintf("wrong: found %zu records starting with %s (there must be one) expected \"%s\"", k,
				    version, r->value);
	else if (v == V_WRONG)
		*text_r = xasprintf("wrong: found \"%s\" expected a record with a:%s, such as \"%s\"", mine[0], host,
				    r->value);
	free(mine);
	dns_strings_free(vals, n);
	free(error);
	return v;
}

/* The MX: one of the exchanges must be our host. */
static enum verdict mx_check(struct dns_resolver *dns, const struct domain_rec *r, const char *host,
			     enum dns_sec *sec_r, char **text_r)
{
	struct dns_mx *mx;
	char *error = NULL;
	size_t n;
	int found = dns_mx_lookup(dns, r->name, &mx, &n, sec_r, &error);
	enum verdict v = lookup_verdict(found, *sec_r);

	for (size_t i = 0; found > 0 && i < n; i++) {
		if (strcasecmp(mx[i].exchange, host) == 0)
			v = V_OK;
	}
	if (found < 0)
		*text_r = lookup_error_text(v, error);
	else if (v == V_WRONG)
		*text_r = xasprintf("wrong: found \"%u %s.\"%s expected \"%s.\"", mx[0].preference, mx[0].exchange,
				    n > 1 ? " (and more)" : "", r->value);
	dns_mx_free(mx, n);
	free(error);
	return v;
}


/* s with control characters, DEL, bytes past ASCII and backslashes written
 * as \xHH (\\ for a backslash): a hostile TXT record cannot move the
 * cursor, change colours or set the terminal title of whoever runs the check. */
static char *text_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\')
			buf_append_str(&b, "\\\\");
		else if (*p < 0x20 || *p >= 0x7f)
			buf_printf(&b, "\\x%02x", *p);
		else
			buf_append(&b, (const char *)p, 1);
	}
	return buf_steal(&b, NULL);
}

/* Checks one record; fills f with the verdict, the DNSSEC status, the
 * detail and the report line. The DNSSEC status is said only of answers
 * that came (a failed look-up has none; a bogus one says so itself). */
static void record_check(const struct md_config *c, struct dns_resolver *dns, const struct domain_rec *r,
			 struct finding *f)
{
	char *text = NULL;

	if (r->kind == DOMAIN_REC_DKIM)
		f->v = dkim_check(dns, r, &f->sec, &text);
	else if (r->kind == DOMAIN_REC_MX)
		f->v = mx_check(dns, r, c->hostname, &f->sec, &text);
	else
		f->v = policy_check(dns, r, c->hostname, &f->sec, &text);
	if (text != NULL) { /* DNS text is a stranger's: never raw to the terminal */
		f->detail = text_escape(text);
		free(text);
	}
	if (f->v == V_ERROR || f->v == V_BOGUS)
		f->line = xasprintf("%s: %s", r->label, f->detail);
	else
		f->line = xasprintf("%s: %s (dnssec %s)", r->label, f->detail != NULL ? f->detail : verdict_names[f->v],
				    dns_sec_name(f->sec));
}

/* How the DKIM records of the signing generation fared: all matched, or
 * one could not be looked up (the status is then left as it was). */
enum outcome { OUT_VERIFIED, OUT_PENDING, OUT_UNKNOWN };

static enum outcome outcome_decide(const struct domain_rec *recs, const struct finding *f, size_t n)
{
	bool any = false, ok = true, err = false;

	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind != DOMAIN_REC_DKIM || !recs[i].signing)
			continue;
		any = true;
		ok = ok && f[i].v == V_OK;
		err = err || f[i].v == V_ERROR;
	}
	return any && ok ? OUT_VERIFIED : err ? OUT_UNKNOWN : OUT_PENDING;
}

/* Stores what the check found: published per selector (not for failed
 * look-ups), the report, the time and the status, in one transaction. */
static int check_store(struct ctl *ctl, const char *domain, const struct domain_rec *recs, const struct finding *f,
		       size_t n, const char *report, const char *status)
{
	char *error = NULL;
	int ret = db_begin(ctl->db, &error);

	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (recs[i].kind == DOMAIN_REC_DKIM && f[i].v != V_ERROR)
			ret = db_admin_dkim_published_set(ctl->db, domain, recs[i].selector, f[i].v == V_OK, &error);
	}
	if (ret == 0)
		ret = db_admin_domain_checked(ctl->db, domain, report, status, &error);
	if (ret == 0)
		ret = db_commit(ctl->db, &error);
	if (ret < 0) {
		db_rollback(ctl->db);
		return ctl_db_fail(error);
	}
	return 0;
}

/* The domain's status before the check; 0, or prints and fails. */
static int status_get(struct ctl *ctl, const char *domain, char **status_r)
{
	char *error = NULL;
	int found = db_admin_domain_status(ctl->db, domain, status_r, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("domain %s not found: add it with \"maildeskctl domain add\"", domain);
	return 0;
}

/* The last line: the outcome, and the exit status. With --json the
 * document on stdout says it, so a verified domain prints nothing more. */
static int outcome_print(const struct ctl *ctl, const char *domain, const char *old, enum outcome o, const char *gen)
{
	gen = gen != NULL ? gen : "(none)";
	fflush(stdout); /* the report lines come first */
	if (o == OUT_VERIFIED) {
		if (!ctl->json)
			printf("%s: verified: the DKIM records of generation %s, which signs, match\n", domain, gen);
		return 0;
	}
	if (o == OUT_UNKNOWN)
		return ctl_fail("%s: left %s: the DKIM records of generation %s could not be looked up (see above)",
				domain, old, gen);
	if (strcmp(old, "verified") == 0)
		return ctl_fail("%s: back to pending: the DKIM records of generation %s, which signs, no longer match; "
				"the domain is not used for sending until they do (\"maildeskctl domain show %s\")",
				domain, gen, domain);
	return ctl_fail("%s: pending: both DKIM records of generation %s, which signs, must be published as "
			"\"maildeskctl domain show %s\" prints them",
			domain, gen, domain);
}

static const char *const kind_names[] = { "dkim", "spf", "dmarc", "mx" };

/* One record of the --json document. The detail is the escaped text (a
 * stranger's bytes need not be UTF-8, which JSON strings must be). */
static json_t *finding_json(const struct domain_rec *r, const struct finding *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind_names[r->kind], "label", r->label,
			      "name", r->name, "type", r->kind == DOMAIN_REC_MX ? "MX" : "TXT", "expected", r->value,
			      "result", verdict_names[f->v]);

	json_object_set_new(o, "dnssec",
			    f->v == V_ERROR ? json_null() : json_string(dns_sec_name(f->sec)));
	json_object_set_new(o, "detail", f->detail != NULL ? json_string(f->detail) : json_null());
	if (r->kind == DOMAIN_REC_DKIM) {
		json_object_set_new(o, "selector", json_string(r->selector));
		json_object_set_new(o, "generation", json_string(r->generation));
		json_object_set_new(o, "signing", json_boolean(r->signing));
	}
	return o;
}

/* "domain check --json": the domain, its status before and after, whether
 * answers were DNSSEC-validated at all, and each record. */
static void check_json_print(const char *domain, const char *old, const char *status, bool validates,
			     const struct domain_rec *recs, const struct finding *f, size_t n)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "domain", domain, "previous_status", old, "status", status,
			      "dnssec_validation", validates),
	       *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, finding_json(&recs[i], &f[i]));
	json_object_set_new(o, "records", arr);
	ctl_output_json_print(o);
}

/* Looks every record up; the report (lines joined) in *report_r. Prints
 * each line unless --json. */
static void records_check(const struct ctl *ctl, const struct md_config *c, struct dns_resolver *dns,
			  const struct domain_rec *recs, struct finding *f, size_t n, char **report_r)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		record_check(c, dns, &recs[i], &f[i]);
		if (!ctl->json)
			puts(f[i].line);
		buf_printf(&b, "%s%s", i > 0 ? "\n" : "", f[i].line);
	}
	*report_r = buf_steal(&b, NULL);
}

/* Checks, stores and reports; recs are the domain's records. */
static int check_run(struct ctl *ctl, const struct md_config *c, struct dns_resolver *dns, const char *domain,
		     const char *old, const struct domain_rec *recs, size_t n)
{
	struct finding *f = xcalloc(n, sizeof(*f));
	const char *gen = NULL, *status;
	char *report = NULL;
	enum outcome o;
	int ret;

	records_check(ctl, c, dns, recs, f, n, &report);
	for (size_t i = 0; i < n && gen == NULL; i++) {
		if (recs[i].signing)
			gen = recs[i].generation;
	}
	o = outcome_decide(recs, f, n);
	status = o == OUT_VERIFIED ? "verified" : o == OUT_PENDING ? "pending" : old;
	ret = check_store(ctl, domain, recs, f, n, report, status);
	if (ret == 0 && ctl->json)
		check_json_print(domain, old, status, dns_resolver_validates(dns), recs, f, n);
	if (ret == 0)
		ret = outcome_print(ctl, domain, old, o, gen);
	for (size_t i = 0; i < n; i++) {
		free(f[i].detail);
		free(f[i].line);
	}
	free(f);
	free(report);
	return ret;
}

/* "domain check DOMAIN [--json]". */
int ctl_domain_check(struct ctl *ctl, const struct ctl_args *a)
{
	struct md_config c = { 0 };
	struct dns_resolver *dns = NULL;
	struct domain_rec *recs = NULL;
	char *domain, *old = NULL, *error = NULL;
	size_t n = 0;
	int ret = 0;

	if ((domain = domain_name_arg(a, a->pos[0], &ret)) == NULL)
		return ret;
	ret = status_get(ctl, domain, &old);
	if (ret == 0)
		ret = domain_conf_load(ctl, &c);
	if (ret == 0 && dns_resolver_new(c.dns_resolver, c.dns_trust_anchor, &dns, &error) < 0) {
		ret = ctl_fail("%s", error);
		free(error);
	}
	if (ret == 0)
		ret = domain_records_get(ctl, &c, domain, &recs, &n);
	if (ret == 0)
		ret = check_run(ctl, &c, dns, domain, old, recs, n);
	domain_records_free(recs, n);
	dns_resolver_free(&dns);
	config_free(&c);
	free(old);
	free(domain);
	return ret;
}
