/* Authentication-Results (RFC 8601): did our own MTA see a DKIM or DMARC
 * pass for the agent's domain? */
#include "config.h"
#include "agent/agent.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

/* Next ';'-separated element of an A-R value, trimmed; comments in
 * parentheses are skipped. Returns false at the end. */
static bool ar_next(const char **p, const char **s_r, size_t *n_r)
{
	const char *s = *p, *e;
	int depth = 0;

	while (*s == ' ' || *s == '\t' || *s == ';')
		s++;
	if (*s == '\0')
		return false;
	for (e = s; *e != '\0' && !(*e == ';' && depth == 0); e++) {
		if (*e == '(')
			depth++;
		else if (*e == ')' && depth > 0)
			depth--;
	}
	*p = e;
	*s_r = s;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*n_r = (size_t)(e - s);
	return true;
}

/* Is `domain` equal to d, or a subdomain of it (relaxed alignment)? */
static bool domain_aligned(const char *domain, const char *d, size_t dn)
{
	size_t n = strlen(domain);

	if (dn == 0)
		return false;
	if (n == dn)
		return strncasecmp(domain, d, dn) == 0;
	return n > dn && domain[n - dn - 1] == '.' && strncasecmp(domain + n - dn, d, dn) == 0;
}

/* The value of "key=" inside one result element ("header.d=x.example"). */
static bool ar_property(const char *s, size_t n, const char *key, const char **v_r, size_t *vn_r)
{
	size_t kn = strlen(key);

	for (size_t i = 0; i + kn < n; i++) {
		if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t') && strncasecmp(s + i, key, kn) == 0 &&
		    s[i + kn] == '=') {
			size_t j = i + kn + 1, k = j;
			while (k < n && !isspace((unsigned char)s[k]) && s[k] != ';')
				k++;
			*v_r = s + j;
			*vn_r = k - j;
			return true;
		}
	}
	return false;
}

/* One result element: "dkim=pass ... header.d=acme.example" aligned? */
static bool ar_element_pass(const char *s, size_t n, const char *domain)
{
	const char *v;
	size_t vn;

	if (n >= 9 && strncasecmp(s, "dkim=pass", 9) == 0 && (n == 9 || isspace((unsigned char)s[9])))
		return ar_property(s, n, "header.d", &v, &vn) && domain_aligned(domain, v, vn);
	if (n >= 10 && strncasecmp(s, "dmarc=pass", 10) == 0 && (n == 10 || isspace((unsigned char)s[10])))
		return ar_property(s, n, "header.from", &v, &vn) && domain_aligned(domain, v, vn);
	return false;
}

/* Does this A-R value come from trusted_id and show a pass for domain? */
static bool ar_value_pass(const char *value, const char *trusted_id, const char *domain)
{
	const char *p = value, *s;
	size_t n, idn = strlen(trusted_id);

	if (!ar_next(&p, &s, &n))
		return false;
	/* The authserv-id, optionally followed by a version number. */
	if (n < idn || strncasecmp(s, trusted_id, idn) != 0 || (n > idn && !isspace((unsigned char)s[idn])))
		return false;
	while (ar_next(&p, &s, &n))
		if (ar_element_pass(s, n, domain))
			return true;
	return false;
}

bool agent_auth_results_pass(const struct agent_header *headers, size_t count, const char *trusted_id,
			     const char *domain, const char **why_r)
{
	bool seen_ours = false;

	for (size_t i = 0; i < count; i++) {
		const char *name = headers[i].name;
		while (*name == ' ')
			name++;
		/* Below our MTA's Received line everything came from outside. */
		if (strcasecmp(name, "Received") == 0)
			break;
		if (strcasecmp(name, "Authentication-Results") != 0)
			continue;
		if (ar_value_pass(headers[i].value, trusted_id, domain)) {
			if (why_r != NULL)
				*why_r = NULL;
			return true;
		}
		seen_ours = true;
	}
	if (why_r != NULL)
		*why_r = seen_ours ? "Authentication-Results shows no DKIM or DMARC pass for the sender's domain"
				   : "no Authentication-Results from our mail server above its Received line";
	return false;
}

/* Is the value v (n bytes) exactly domain, ignoring case? */
static bool domain_equal(const char *domain, const char *v, size_t n)
{
	return n > 0 && strlen(domain) == n && strncasecmp(domain, v, n) == 0;
}

