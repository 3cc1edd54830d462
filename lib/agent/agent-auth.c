/* Authentication-Results (RFC 8601): did the mail server we trust see a
 * DKIM or DMARC pass for the author's exact domain? The syntax is parsed
 * as RFC 8601 writes it (CFWS anywhere, quoted-string values, versions,
 * reason=), so a "pass" inside a comment or a quoted string never counts. */
#include "config.h"
#include "agent/agent.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "base/xalloc.h"

/* At most this many results of one field are read; the rest are ignored. */
#define AR_MAX_RESULTS 16

/* One "method=result prop=value ..." of a field, the properties we use. */
struct ar_result {
	char method[32], result[32];
	struct ar_prop {
		char v[256];
		unsigned n; /* times seen */
	} header_d, header_from, mailfrom;
};

/* Skips folding white space and comments (nested, with quoted-pairs).
 * False when a comment is not closed. */
static bool cfws_skip(const char **pp)
{
	const char *p = *pp;
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && depth > 0 && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			break;
	}
	*pp = p;
	return depth == 0;
}

/* Reads a value: a quoted-string (unquoted into out) or a run of bytes up
 * to white space, '(', ';', '"' and, when stop_eq, '='. out may be NULL
 * (skip); a value longer than cap-1 bytes reads as "" (which matches
 * nothing). False when there is no value or a quote is not closed. */
static bool ar_word(const char **pp, bool stop_eq, char *out, size_t cap)
{
	const char *p = *pp;
	bool quoted = *p == '"';
	size_t n = 0;

	if (quoted)
		p++;
	for (;; p++) {
		if (*p == '\0')
			break;
		if (quoted && *p == '"')
			break;
		if (!quoted && (strchr(" \t\r\n(;\"", *p) != NULL || (stop_eq && *p == '=')))
			break;
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		if (out != NULL && n + 1 < cap)
			out[n] = *p;
		n++;
	}
	if (quoted && *p != '"')
		return false;
	if (!quoted && n == 0)
		return false;
	if (out != NULL)
		out[n < cap ? n : 0] = '\0';
	*pp = quoted ? p + 1 : p;
	return true;
}

/* "key = value" with CFWS around '='; false on a syntax error. */
static bool ar_pair(const char **pp, char *key, size_t kcap, char *val, size_t vcap)
{
	if (!ar_word(pp, true, key, kcap) || !cfws_skip(pp) || **pp != '=')
		return false;
	(*pp)++;
	return cfws_skip(pp) && ar_word(pp, false, val, vcap);
}

/* Keeps one property we use; a second value for it makes it "\1", which
 * matches nothing (which one would the verifier have meant?). */
static void prop_keep(struct ar_prop *prop, const char *v)
{
	snprintf(prop->v, sizeof(prop->v), "%s", prop->n++ == 0 ? v : "\1");
}

/* One resinfo after its ';': method[/version] = result, then reason= and
 * ptype.property= pairs in any order. False on a syntax error. */
static bool ar_resinfo(const char **pp, struct ar_result *r)
{
	char key[64], val[256], *slash;

	memset(r, 0, sizeof(*r));
	if (!ar_pair(pp, r->method, sizeof(r->method), r->result, sizeof(r->result)))
		return false;
	if ((slash = strchr(r->method, '/')) != NULL)
		*slash = '\0';
	for (;;) {
		if (!cfws_skip(pp))
			return false;
		if (**pp == ';' || **pp == '\0')
			return true;
		if (!ar_pair(pp, key, sizeof(key), val, sizeof(val)))
			return false;
		if (strcasecmp(key, "header.d") == 0)
			prop_keep(&r->header_d, val);
		else if (strcasecmp(key, "header.from") == 0)
			prop_keep(&r->header_from, val);
		else if (strcasecmp(key, "smtp.mailfrom") == 0)
			prop_keep(&r->mailfrom, val);
		else if (strcasecmp(key, "reason") != 0 && strchr(key, '.') == NULL)
			return false;
	}
}

/* Parses one field value. Returns 0 when its authserv-id is not id, 1
 * when it is (*n_r results in res), -1 when it claims id but is malformed,
 * or its authserv-id cannot be read and id appears in it (nothing of it
 * may count; strip it). */
static int ar_parse(const char *value, const char *id, struct ar_result *res, size_t *n_r)
{
	const char *p = value;
	char sid[256], ver[16];

	*n_r = 0;
	if (id == NULL || id[0] == '\0')
		return 0;
	/* An authserv-id that cannot be read (an unclosed comment or quote)
	 * but names us is taken as a malformed claim: strip it, count it not. */
	if (!cfws_skip(&p) || !ar_word(&p, false, sid, sizeof(sid)))
		return strcasestr(value, id) != NULL ? -1 : 0;
	if (strcasecmp(sid, id) != 0)
		return 0;
	if (!cfws_skip(&p))
		return -1;
	if (isdigit((unsigned char)*p)) { /* authres-version */
		if (!ar_word(&p, false, ver, sizeof(ver)) || strspn(ver, "0123456789") != strlen(ver) || !cfws_skip(&p))
			return -1;
	}
	if (strncasecmp(p, "none", 4) == 0) { /* no-result */
		p += 4;
		return cfws_skip(&p) && *p == '\0' ? 1 : -1;
	}
	while (*p == ';') {
		p++;
		if (!cfws_skip(&p))
			return -1;
		if (*p == '\0' || *p == ';')
			continue;
		struct ar_result scratch, *r = *n_r < AR_MAX_RESULTS ? &res[*n_r] : &scratch;
		if (!ar_resinfo(&p, r))
			return -1;
		if (r != &scratch)
			(*n_r)++;
	}
	return *p == '\0' ? 1 : -1;
}

