/* TXT and MX look-ups for "maildeskctl domain check". Each call owns its
 * glibc resolver state (res_ninit ... res_nclose), so nothing global
 * changes; a configured server replaces the system's list in that state
 * only. The UDP exchange is ours (see udp_ask); glibc builds the query,
 * parses the answer (dns-answer.c) and does TCP. */
#include "config.h"
#include "dns/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/xalloc.h"

/* Short, so a check against a dead server ends in seconds: 2 s, 2 tries. */
#define DNS_RETRANS_S 2
#define DNS_RETRY 2

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

/* Replaces the server list of st (and only st) by one address. glibc keeps
 * IPv6 servers in malloc'd _u._ext.nsaddrs slots (freed by res_nclose) and
 * IPv4 ones in nsaddr_list. */
static void resolver_use_server(res_state st, const struct sockaddr_storage *ss)
{
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		free(st->_u._ext.nsaddrs[i]);
		st->_u._ext.nsaddrs[i] = NULL;
	}
	st->nscount = 1;
	if (ss->ss_family == AF_INET) {
		memcpy(&st->nsaddr_list[0], ss, sizeof(struct sockaddr_in));
	} else {
		struct sockaddr_in6 *copy = xmalloc(sizeof(*copy));

		memcpy(copy, ss, sizeof(*copy));
		memset(&st->nsaddr_list[0], 0, sizeof(st->nsaddr_list[0])); /* sin_family 0: see nsaddrs */
		st->_u._ext.nsaddrs[0] = copy;
	}
}

/* Our own resolver state: the system's settings (resolv.conf), and the
 * configured server instead of resolv.conf's when one is given. */
static int resolver_open(res_state st, const char *server, char **error_r)
{
	struct sockaddr_storage ss;
	bool own = server != NULL && server[0] != '\0';

	if (own && dns_server_parse(server, &ss, error_r) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	if (res_ninit(st) < 0) {
		*error_r = xstrdup("cannot set up the DNS resolver (res_ninit failed)");
		return -1;
	}
	st->retrans = DNS_RETRANS_S;
	st->retry = DNS_RETRY;
	if (own)
		resolver_use_server(st, &ss);
	return 0;
}

/* Server i of st, as glibc stores it (IPv6 ones in _u._ext.nsaddrs). */
static void resolver_server(const struct __res_state *st, int i, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (st->nsaddr_list[i].sin_family == AF_INET)
		memcpy(ss, &st->nsaddr_list[i], sizeof(struct sockaddr_in));
	else if (st->_u._ext.nsaddrs[i] != NULL)
		memcpy(ss, st->_u._ext.nsaddrs[i], sizeof(struct sockaddr_in6));
}

/* Waits for the answer to q on fd: its length, 0 on timeout, -1 when the
 * server refused (ICMP port unreachable). Answers to other ids are skipped. */
static int udp_wait(int fd, const unsigned char *q, unsigned char *ans)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (poll(&p, 1, DNS_RETRANS_S * 1000) > 0) {
		n = recv(fd, ans, DNS_ANSWER_MAX, 0);
		if (n < 0 && errno == ECONNREFUSED)
			return -1; /* errno tells udp_ask */
		if (n >= NS_HFIXEDSZ && ans[0] == q[0] && ans[1] == q[1])
			return (int)n;
	}
	return 0;
}

/* One server over UDP: the query sent DNS_RETRY times, DNS_RETRANS_S
 * seconds apart. We do this ourselves rather than with res_nsend, which
 * turns SERVFAIL and REFUSED into silence, so the error says which. */
static int udp_ask(const struct sockaddr_storage *ss, const unsigned char *q, int qlen, unsigned char *ans,
		   char **why_r)
{
	socklen_t salen = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), n = 0;

	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, salen) < 0) {
		*why_r = xasprintf("cannot reach the server: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (int i = 0; i < DNS_RETRY && n == 0; i++) {
		if (send(fd, q, (size_t)qlen, 0) != qlen)
			n = -1;
		else
			n = udp_wait(fd, q, ans);
	}
	if (n == 0)
		*why_r = xstrdup("no answer in time");
	else if (n < 0 && errno == ECONNREFUSED)
		*why_r = xstrdup("connection refused (no DNS server on that port)");
	else if (n < 0)
		*why_r = xasprintf("cannot send the query: %s", strerror(errno));
	close(fd);
	return n > 0 ? n : -1;
}

