/* The answer side of lib/dns: response codes and TXT / MX records out of
 * a DNS message (ns_initparse, ns_parserr), without any I/O, so the tests
 * feed it hand-made messages. */
#include "config.h"
#include "dns/dns.h"

#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Called for each record of the wanted type; collects it in ctx. */
typedef int rr_fn(void *ctx, const ns_msg *msg, const ns_rr *rr, char **error_r);

/* The response code first (NXDOMAIN is "none", SERVFAIL an error), then
 * fn for each answer record of type. Returns 1, 0 or -1. */
static int answer_walk(const unsigned char *ans, size_t len, ns_type type, rr_fn *fn, void *ctx, char **error_r)
{
	ns_msg msg;
	ns_rr rr;
	int found = 0, rcode;

	if (len > DNS_ANSWER_MAX || ns_initparse(ans, (int)len, &msg) < 0) {
		*error_r = xstrdup("malformed DNS answer");
		return -1;
	}
	rcode = (int)ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return 0;
	if (rcode != ns_r_noerror) {
		*error_r = rcode == ns_r_servfail  ? xstrdup("the server answered SERVFAIL")
			   : rcode == ns_r_refused ? xstrdup("the server REFUSED the query")
						   : xasprintf("the server answered with error code %d", rcode);
		return -1;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			*error_r = xstrdup("malformed DNS answer");
			return -1;
		}
		if (ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue; /* e.g. the CNAME that led there */
		if (fn(ctx, &msg, &rr, error_r) < 0)
			return -1;
		found = 1;
	}
	return found;
}

struct txt_list {
	char **v;
	size_t n;
};

/* A TXT record's character-strings, joined. */
static int txt_add(void *ctx, const ns_msg *msg, const ns_rr *rr, char **error_r)
{
	struct txt_list *l = ctx;
	const unsigned char *p = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr), len = 0;
	char *s = xmalloc(rdlen + 1);

	(void)msg;
	for (size_t i = 0; i < rdlen; i += 1 + (size_t)p[i]) {
		if (i + 1 + p[i] > rdlen) {
			free(s);
			*error_r = xstrdup("malformed TXT record");
			return -1;
		}
		memcpy(s + len, p + i + 1, p[i]);
		len += p[i];
	}
	s[len] = '\0';
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = s;
	return 0;
}

struct mx_list {
	struct dns_mx *v;
	size_t n;
};

/* An MX record: preference and the (possibly compressed) exchange name. */
static int mx_add(void *ctx, const ns_msg *msg, const ns_rr *rr, char **error_r)
{
	struct mx_list *l = ctx;
	const unsigned char *p = ns_rr_rdata(*rr);
	char name[NS_MAXDNAME];
	size_t len;

	if (ns_rr_rdlen(*rr) < 3 ||
	    ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), p + 2, name, sizeof(name)) < 0) {
		*error_r = xstrdup("malformed MX record");
		return -1;
	}
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].preference = (unsigned)p[0] << 8 | p[1];
	l->v[l->n++].exchange = xstrdup(name);
	return 0;
}

/* Hands the collected TXT strings over (or frees them when none/error). */
static int txt_result(struct txt_list *l, int ret, char ***values_r, size_t *n_r)
{
	if (ret <= 0) {
		dns_strings_free(l->v, l->n);
		l->v = NULL;
		l->n = 0;
	}
	*values_r = l->v;
	*n_r = l->n;
	return ret;
}

/* The same for MX records. */
static int mx_result(struct mx_list *l, int ret, struct dns_mx **mx_r, size_t *n_r)
{
	if (ret <= 0) {
		dns_mx_free(l->v, l->n);
		l->v = NULL;
		l->n = 0;
	}
	*mx_r = l->v;
	*n_r = l->n;
	return ret;
}

int dns_answer_txt(const unsigned char *answer, size_t len, char ***values_r, size_t *n_r, char **error_r)
{
	struct txt_list l = { 0 };

	return txt_result(&l, answer_walk(answer, len, ns_t_txt, txt_add, &l, error_r), values_r, n_r);
}

int dns_answer_mx(const unsigned char *answer, size_t len, struct dns_mx **mx_r, size_t *n_r, char **error_r)
{
	struct mx_list l = { 0 };

	return mx_result(&l, answer_walk(answer, len, ns_t_mx, mx_add, &l, error_r), mx_r, n_r);
}

void dns_strings_free(char **values, size_t n)
{
	for (size_t i = 0; values != NULL && i < n; i++)
		free(values[i]);
	free(values);
}

void dns_mx_free(struct dns_mx *mx, size_t n)
{
	for (size_t i = 0; mx != NULL && i < n; i++)
		free(mx[i].exchange);
	free(mx);
}