/* The domain part of an smtp.mailfrom value ("a@b.example" or "b.example"). */
static void mailfrom_domain(const char **v, size_t *n)
{
	const char *at = memchr(*v, '@', *n);

	if (at != NULL) {
		*n -= (size_t)(at + 1 - *v);
		*v = at + 1;
	}
}

/* One result element folded into the verdict. */
static void ar_element_read(const char *s, size_t n, const char *domain, struct agent_auth_verdict *v)
{
	const char *pv;
	size_t pn;

	if (n >= 9 && strncasecmp(s, "dkim=pass", 9) == 0 && (n == 9 || isspace((unsigned char)s[9])) &&
	    ar_property(s, n, "header.d", &pv, &pn) && domain_equal(domain, pv, pn))
		v->dkim_pass = true;
	else if (n >= 10 && strncasecmp(s, "dmarc=pass", 10) == 0 && (n == 10 || isspace((unsigned char)s[10])) &&
		 ar_property(s, n, "header.from", &pv, &pn) && domain_equal(domain, pv, pn))
		v->dmarc_pass = true;
	else if (n >= 8 && strncasecmp(s, "spf=pass", 8) == 0 && (n == 8 || isspace((unsigned char)s[8])) &&
		 ar_property(s, n, "smtp.mailfrom", &pv, &pn)) {
		mailfrom_domain(&pv, &pn);
		if (domain_equal(domain, pv, pn))
			v->spf_pass = true;
	}
}

void agent_auth_results_read(const struct agent_header *headers, size_t count, const char *trusted_id,
			     const char *from_domain, struct agent_auth_verdict *v_r)
{
	size_t idn = trusted_id != NULL ? strlen(trusted_id) : 0;

	memset(v_r, 0, sizeof(*v_r));
	if (from_domain == NULL || from_domain[0] == '\0' || idn == 0)
		return;
	for (size_t i = 0; i < count; i++) {
		const char *name = headers[i].name, *p = headers[i].value, *s;
		size_t n;

		while (*name == ' ')
			name++;
		if (strcasecmp(name, "Received") == 0)
			break;
		if (strcasecmp(name, "Authentication-Results") != 0 || !ar_next(&p, &s, &n))
			continue;
		if (n < idn || strncasecmp(s, trusted_id, idn) != 0 || (n > idn && !isspace((unsigned char)s[idn])))
			continue;
		v_r->seen = true;
		while (ar_next(&p, &s, &n))
			ar_element_read(s, n, from_domain, v_r);
	}
}

bool agent_auth_verdict_author(const struct agent_auth_verdict *v)
{
	return v->dmarc_pass || v->dkim_pass;
}

/* True when the field starting at p (name already known to be
 * Authentication-Results) names trusted_id as its authserv-id. */
static bool ar_field_claims(const char *value, size_t n, const char *trusted_id)
{
	size_t idn = strlen(trusted_id), i = 0;

	while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n'))
		i++;
	return n - i >= idn && strncasecmp(value + i, trusted_id, idn) == 0 &&
	       (n - i == idn || value[i + idn] == ';' || isspace((unsigned char)value[i + idn]));
}

char *agent_auth_results_strip(const char *block, const char *trusted_id)
{
	size_t len = strlen(block), o = 0;
	char *out = malloc(len + 1);
	bool below_received = false;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		/* One field: up to a line end not followed by folding white space. */
		size_t end = i;
		while (end < len && !(block[end] == '\n' && (end + 1 >= len || (block[end + 1] != ' ' && block[end + 1] != '\t'))))
			end++;
		if (end < len)
			end++;
		const char *colon = memchr(block + i, ':', end - i);
		size_t name_len = colon != NULL ? (size_t)(colon - block - i) : 0;
		bool is_ar = colon != NULL && name_len == 22 && strncasecmp(block + i, "Authentication-Results", 22) == 0;
		bool drop = is_ar && below_received && trusted_id[0] != '\0' &&
			    ar_field_claims(colon + 1, end - (size_t)(colon + 1 - block), trusted_id);
		if (colon != NULL && name_len == 8 && strncasecmp(block + i, "Received", 8) == 0)
			below_received = true;
		if (!drop) {
			memcpy(out + o, block + i, end - i);
			o += end - i;
		}
		i = end;
	}
	out[o] = '\0';
	return out;
}