/* A truncated UDP answer: ask the same server again over TCP (glibc's
 * res_nsend with RES_USEVC, which hands back every response code). */
static int tcp_ask(res_state st, const struct sockaddr_storage *ss, const unsigned char *q, int qlen,
		   unsigned char *ans, char **why_r)
{
	int n;

	resolver_use_server(st, ss);
	st->options |= RES_USEVC;
	n = res_nsend(st, q, qlen, ans, DNS_ANSWER_MAX);
	if (n < 0)
		*why_r = xstrdup("the answer was too long for UDP and TCP failed");
	return n;
}

/* Sends the query to each server in turn until one answers other than
 * SERVFAIL or REFUSED; the answer length, or -1 with *why_r. */
static int query_send(res_state st, const char *name, int type, unsigned char *ans, char **why_r)
{
	unsigned char q[NS_PACKETSZ];
	struct sockaddr_storage ss;
	int qlen, n = -1, rcode;

	qlen = res_nmkquery(st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q, sizeof(q));
	if (qlen < 0) {
		*why_r = xstrdup("not a valid DNS name");
		return -1;
	}
	for (int i = 0; i < st->nscount && i < MAXNS; i++) {
		free(*why_r);
		*why_r = NULL;
		resolver_server(st, i, &ss);
		n = udp_ask(&ss, q, qlen, ans, why_r);
		if (n > 0 && (ans[2] & 0x02) != 0) /* TC */
			return tcp_ask(st, &ss, q, qlen, ans, why_r);
		rcode = n > 0 ? (ans[3] & 0x0f) : -1;
		if (n > 0 && rcode != ns_r_servfail && rcode != ns_r_refused)
			break;
	}
	if (n < 0 && *why_r == NULL)
		*why_r = xstrdup("no DNS server configured");
	return n;
}

/* One query of type at name; the raw answer in *ans_r (malloc'd). Errors
 * name the record, the server and what went wrong. */
static int lookup_raw(const char *server, const char *name, int type, unsigned char **ans_r, size_t *len_r,
		      char **error_r)
{
	struct __res_state st;
	char *why = NULL;
	int n;

	*ans_r = NULL;
	if (resolver_open(&st, server, error_r) < 0)
		return -1;
	*ans_r = xmalloc(DNS_ANSWER_MAX);
	n = query_send(&st, name, type, *ans_r, &why);
	res_nclose(&st);
	if (n < 0) {
		*error_r = xasprintf("%s %s: %s from %s", name, type == ns_t_mx ? "MX" : "TXT", why,
				     server != NULL && server[0] != '\0' ? server : "the system's DNS resolver");
		free(why);
		free(*ans_r);
		*ans_r = NULL;
		return -1;
	}
	*len_r = (size_t)n;
	return 0;
}

/* Finishes a look-up: the answer freed, a parse error prefixed with what
 * was looked up. Returns ret. */
static int lookup_done(const char *name, const char *type, int ret, unsigned char *ans, char **error_r)
{
	if (ret < 0) {
		char *e = *error_r;

		*error_r = xasprintf("%s %s: %s", name, type, e);
		free(e);
	}
	free(ans);
	return ret;
}

int dns_txt_lookup(const char *server, const char *name, char ***values_r, size_t *n_r, char **error_r)
{
	unsigned char *ans;
	size_t len;

	*values_r = NULL;
	*n_r = 0;
	if (lookup_raw(server, name, ns_t_txt, &ans, &len, error_r) < 0)
		return -1;
	return lookup_done(name, "TXT", dns_answer_txt(ans, len, values_r, n_r, error_r), ans, error_r);
}

int dns_mx_lookup(const char *server, const char *name, struct dns_mx **mx_r, size_t *n_r, char **error_r)
{
	unsigned char *ans;
	size_t len;

	*mx_r = NULL;
	*n_r = 0;
	if (lookup_raw(server, name, ns_t_mx, &ans, &len, error_r) < 0)
		return -1;
	return lookup_done(name, "MX", dns_answer_mx(ans, len, mx_r, n_r, error_r), ans, error_r);
}
