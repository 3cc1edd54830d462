/* maildeskctl "domain show", "domain list", and the DNS records a domain
 * needs, which "add", "rotate" and "check" use as well. */
#include "config.h"
#include "ctl-domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-report-domain.h"

/* Zone files cap one character-string at 255 bytes; longer TXT values are
 * several strings that resolvers join again. */
#define TXT_CHUNK 255

/* One DKIM record from a dkim_selectors row (selector, generation,
 * algorithm, public_key, published). */
static void rec_dkim(struct domain_rec *r, const char *domain, const struct db_table *t, size_t row,
		     const char *signing_gen)
{
	const char *selector = db_table_get(t, row, 0), *gen = db_table_get(t, row, 1);
	const char *alg = db_table_get(t, row, 2);

	r->kind = DOMAIN_REC_DKIM;
	r->selector = xstrdup(selector);
	r->generation = xstrdup(gen);
	r->key_type = xstrdup(strcmp(alg, "ed25519-sha256") == 0 ? "ed25519" : "rsa");
	r->public_key = xstrdup(db_table_get(t, row, 3));
	r->published = strcmp(db_table_get(t, row, 4), "t") == 0;
	r->signing = strcmp(gen, signing_gen) == 0;
	r->label = xasprintf("dkim %s", selector);
	r->name = xasprintf("%s._domainkey.%s", selector, domain);
	r->value = xasprintf("v=DKIM1; k=%s; p=%s", r->key_type, r->public_key);
	r->comment = xasprintf("DKIM key %s (%s), generation %s: %s", selector, alg, gen,
			       r->signing ? "signs the mail now"
					  : "published ahead; signs once the older generation is retired");
}

/* The SPF, DMARC and MX suggestions (advisory: "check" reports them but
 * never lets them block). SPF names the host by a: because the mail leaves
 * from this host's Postfix; mx would be wrong when the domain's MX is
 * elsewhere. */
static void recs_advice(struct domain_rec *r, const char *domain, const struct md_config *c)
{
	const char *host = c->hostname;
	char delim = c->recipient_delimiter != NULL && c->recipient_delimiter[0] != '\0' ? c->recipient_delimiter[0]
											  : '+';

	r[0] = (struct domain_rec){ .kind = DOMAIN_REC_SPF, .label = xstrdup("spf"), .name = xstrdup(domain) };
	r[0].value = xasprintf("v=spf1 a:%s -all", host);
	r[0].comment = xasprintf("SPF (suggestion): lets %s send as %s. If %s has an SPF record already, add a:%s to "
				 "it instead: a name may have only one",
				 host, domain, domain, host);
	r[1] = (struct domain_rec){ .kind = DOMAIN_REC_DMARC, .label = xstrdup("dmarc") };
	r[1].name = xasprintf("_dmarc.%s", domain);
	r[1].value = xasprintf("v=DMARC1; p=none; rua=mailto:postmaster@%s", domain);
	r[1].comment = xasprintf("DMARC (suggestion): p=none only asks receivers for reports (to postmaster@%s); "
				 "tighten to p=quarantine, then p=reject, once they show all mail passing",
				 domain);
	r[2] = (struct domain_rec){ .kind = DOMAIN_REC_MX, .label = xstrdup("mx"), .name = xstrdup(domain) };
	r[2].value = xasprintf("10 %s", host);
	r[2].comment = xasprintf("Return path: mail leaves with the envelope sender LOCALPART%cb<ID>-<TOKEN>@%s (the "
				 "sending address with a signed VERP tag); bounces come back to it, so %s's MX must "
				 "reach %s, whose Postfix hands them to maildesk",
				 delim, domain, domain, host);
}

int domain_records_get(struct ctl *ctl, const struct md_config *c, const char *domain, struct domain_rec **recs_r,
		       size_t *n_r)
{
	struct domain_rec *r;
	struct db_table *t;
	char *error = NULL;

	if (db_report_domain_selectors(ctl->db, domain, &t, &error) < 0)
		return ctl_db_fail(error);
	r = xcalloc(t->n_rows + 3, sizeof(*r));
	for (size_t i = 0; i < t->n_rows; i++)
		rec_dkim(&r[i], domain, t, i, db_table_get(t, 0, 1));
	recs_advice(&r[t->n_rows], domain, c);
	*recs_r = r;
	*n_r = t->n_rows + 3;
	db_table_free(&t);
	return 0;
}

void domain_records_free(struct domain_rec *recs, size_t n)
{
	for (size_t i = 0; recs != NULL && i < n; i++) {
		free(recs[i].label);
		free(recs[i].name);
		free(recs[i].value);
		free(recs[i].comment);
		free(recs[i].selector);
		free(recs[i].generation);
		free(recs[i].key_type);
		free(recs[i].public_key);
	}
	free(recs);
}

/* A TXT value as zone-file strings: "..." "..." of at most 255 bytes each,
 * with " and \ escaped. */
