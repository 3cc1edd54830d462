/* TXT and MX look-ups for "maildeskctl domain check" through libunbound:
 * one context per check (ub_ctx), forwarding to the configured server or
 * to the system's (resolv.conf), validating with the trust anchor file when
 * there is one. libunbound hands back the whole answer packet, which
 * dns-answer.c parses, and the DNSSEC verdict, which we pass on. */
#include "config.h"
#include "dns/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unbound.h>
#include <unistd.h>

#include "base/xalloc.h"

/* The longest libunbound waits for one server's answer before it tries
 * again or gives up (its default is 2 minutes): a check against a dead
 * server should end in seconds. */
#define DNS_MAX_RTT_MS "2000"

struct dns_resolver {
	struct ub_ctx *ctx;
	char *from;   /* "127.0.0.1:53" or "the system's DNS resolver", for errors */
	char *anchor; /* the trust anchor file, NULL for none */
	bool validates;
};

/* "HOST:PORT" or "[HOST]:PORT" into host and the port text. */
static int hostport_split(const char *s, char *host, size_t size, const char **port_r)
{
	const char *h = s, *end;

	if (s[0] == '[') {
		h = s + 1;
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		*port_r = end + 2;
	} else {
		end = strrchr(s, ':');
		if (end == NULL || memchr(s, ':', (size_t)(end - s)) != NULL)
			return -1; /* an IPv6 address needs brackets */
		*port_r = end + 1;
	}
	if (end == h || (size_t)(end - h) >= size)
		return -1;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return 0;
}

/* 1-65535 in decimal, nothing else. */
static bool port_parse(const char *s, uint16_t *port_r)
{
	unsigned long v = 0;

	if (s[0] == '\0' || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return false;
	v = strtoul(s, NULL, 10);
	if (v == 0 || v > 65535)
		return false;
	*port_r = (uint16_t)v;
	return true;
}

/* The resolver cannot look up its own server, so HOST must be an address. */
int dns_server_parse(const char *s, struct sockaddr_storage *ss, char **error_r)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *port_s = NULL;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (hostport_split(s, host, sizeof(host), &port_s) < 0 || !port_parse(port_s, &port)) {
		*error_r = xasprintf("DNS server \"%s\" is not HOST:PORT or [IPV6]:PORT", s);
		return -1;
	}
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
	} else {
		*error_r = xasprintf("DNS server \"%s\": \"%s\" is not an IP address", s, host);
		return -1;
	}
	return 0;
}

/* The address and port of a checked server, as "ADDR@PORT". */
int dns_server_forwarder(const char *s, char **fwd_r, char **error_r)
{
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN];
	const void *a;
	unsigned port;

	if (dns_server_parse(s, &ss, error_r) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	inet_ntop(ss.ss_family, a, addr, sizeof(addr));
	*fwd_r = xasprintf("%s@%u", addr, port);
	return 0;
}

const char *dns_sec_name(enum dns_sec sec)
{
	return sec == DNS_SEC_SECURE ? "secure" : sec == DNS_SEC_BOGUS ? "bogus" : "insecure";
}

/* Where the questions go: the forwarder, or resolv.conf's servers. A
 * forwarder or system resolver on localhost is normal (dnsmasq,
 * systemd-resolved), so libunbound's default refusal of 127.0.0.1 is off. */
static int resolver_servers(struct dns_resolver *r, const char *server, char **error_r)
{
	char *fwd = NULL;
	int err;

	if (ub_ctx_set_option(r->ctx, "do-not-query-localhost:", "no") != 0 ||
	    ub_ctx_set_option(r->ctx, "infra-cache-max-rtt:", DNS_MAX_RTT_MS) != 0) {
		*error_r = xstrdup("libunbound refused an option (do-not-query-localhost, infra-cache-max-rtt)");
		return -1;
	}
	if (server == NULL || server[0] == '\0') {
		if ((err = ub_ctx_resolvconf(r->ctx, NULL)) != 0) {
			*error_r = xasprintf("cannot use /etc/resolv.conf: %s", ub_strerror(err));
			return -1;
		}
		return 0;
	}
	if (dns_server_forwarder(server, &fwd, error_r) < 0)
		return -1;
	err = ub_ctx_set_fwd(r->ctx, fwd);
	free(fwd);
	if (err != 0) {
		*error_r = xasprintf("DNS server \"%s\": %s", server, ub_strerror(err));
		return -1;
	}
	return 0;
}

/* The trust anchor: none when not configured or the file is absent (no
 * dns-root-data), else it must be readable. libunbound reads it only at
 * the first look-up, so a malformed one is reported there (lookup_raw). */