/* Is the value v exactly domain, ignoring case? */
static bool domain_equal(const char *domain, const char *v)
{
	return v[0] != '\0' && strcasecmp(domain, v) == 0;
}

/* One result folded into the verdict: only "pass" for the exact domain. */
static void ar_result_apply(const struct ar_result *r, const char *domain, struct agent_auth_verdict *v)
{
	const char *at;

	if (strcasecmp(r->result, "pass") != 0)
		return;
	if (strcasecmp(r->method, "dkim") == 0 && domain_equal(domain, r->header_d.v))
		v->dkim_pass = true;
	else if (strcasecmp(r->method, "dmarc") == 0 && domain_equal(domain, r->header_from.v))
		v->dmarc_pass = true;
	else if (strcasecmp(r->method, "spf") == 0) {
		at = strrchr(r->mailfrom.v, '@');
		if (domain_equal(domain, at != NULL ? at + 1 : r->mailfrom.v))
			v->spf_pass = true;
	}
}

/* Does the field name equal want (white space around it tolerated)? */
static bool name_is(const char *name, const char *want)
{
	size_t n, wn = strlen(want);

	while (*name == ' ' || *name == '\t')
		name++;
	n = strlen(name);
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == wn && strncasecmp(name, want, n) == 0;
}

/* The end of the trust zone: headers[0] is our own Received, the zone runs
 * to the next Received. Returns false when headers[0] is no Received. */
static bool zone_end(const struct mime_field *headers, size_t count, size_t *end_r)
{
	size_t i;

	if (count == 0 || !name_is(headers[0].name, "Received"))
		return false;
	for (i = 1; i < count && !name_is(headers[i].name, "Received"); i++)
		;
	*end_r = i;
	return true;
}

/* How many From fields the header section has. */
static size_t from_fields(const struct mime_field *headers, size_t count)
{
	size_t n = 0;

	for (size_t i = 0; i < count; i++)
		n += name_is(headers[i].name, "From");
	return n;
}

void agent_auth_results_read(const struct mime_field *headers, size_t count, const char *trusted_id,
			     const char *from_domain, struct agent_auth_verdict *v_r)
{
	struct ar_result res[AR_MAX_RESULTS];
	size_t end, n;

	memset(v_r, 0, sizeof(*v_r));
	if (from_domain == NULL || from_domain[0] == '\0' || trusted_id == NULL || trusted_id[0] == '\0' ||
	    from_fields(headers, count) != 1 || !zone_end(headers, count, &end))
		return;
	for (size_t i = 1; i < end; i++) {
		if (!name_is(headers[i].name, "Authentication-Results") ||
		    ar_parse(headers[i].value, trusted_id, res, &n) <= 0)
			continue;
		v_r->seen = true;
		for (size_t k = 0; k < n; k++)
			ar_result_apply(&res[k], from_domain, v_r);
	}
}

bool agent_auth_results_pass(const struct mime_field *headers, size_t count, const char *trusted_id,
			     const char *domain, const char **why_r)
{
	struct agent_auth_verdict v;
	size_t end;
	const char *why = NULL;

	agent_auth_results_read(headers, count, trusted_id, domain, &v);
	if (agent_auth_verdict_author(&v))
		why = NULL;
	else if (from_fields(headers, count) != 1)
		why = "the message has more than one From field";
	else if (!zone_end(headers, count, &end))
		why = "no Received line of ours on top of the header";
	else if (!v.seen)
		why = "no Authentication-Results from our mail server above its Received line";
	else
		why = "Authentication-Results shows no DKIM or DMARC pass for exactly the sender's domain";
	if (why_r != NULL)
		*why_r = why;
	return why == NULL;
}

bool agent_auth_verdict_author(const struct agent_auth_verdict *v)
{
	return v->dmarc_pass || v->dkim_pass;
}

/* Does this field (as lib/mime split it: name, unfolded value) claim
 * trusted_id as its authserv-id? */
static bool ar_field_claims(const struct mime_field *f, const char *trusted_id)
{
	struct ar_result res[AR_MAX_RESULTS];
	size_t n;

	return name_is(f->name, "Authentication-Results") && ar_parse(f->value, trusted_id, res, &n) != 0;
}

/* Contract in agent.h. */
char *agent_auth_results_strip_fields(const char *block, const struct mime_field *fields,
				      const struct mime_field_span *spans, size_t n, const char *trusted_id, bool trusted,
				      unsigned char *drop_r)
{
	bool below_received = !trusted;

	for (size_t i = 0; i < n; i++) {
		drop_r[i] = below_received && trusted_id[0] != '\0' &&
			    ar_field_claims(&fields[i], trusted_id);
		below_received |= name_is(fields[i].name, "Received");
	}
	return mime_fields_drop(block, spans, drop_r, n);
}

/* Contract in agent.h: for a header section not parsed yet. */
char *agent_auth_results_strip(const char *block, const char *trusted_id, bool trusted)
{
	struct mime_field *fields;
	struct mime_field_span *spans;
	size_t n;
	char *buf = mime_fields_split_spans(block, &fields, &spans, &n);
	unsigned char *drop = xcalloc(n ? n : 1, 1);
	char *out = agent_auth_results_strip_fields(block, fields, spans, n, trusted_id, trusted, drop);

	free(drop);
	free(spans);
	free(fields);
	free(buf);
	return out;
}