static void txt_print(const char *v)
{
	size_t len = strlen(v);

	for (size_t off = 0; off < len || off == 0; off += TXT_CHUNK) {
		printf("%s\"", off > 0 ? " " : "");
		for (size_t i = off; i < len && i < off + TXT_CHUNK; i++)
			printf("%s%c", v[i] == '"' || v[i] == '\\' ? "\\" : "", v[i]);
		putchar('"');
		if (len == 0)
			break;
	}
}

/* One record after its comment line, zone-file style. */
static void rec_print(const struct domain_rec *r)
{
	printf("; %s\n%s. IN %s ", r->comment, r->name, r->kind == DOMAIN_REC_MX ? "MX" : "TXT");
	if (r->kind == DOMAIN_REC_MX)
		printf("%s.", r->value);
	else
		txt_print(r->value);
	putchar('\n');
}

/* One record as a JSON object. */
static json_t *rec_json(const struct domain_rec *r)
{
	static const char *const kinds[] = { "dkim", "spf", "dmarc", "mx" };
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kind", kinds[r->kind], "name", r->name, "type",
			      r->kind == DOMAIN_REC_MX ? "MX" : "TXT", "value", r->value);

	if (r->kind == DOMAIN_REC_DKIM) {
		json_object_set_new(o, "selector", json_string(r->selector));
		json_object_set_new(o, "generation", json_string(r->generation));
		json_object_set_new(o, "key_type", json_string(r->key_type));
		json_object_set_new(o, "published", json_boolean(r->published));
		json_object_set_new(o, "signing", json_boolean(r->signing));
	}
	json_object_set_new(o, "comment", json_string(r->comment));
	return o;
}

/* The status lines that head "show" and "add". */
static void header_print(const struct db_table *t)
{
	const char *domain = db_table_get(t, 0, 0), *verified = db_table_get(t, 0, 4);
	const char *checked = db_table_get(t, 0, 5);
	bool shared = strcmp(db_table_get(t, 0, 2), "t") == 0;
	char b1[32], b2[32], b3[32];

	printf("; %s: %s%s%s (%s%s); added %s; last check: %s\n", domain, db_table_get(t, 0, 3),
	       verified != NULL ? " since " : "", verified != NULL ? ctl_output_time(verified, b1, sizeof(b1)) : "",
	       shared ? "the shared domain" : "tenant ", shared ? "" : db_table_get(t, 0, 1),
	       ctl_output_time(db_table_get(t, 0, 6), b2, sizeof(b2)),
	       checked != NULL ? ctl_output_time(checked, b3, sizeof(b3)) : "never");
	printf("; Publish these records in the DNS zone of %s, then run \"maildeskctl domain check %s\".\n", domain,
	       domain);
}

int domain_show_print(struct ctl *ctl, const struct md_config *c, const char *domain, const char *generation)
{
	struct domain_rec *recs = NULL;
	struct db_table *t = NULL;
	char *error = NULL;
	size_t n = 0;
	int ret = 0, found = db_report_domain(ctl->db, domain, &t, &error);

	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		ret = ctl_fail("domain %s not found: add it with \"maildeskctl domain add\"", domain);
	else
		ret = domain_records_get(ctl, c, domain, &recs, &n);
	if (ret == 0 && ctl->json) {
		json_t *o = ctl_output_row_json(t, 0, "ssbsttts"), *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, rec_json(&recs[i]));
		json_object_set_new(o, "records", arr);
		ctl_output_json_print(o);
	} else if (ret == 0) {
		if (generation == NULL)
			header_print(t);
		for (size_t i = 0; i < n; i++) {
			if (generation == NULL ||
			    (recs[i].kind == DOMAIN_REC_DKIM && strcmp(recs[i].generation, generation) == 0))
				rec_print(&recs[i]);
		}
	}
	domain_records_free(recs, n);
	db_table_free(&t);
	return ret;
}

/* "domain show DOMAIN [--json]". */
int ctl_domain_show(struct ctl *ctl, const struct ctl_args *a)
{
	struct md_config c = { 0 };
	char *domain;
	int ret = 0;

	if ((domain = domain_name_arg(a, a->pos[0], &ret)) == NULL)
		return ret;
	ret = domain_conf_load(ctl, &c);
	if (ret == 0)
		ret = domain_show_print(ctl, &c, domain, NULL);
	config_free(&c);
	free(domain);
	return ret;
}

/* "domain list [--tenant T] [--json]". */
int ctl_domain_list(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t;
	int ret = 0;

	if (ctl_opt_get(a, "tenant") != NULL && (ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name)) != 0)
		return ret;
	if (db_report_domains(ctl->db, ctl_id(tenant_id), &t, &error) < 0) {
		ret = ctl_db_fail(error);
	} else {
		ctl_output_rows(ctl, t, "sssjt");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}