static int resolver_anchor(struct dns_resolver *r, const char *file, char **error_r)
{
	int err;

	if (file == NULL || file[0] == '\0' || (access(file, F_OK) < 0 && errno == ENOENT))
		return 0;
	if (access(file, R_OK) < 0) {
		*error_r = xasprintf("DNSSEC trust anchor %s: %s", file, strerror(errno));
		return -1;
	}
	r->anchor = xstrdup(file);
	if ((err = ub_ctx_add_ta_file(r->ctx, file)) != 0) {
		*error_r = xasprintf("DNSSEC trust anchor %s: %s", file, ub_strerror(err));
		return -1;
	}
	r->validates = true;
	return 0;
}

int dns_resolver_new(const char *server, const char *trust_anchor, struct dns_resolver **r_r, char **error_r)
{
	struct dns_resolver *r = xcalloc(1, sizeof(*r));

	*r_r = NULL;
	r->ctx = ub_ctx_create();
	if (r->ctx == NULL) {
		*error_r = xstrdup("cannot create a libunbound context");
		free(r);
		return -1;
	}
	r->from = server != NULL && server[0] != '\0' ? xstrdup(server) : xstrdup("the system's DNS resolver");
	if (resolver_servers(r, server, error_r) < 0 || resolver_anchor(r, trust_anchor, error_r) < 0) {
		dns_resolver_free(&r);
		return -1;
	}
	*r_r = r;
	return 0;
}

bool dns_resolver_validates(const struct dns_resolver *r)
{
	return r->validates;
}

void dns_resolver_free(struct dns_resolver **r)
{
	if (*r == NULL)
		return;
	ub_ctx_delete((*r)->ctx);
	free((*r)->from);
	free((*r)->anchor);
	free(*r);
	*r = NULL;
}

/* One query of type at name; the result in *res_r (ub_resolve_free) with
 * an answer packet, or -1 with *why_r (bogus, no answer ...). */
static int lookup_raw(struct dns_resolver *r, const char *name, int type, struct ub_result **res_r,
		      enum dns_sec *sec_r, char **why_r)
{
	struct ub_result *res = NULL;
	int err = ub_resolve(r->ctx, name, type, ns_c_in, &res);

	*sec_r = DNS_SEC_INSECURE;
	*res_r = res;
	if (err == UB_INITFAIL && r->anchor != NULL) {
		*why_r = xasprintf("%s (is the DNSSEC trust anchor %s valid?)", ub_strerror(err), r->anchor);
		return -1;
	}
	if (err != 0) {
		*why_r = xstrdup(ub_strerror(err));
		return -1;
	}
	*sec_r = res->bogus ? DNS_SEC_BOGUS : res->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	if (res->bogus) {
		*why_r = xasprintf("DNSSEC validation failed (bogus): %s",
				   res->why_bogus != NULL ? res->why_bogus : "no reason given");
		return -1;
	}
	if (res->answer_packet == NULL || res->answer_len <= 0) {
		*why_r = res->rcode == ns_r_servfail ? xstrdup("no answer (SERVFAIL)")
						     : xasprintf("no answer (response code %d)", res->rcode);
		return -1;
	}
	return 0;
}

/* Finishes a look-up: the result freed, an error prefixed with what was
 * looked up and followed by where. Returns ret. */
static int lookup_done(const struct dns_resolver *r, const char *name, const char *type, int ret,
		       struct ub_result *res, char **error_r)
{
	if (ret < 0) {
		char *e = *error_r;

		*error_r = xasprintf("%s %s: %s from %s", name, type, e, r->from);
		free(e);
	}
	if (res != NULL)
		ub_resolve_free(res);
	return ret;
}

int dns_txt_lookup(struct dns_resolver *r, const char *name, char ***values_r, size_t *n_r, enum dns_sec *sec_r,
		   char **error_r)
{
	struct ub_result *res;
	int ret;

	*values_r = NULL;
	*n_r = 0;
	ret = lookup_raw(r, name, ns_t_txt, &res, sec_r, error_r);
	if (ret == 0)
		ret = dns_answer_txt(res->answer_packet, (size_t)res->answer_len, values_r, n_r, error_r);
	return lookup_done(r, name, "TXT", ret, res, error_r);
}

int dns_mx_lookup(struct dns_resolver *r, const char *name, struct dns_mx **mx_r, size_t *n_r, enum dns_sec *sec_r,
		  char **error_r)
{
	struct ub_result *res;
	int ret;

	*mx_r = NULL;
	*n_r = 0;
	ret = lookup_raw(r, name, ns_t_mx, &res, sec_r, error_r);
	if (ret == 0)
		ret = dns_answer_mx(res->answer_packet, (size_t)res->answer_len, mx_r, n_r, error_r);
	return lookup_done(r, name, "MX", ret, res, error_r);
}
