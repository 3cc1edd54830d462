#include "config.h"
#include "smtp-address.h"

#include <string.h>

#include "base/xalloc.h"

#define SMTP_DOMAIN_MAX 255
#define SMTP_LABEL_MAX 63

/* A cursor over the path; the parse functions advance it and set error on
 * the first violation, after which every further step fails. */
struct path_parser {
	const char *p, *end;
	bool utf8;
	const char *error;
};

/* Records the first error only: it names the real cause. */
static int path_fail(struct path_parser *pp, const char *error)
{
	if (pp->error == NULL)
		pp->error = error;
	return -1;
}

/* The next octet, or -1 at the end: no bounds checks at the call sites. */
static int path_peek(const struct path_parser *pp) { return pp->p < pp->end ? (unsigned char)*pp->p : -1; }

/* RFC 5321 atext, widened by RFC 6531 to any non-ASCII octet. */
static bool is_atext(int c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c > 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Let-dig of RFC 5321, plus UTF-8 octets for U-labels (RFC 6531). */
static bool is_let_dig(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Notes UTF-8 so SMTPUTF8 can be enforced by the caller. */
static void path_note_octet(struct path_parser *pp, int c)
{
	if (c >= 0x80)
		pp->utf8 = true;
}

/* Dot-string = Atom *("." Atom): no empty atoms, so no leading, trailing
 * or doubled dots. */
static int path_parse_dot_string(struct path_parser *pp)
{
	for (;;) {
		const char *start = pp->p;

		while (pp->p < pp->end && is_atext((unsigned char)*pp->p)) {
			path_note_octet(pp, (unsigned char)*pp->p);
			pp->p++;
		}
		if (pp->p == start)
			return path_fail(pp, pp->p == pp->end || *pp->p == '@' || *pp->p == '>' || *pp->p == '.'
						     ? "bad local part"
						     : "bad character in local part");
		if (path_peek(pp) != '.')
			return 0;
		pp->p++;
	}
}

/* Quoted-string with qtextSMTP and quoted-pairSMTP (RFC 5321 4.1.2). */
static int path_parse_quoted(struct path_parser *pp)
{
	pp->p++;
	while (pp->p < pp->end) {
		int c = (unsigned char)*pp->p++;

		if (c == '"')
			return 0;
		if (c == '\\') {
			if (pp->p == pp->end || (unsigned char)*pp->p < 32 || (unsigned char)*pp->p > 126)
				return path_fail(pp, "bad quoted local part");
			pp->p++;
		} else if (c < 32 || c == 127) {
			return path_fail(pp, "bad character in local part");
		}
		path_note_octet(pp, c);
	}
	return path_fail(pp, "unterminated quoted local part");
}

/* sub-domain = Let-dig [Ldh-str], separated by dots. */
static int path_parse_domain_name(struct path_parser *pp)
{
	const char *start = pp->p;

	for (;;) {
		const char *label = pp->p;

		while (pp->p < pp->end && (is_let_dig((unsigned char)*pp->p) || *pp->p == '-')) {
			path_note_octet(pp, (unsigned char)*pp->p);
			pp->p++;
		}
		if (pp->p == label || label[0] == '-' || pp->p[-1] == '-' || pp->p - label > SMTP_LABEL_MAX)
			return path_fail(pp, "bad domain");
		if (path_peek(pp) != '.')
			break;
		pp->p++;
	}
	if (pp->p - start > SMTP_DOMAIN_MAX)
		return path_fail(pp, "domain too long");
	return 0;
}

/* address-literal = "[" 1*dcontent "]"; the tag and the address inside
 * ("IPv6:...") are not interpreted here. */
static int path_parse_literal(struct path_parser *pp)
{
	const char *start = ++pp->p;

	while (pp->p < pp->end && *pp->p != ']') {
		int c = (unsigned char)*pp->p;

		if (c < 33 || c > 126 || c == '[' || c == '\\')
			return path_fail(pp, "bad address literal");
		pp->p++;
	}
	if (pp->p == pp->end || pp->p == start)
		return path_fail(pp, "bad address literal");
	pp->p++;
	return 0;
}

/* Domain / address-literal after "@" (or in a source route). */
static int path_parse_domain(struct path_parser *pp)
{
	if (pp->p == pp->end || *pp->p == '>')
		return path_fail(pp, "missing domain");
	if (*pp->p == '[')
		return path_parse_literal(pp);
	return path_parse_domain_name(pp);
}

/* A-d-l = At-domain *("," At-domain) ":" - obsolete source routes, which
 * RFC 5321 C says to accept and ignore. */
static int path_skip_source_route(struct path_parser *pp)
{
	for (;;) {
		pp->p++;
		if (path_parse_domain(pp) < 0)
			return path_fail(pp, "bad source route");
		if (path_peek(pp) == ':') {
			pp->p++;
			return 0;
		}
		if (path_peek(pp) != ',')
			return path_fail(pp, "bad source route");
		pp->p++;
		if (path_peek(pp) != '@')
			return path_fail(pp, "bad source route");
	}
}

/* Builds "local@domain" with the domain folded to lower case (ASCII only:
 * UTF-8 labels are left as sent). */
static char *path_join(const char *local, size_t local_len, const char *domain, size_t domain_len)
{
	char *s = xmalloc(local_len + domain_len + 2);
	size_t i;

	memcpy(s, local, local_len);
	s[local_len] = '\0';
	if (domain != NULL) {
		s[local_len] = '@';
		for (i = 0; i < domain_len; i++) {
			char c = domain[i];
			s[local_len + 1 + i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		s[local_len + 1 + domain_len] = '\0';
	}
	return s;
}

/* The mailbox between the optional source route and ">". */
static int path_parse_mailbox(struct path_parser *pp, unsigned flags, char **addr_r)
{
	const char *local = pp->p, *domain = NULL;
	size_t local_len, domain_len = 0;

	if (path_peek(pp) == '"' ? path_parse_quoted(pp) < 0 : path_parse_dot_string(pp) < 0)
		return -1;
	local_len = (size_t)(pp->p - local);
	if (path_peek(pp) != '@' && path_peek(pp) != '>')
		return path_fail(pp, pp->p == pp->end ? "missing '>'" : "bad character in local part");
	if (path_peek(pp) == '@') {
		domain = ++pp->p;
		if (path_parse_domain(pp) < 0)
			return -1;
		domain_len = (size_t)(pp->p - domain);
	} else if (path_peek(pp) == '>' && !(flags & SMTP_ADDRESS_ALLOW_NO_DOMAIN)) {
		return path_fail(pp, "missing domain");
	}
	if (path_peek(pp) != '>')
		return path_fail(pp, pp->p == pp->end ? "missing '>'" : "bad character in address");
	pp->p++;
	*addr_r = path_join(local, local_len, domain, domain_len);
	return 0;
}

int smtp_address_parse_path(struct strv in, unsigned flags, struct smtp_address *addr_r, struct strv *rest_r,
			    const char **error_r)
{
	struct path_parser pp = { .p = in.p, .end = in.p + in.len };
	char *addr = NULL;

	if (path_peek(&pp) != '<') {
		*error_r = "missing '<'";
		return -1;
	}
	pp.p++;
	if (path_peek(&pp) == '>') {
		if (!(flags & SMTP_ADDRESS_ALLOW_NULL)) {
			*error_r = "null address not allowed";
			return -1;
		}
		pp.p++;
		addr = xstrdup("");
	} else if ((path_peek(&pp) == '@' && path_skip_source_route(&pp) < 0) ||
		   path_parse_mailbox(&pp, flags, &addr) < 0) {
		*error_r = pp.error;
		return -1;
	}
	addr_r->addr = addr;
	addr_r->utf8 = pp.utf8;
	rest_r->p = pp.p;
	rest_r->len = (size_t)(pp.end - pp.p);
	return 0;
}
