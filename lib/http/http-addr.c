/* Client addresses: trusted proxies (CIDR lists) and X-Forwarded-For. */
#include "config.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

/* One address (with an optional /bits) into c; 0 or -1. */
static int cidr_parse(const char *s, struct http_cidr *c)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned max;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6, max = 128;
	else
		return -1;
	c->bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || b < 0 || b > (long)max)
			return -1;
		c->bits = (unsigned)b;
	}
	return 0;
}

/* Contract in http.h. */
int http_cidrs_parse(const char *s, struct http_cidrs *c, char **error_r)
{
	char *copy = xstrdup(s != NULL ? s : ""), *save = NULL;

	memset(c, 0, sizeof(*c));
	for (char *t = strtok_r(copy, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		if (cidr_parse(t, &c->v[c->n]) < 0) {
			*error_r = xasprintf("\"%s\" is not an address or CIDR block", t);
			free(copy);
			http_cidrs_free(c);
			return -1;
		}
		c->n++;
	}
	free(copy);
	return 0;
}

/* Contract in http.h. */
void http_cidrs_free(struct http_cidrs *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Whether the first bits of a and b agree. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Contract in http.h. */
bool http_cidrs_match(const struct http_cidrs *c, const char *addr)
{
	struct http_cidr a;

	if (addr == NULL || strchr(addr, '/') != NULL || cidr_parse(addr, &a) < 0)
		return false;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].family == a.family && prefix_equal(c->v[i].addr, a.addr, c->v[i].bits))
			return true;
	return false;
}

/* Copies an address (at most 45 characters) into out. */
static void set_addr(char out[46], const char *s, size_t len)
{
	if (len > 45)
		len = 45;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* Contract in http.h. */
void http_client_address(const struct http_cidrs *trusted, const char *peer, const char *xff, char out[46])
{
	set_addr(out, peer, strlen(peer));
	if (xff == NULL || !http_cidrs_match(trusted, out))
		return;
	for (size_t end = strlen(xff); end > 0;) {
		size_t start = end;
		char item[46];
		struct http_cidr c;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		size_t a = start, b = end;
		while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
			a++;
		while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
			b--;
		if (b - a > 45)
			return;
		set_addr(item, xff + a, b - a);
		if (strchr(item, '/') != NULL || cidr_parse(item, &c) < 0)
			return;
		memcpy(out, item, sizeof(item));
		if (!http_cidrs_match(trusted, item))
			return;
		end = start > 0 ? start - 1 : 0;
	}
}
