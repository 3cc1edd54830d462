#include "config.h"
#include "conf.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

enum cfg_type { CFG_STRING, CFG_UINT, CFG_SIZE, CFG_DURATION, CFG_LISTEN_LIST, CFG_LOG_LEVEL, CFG_RELAY, CFG_BOOL,
	       CFG_DOMAIN, CFG_TRUST_LIST, CFG_RELAY_TLS };

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t offset;
	const char *def;
	uint64_t min, max;
};

#define OFF(f) offsetof(struct md_config, f)
/* The whole configuration surface; keep man/maildesk.conf.5 and
 * conf/maildesk.conf in step with it. */
static const struct cfg_key cfg_keys[] = {
	{ "database", CFG_STRING, OFF(database), "dbname=maildesk", 0, 0 },
	{ "lmtp_listen", CFG_LISTEN_LIST, OFF(lmtp_listen), "127.0.0.1:2424", 0, 0 },
	{ "smtp_listen", CFG_LISTEN_LIST, OFF(smtp_listen), "", 0, 0 },
	{ "trusted_listeners", CFG_TRUST_LIST, OFF(trusted_listeners), "lmtp", 0, 0 },
	{ "lmtp_socket_group", CFG_STRING, OFF(lmtp_socket_group), "", 0, 0 },
	{ "hostname", CFG_STRING, OFF(hostname), "", 0, 0 },
	{ "message_size_limit", CFG_SIZE, OFF(message_size_limit), "25M", 1024, UINT64_C(1) << 32 },
	{ "max_recipients", CFG_UINT, OFF(max_recipients), "100", 1, 100000 },
	{ "max_bad_commands", CFG_UINT, OFF(max_bad_commands), "20", 1, 1000 },
	{ "max_junk_commands", CFG_UINT, OFF(max_junk_commands), "100", 1, 1000000 },
	{ "pipeline_depth", CFG_UINT, OFF(pipeline_depth), "500", 1, 100000 },
	{ "max_connections", CFG_UINT, OFF(max_connections), "1000", 1, 1000000 },
	{ "smtp_max_sessions", CFG_UINT, OFF(smtp_max_sessions), "100", 1, 1000000 },
	{ "smtp_max_sessions_per_ip", CFG_UINT, OFF(smtp_max_sessions_per_ip), "10", 1, 1000000 },
	{ "idle_timeout", CFG_DURATION, OFF(idle_timeout), "5m", 1, 86400 },
	{ "data_timeout", CFG_DURATION, OFF(data_timeout), "10m", 1, 86400 },
	{ "db_timeout", CFG_DURATION, OFF(db_timeout), "30s", 1, 3600 },
	{ "db_workers", CFG_UINT, OFF(db_workers), "4", 1, 128 },
	{ "secret_file", CFG_STRING, OFF(secret_file), "/etc/maildesk/secret", 0, 0 },
	{ "recipient_delimiter", CFG_STRING, OFF(recipient_delimiter), "+", 0, 0 },
	{ "tls_cert_file", CFG_STRING, OFF(tls_cert_file), "", 0, 0 },
	{ "tls_key_file", CFG_STRING, OFF(tls_key_file), "", 0, 0 },
	{ "log_level", CFG_LOG_LEVEL, OFF(log_level), "info", 0, 0 },
	{ "relay_host", CFG_RELAY, OFF(relay_host), "127.0.0.1:25", 0, 0 },
	{ "relay_tls", CFG_RELAY_TLS, OFF(relay_tls), "may", 0, 0 },
	{ "relay_tls_ca_file", CFG_STRING, OFF(relay_tls_ca_file), "", 0, 0 },
	{ "relay_timeout", CFG_DURATION, OFF(relay_timeout), "5m", 1, 3600 },
	{ "agent_reply_require_dkim", CFG_BOOL, OFF(agent_reply_require_dkim), "no", 0, 0 },
	{ "authserv_id", CFG_STRING, OFF(authserv_id), "", 0, 0 },
	{ "agent_token_lifetime", CFG_DURATION, OFF(agent_token_lifetime), "30d", 1, 3650 * 86400 },
	{ "auto_mail_per_ticket_hour", CFG_UINT, OFF(auto_mail_per_ticket_hour), "20", 1, 100000 },
	{ "auto_mail_per_address_hour", CFG_UINT, OFF(auto_mail_per_address_hour), "10", 1, 100000 },
	{ "auto_mail_per_team_hour", CFG_UINT, OFF(auto_mail_per_team_hour), "200", 1, 1000000 },
	{ "autoack_window", CFG_DURATION, OFF(autoack_window), "1h", 60, 30 * 86400 },
	{ "outbound_max_lifetime", CFG_DURATION, OFF(outbound_max_lifetime), "5d", 60, 365 * 86400 },
	{ "outbound_concurrency", CFG_UINT, OFF(outbound_concurrency), "4", 1, 64 },
	{ "outbound_claim_timeout", CFG_DURATION, OFF(outbound_claim_timeout), "1m", 10, 86400 },
	{ "outbound_retention", CFG_DURATION, OFF(outbound_retention), "30d", 3600, 3650 * 86400 },
	{ "dkim_key_dir", CFG_STRING, OFF(dkim_key_dir), "/var/lib/maildesk/dkim", 0, 0 },
	{ "shared_domain", CFG_DOMAIN, OFF(shared_domain), "", 0, 0 },
	{ "dns_resolver", CFG_STRING, OFF(dns_resolver), "", 0, 0 },
	{ "dns_trust_anchor", CFG_STRING, OFF(dns_trust_anchor), "/usr/share/dns/root.key", 0, 0 },
	{ "rule_match_limit", CFG_UINT, OFF(rule_match_limit), "100000", 1000, 100000000 },
	{ "metrics_listen", CFG_STRING, OFF(metrics_listen), "", 0, 0 },
	{ "imap_poll_interval", CFG_DURATION, OFF(imap_poll_interval), "1m", 1, 86400 },
	{ "imap_max_attempts", CFG_UINT, OFF(imap_max_attempts), "5", 1, 1000 },
	{ "imap_max_jobs", CFG_UINT, OFF(imap_max_jobs), "2", 1, 64 },
	/* The HTTP API (issue 13, maildesk-http(7)). */
	{ "http_listen", CFG_STRING, OFF(http_listen), "", 0, 0 },
	{ "http_tls", CFG_BOOL, OFF(http_tls), "no", 0, 0 },
	{ "http_trusted_proxies", CFG_STRING, OFF(http_trusted_proxies), "", 0, 0 },
	{ "http_max_body", CFG_SIZE, OFF(http_max_body), "10M", 1024, UINT64_C(1) << 30 },
	{ "http_max_connections", CFG_UINT, OFF(http_max_connections), "256", 1, 100000 },
	{ "http_rate_per_key", CFG_UINT, OFF(http_rate_per_key), "600", 0, 1000000 },
	{ "http_rate_per_address", CFG_UINT, OFF(http_rate_per_address), "120", 0, 1000000 },
	{ "webhook_lifetime", CFG_DURATION, OFF(webhook_lifetime), "3d", 60, 30 * 86400 },
	{ "webhook_timeout", CFG_DURATION, OFF(webhook_timeout), "10s", 1, 300 },
	{ "webhook_retry_min", CFG_DURATION, OFF(webhook_retry_min), "10s", 1, 3600 },
	{ "http_idempotency_ttl", CFG_DURATION, OFF(http_idempotency_ttl), "24h", 60, 30 * 86400 },
};
#define N_KEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

/* Splits "a, b c" into items; commas and blanks both separate. */
static void strlist_parse(struct md_strlist *l, const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		size_t n;
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
		l->items[l->n++] = xstrndup(p, n);
		p += n;
	}
}

static void strlist_free(struct md_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Parses a number with an optional unit; mult gives each suffix's factor. */
static int parse_scaled(const char *s, const char *suffixes, const uint64_t *mult, uint64_t *r)
{
	char *end;
	unsigned long long v;
	const char *sfx;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == '\0') {
		*r = v;
		return 0;
	}
	if (end[1] != '\0' || (sfx = strchr(suffixes, *end)) == NULL)
		return -1;
	if (v > UINT64_MAX / mult[sfx - suffixes])
		return -1;
	*r = v * mult[sfx - suffixes];
	return 0;
}

/* Listeners bind before any resolver is trusted, so only literals. */
static bool is_ip_literal(const char *host)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

int config_listen_parse(const char *s, struct md_listen *l, const char **error_r)
{
	const char *colon;
	char *end;
	unsigned long port;

	memset(l, 0, sizeof(*l));
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			*error_r = "unix socket path must be absolute (unix:/path)";
			return -1;
		}
		if (strlen(s + 5) >= 108) {
			*error_r = "unix socket path is longer than 107 bytes";
			return -1;
		}
		l->is_unix = true;
		l->path = xstrdup(s + 5);
		return 0;
	}
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0') {
		*error_r = "expected HOST:PORT or unix:/path";
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535) {
		*error_r = "port must be a number from 1 to 65535";
		return -1;
	}
	if (s[0] == '[') {
		if (colon[-1] != ']') {
			*error_r = "IPv6 address must be written [ADDR]:PORT";
			return -1;
		}
		l->host = xstrndup(s + 1, (size_t)(colon - s - 2));
	} else {
		l->host = xstrndup(s, (size_t)(colon - s));
	}
	if (!is_ip_literal(l->host)) {
		*error_r = "HOST must be an IPv4 or IPv6 address, not a name";
		config_listen_free(l);
		return -1;
	}
	l->port = (unsigned)port;
	return 0;
}

/* Contract in conf.h; unlike listeners, the relay may be a host name. */
int config_relay_parse(const char *s, char **host_r, unsigned *port_r, const char **error_r)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;
	size_t n;

	*host_r = NULL;
	if (colon == NULL || colon == s || colon[1] == '\0') {
		*error_r = "expected HOST:PORT";
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535) {
		*error_r = "port must be a number from 1 to 65535";
		return -1;
	}
	n = (size_t)(colon - s);
	if (s[0] == '[' && (n < 3 || colon[-1] != ']')) {
		*error_r = "an IPv6 address must be written [ADDR]:PORT";
		return -1;
	}
	*host_r = s[0] == '[' ? xstrndup(s + 1, n - 2) : xstrndup(s, n);
	if (strcspn(*host_r, " \t[]/") != strlen(*host_r) || (s[0] != '[' && strchr(*host_r, ':') != NULL)) {
		free(*host_r);
		*host_r = NULL;
		*error_r = "expected HOST:PORT (an IPv6 address as [ADDR]:PORT)";
		return -1;
	}
	*port_r = (unsigned)port;
	return 0;
}

void config_listen_free(struct md_listen *l)
{
	free(l->path);
	free(l->host);
	l->path = l->host = NULL;
}

/* A domain name as the signer and the lookups compare it: lower case,
 * one trailing dot dropped; "" (none) stays "". Returns the malloc'd name,
 * or NULL when v is no domain name (LDH labels of 1-63, at least two). */
static char *cfg_domain_parse(const char *v)
{
	char *d = xstrdup(v);
	size_t len = strlen(d), label = 0, dots = 0;
	bool ok;

	if (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	ok = len <= 253;
	for (size_t i = 0; ok && i <= len && len > 0; i++) {
		char ch = (char)tolower((unsigned char)d[i]);

		if (ch == '.' || ch == '\0') {
			ok = label > 0 && label <= 63 && d[i - 1] != '-' && d[i - label] != '-';
			dots += ch == '.';
			label = 0;
		} else {
			ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
			d[i] = ch;
			label++;
		}
	}
	if (ok && (len == 0 || dots > 0) && (len > 0 || v[0] == '\0'))
		return d;
	free(d);
	return NULL;
}

/* The factors of a duration's units s, m, h and d. */
static const uint64_t dur_mult[] = { 1, 60, 3600, 86400 };

/* Contract in conf.h: the syntax of CFG_DURATION, for command lines. */
int config_duration_parse(const char *s, unsigned *seconds_r)
{
	uint64_t n;

	if (parse_scaled(s, "smhd", dur_mult, &n) < 0 || n > UINT_MAX)
		return -1;
	*seconds_r = (unsigned)n;
	return 0;
}

static const uint64_t size_mult[] = { 1024, 1024, UINT64_C(1) << 20, UINT64_C(1) << 30 };

/* Contract in conf.h: the syntax of CFG_SIZE, for command lines. */
int config_size_parse(const char *s, uint64_t *bytes_r)
{
	return parse_scaled(s, "kKMG", size_mult, bytes_r);
}

/* Checks and stores one value; returns NULL or a static description of the problem. */
static const char *cfg_set(struct md_config *c, const struct cfg_key *k, const char *v)
{
	void *field = (char *)c + k->offset;
	uint64_t n;

	switch (k->type) {
	case CFG_RELAY:
		if (v[0] != '\0') {
			char *host;
			unsigned port;
			const char *err;

			if (config_relay_parse(v, &host, &port, &err) < 0)
				return err;
			free(host);
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v); /* as given; "" turns sending off */
		return NULL;
	case CFG_STRING:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case CFG_DOMAIN: {
		char *d = cfg_domain_parse(v);

		if (d == NULL)
			return "must be a domain name (letters, digits, hyphens and dots, with at least one dot)";
		free(*(char **)field);
		*(char **)field = d;
		return NULL;
	}
	case CFG_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0)
			*(bool *)field = true;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0)
			*(bool *)field = false;
		else
			return "must be yes or no";
		return NULL;
	case CFG_LOG_LEVEL:
		return log_level_parse(v, field) < 0 ? "must be one of debug, info, warn, error" : NULL;
	case CFG_RELAY_TLS:
		if (strcmp(v, "may") == 0)
			*(enum md_relay_tls *)field = MD_RELAY_TLS_MAY;
		else if (strcmp(v, "require") == 0)
			*(enum md_relay_tls *)field = MD_RELAY_TLS_REQUIRE;
		else if (strcmp(v, "verify") == 0)
			*(enum md_relay_tls *)field = MD_RELAY_TLS_VERIFY;
		else
			return "must be one of may, require, verify";
		return NULL;
	case CFG_LISTEN_LIST:
	case CFG_TRUST_LIST: {
		struct md_strlist l = { NULL, 0 };
		strlist_parse(&l, v);
		for (size_t i = 0; i < l.n; i++) {
			struct md_listen la;
			const char *err;
			if (k->type == CFG_TRUST_LIST && (strcmp(l.items[i], "lmtp") == 0 || strcmp(l.items[i], "smtp") == 0))
				continue;
			if (config_listen_parse(l.items[i], &la, &err) < 0) {
				strlist_free(&l);
				return err;
			}
			config_listen_free(&la);
		}
		strlist_free(field);
		*(struct md_strlist *)field = l;
		return NULL;
	}
	case CFG_UINT:
		if (parse_scaled(v, "", NULL, &n) < 0)
			return "must be a whole number";
		break;
	case CFG_SIZE:
		if (parse_scaled(v, "kKMG", size_mult, &n) < 0)
			return "must be a size in bytes, optionally with k, M or G";
		break;
	case CFG_DURATION:
		if (parse_scaled(v, "smhd", dur_mult, &n) < 0)
			return "must be a duration in seconds, optionally with s, m, h or d";
		break;
	}
	if ((k->min && n < k->min) || (k->max && n > k->max))
		return "is out of range";
	if (k->type == CFG_SIZE)
		*(uint64_t *)field = n;
	else
		*(unsigned *)field = (unsigned)n;
	return NULL;
}

/* An empty hostname means the machine's own name, as in Postfix. */
static void config_default_hostname(struct md_config *c)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		free(c->hostname);
		c->hostname = xstrdup(host);
	}
}

/* Once our mail server's authserv_id is known, an agent's mail counts only
 * with its word: agent_reply_require_dkim defaults to yes then, unless
 * the file sets it (an explicit "no" wins). */
static void config_default_require_dkim(struct md_config *c, bool set_explicitly)
{
	if (!set_explicitly && c->authserv_id[0] != '\0')
		c->agent_reply_require_dkim = true;
}

void config_defaults(struct md_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *err = cfg_set(c, &cfg_keys[i], cfg_keys[i].def);
		if (err != NULL) {
			fprintf(stderr, "maildesk: built-in default of %s %s\n", cfg_keys[i].name, err);
			abort();
		}
	}
	config_default_hostname(c);
}

static const struct cfg_key *cfg_find(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

/* Splits one line into key and value in place; returns 0 (blank/comment: *key_r NULL), -1 on syntax error. */
static int cfg_split_line(char *line, char **key_r, char **value_r)
{
	char *p = line, *eq, *e;

	*key_r = NULL;
	line[strcspn(line, "\r\n")] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	eq = strchr(p, '=');
	if (eq == NULL)
		return -1;
	for (e = eq; e > p && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	for (p = eq + 1; isspace((unsigned char)*p); p++)
		;
	for (e = p + strlen(p); e > p && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	*key_r = line + strspn(line, " \t");
	*value_r = p;
	return **key_r == '\0' ? -1 : 0;
}

/* Is spec one of list's items, as written? */
static bool strlist_has(const struct md_strlist *l, const char *spec)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], spec) == 0)
			return true;
	return false;
}

/* Contract in conf.h. */
bool config_listener_trusted(const struct md_config *c, const char *spec, bool is_lmtp)
{
	return strlist_has(&c->trusted_listeners, is_lmtp ? "lmtp" : "smtp") || strlist_has(&c->trusted_listeners, spec);
}

/* An address in trusted_listeners that no listener has is a typo that
 * would silently trust nothing (or, worse, the wrong socket later). */
static int config_check_trust(const struct md_config *c, const char *path, unsigned line, char **error_r)
{
	const struct md_strlist *t = &c->trusted_listeners;

	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->items[i], "lmtp") == 0 || strcmp(t->items[i], "smtp") == 0 ||
		    strlist_has(&c->lmtp_listen, t->items[i]) || strlist_has(&c->smtp_listen, t->items[i]))
			continue;
		*error_r = xasprintf("%s:%u: trusted_listeners: \"%s\" is neither lmtp, smtp nor an address of "
				     "lmtp_listen or smtp_listen (written the same way)",
				     path, line, t->items[i]);
		return -1;
	}
	return 0;
}

int config_load(const char *path, struct md_config *c, char **error_r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, seen[N_KEYS] = { 0 };
	int ret = 0;

	if (f == NULL) {
		*error_r = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	while (ret == 0 && getline(&line, &cap, f) >= 0) {
		char *key, *value;
		const struct cfg_key *k;
		const char *err;

		lineno++;
		if (cfg_split_line(line, &key, &value) < 0) {
			*error_r = xasprintf("%s:%u: expected \"key = value\"", path, lineno);
			ret = -1;
		} else if (key == NULL) {
			continue;
		} else if ((k = cfg_find(key)) == NULL) {
			*error_r = xasprintf("%s:%u: unknown key \"%s\"", path, lineno, key);
			ret = -1;
		} else if (seen[k - cfg_keys] != 0) {
			*error_r = xasprintf("%s:%u: %s is already set on line %u", path, lineno, key,
					     seen[k - cfg_keys]);
			ret = -1;
		} else if ((err = cfg_set(c, k, value)) != NULL) {
			*error_r = xasprintf("%s:%u: %s: \"%s\" %s", path, lineno, key, value, err);
			ret = -1;
		} else {
			seen[k - cfg_keys] = lineno;
		}
	}
	if (ret == 0 && c->hostname[0] == '\0')
		config_default_hostname(c);
	if (ret == 0)
		ret = config_check_trust(c, path, seen[cfg_find("trusted_listeners") - cfg_keys], error_r);
	if (ret == 0)
		config_default_require_dkim(c, seen[cfg_find("agent_reply_require_dkim") - cfg_keys] != 0);
	if (ret == 0 && c->relay_tls_ca_file[0] != '\0' && access(c->relay_tls_ca_file, R_OK) != 0) {
		*error_r = xasprintf("%s:%u: relay_tls_ca_file: cannot read %s: %s", path,
				     seen[cfg_find("relay_tls_ca_file") - cfg_keys], c->relay_tls_ca_file, strerror(errno));
		ret = -1;
	}
	if (ret == 0 && ferror(f)) {
		*error_r = xasprintf("%s: read error: %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(f);
	return ret;
}

void config_free(struct md_config *c)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		void *field = (char *)c + cfg_keys[i].offset;
		if (cfg_keys[i].type == CFG_STRING || cfg_keys[i].type == CFG_RELAY || cfg_keys[i].type == CFG_DOMAIN) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (cfg_keys[i].type == CFG_LISTEN_LIST || cfg_keys[i].type == CFG_TRUST_LIST) {
			strlist_free(field);
		}
	}
}

int config_read_secret(const char *path, char **secret_r, char **error_r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct stat st;

	if (f == NULL) {
		*error_r = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	/* Whoever reads the secret can forge reply tokens and control mail. */
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(f);
		*error_r = xasprintf("%s: readable by group or others (mode %03o); run chmod 600 %s", path,
				     (unsigned)(st.st_mode & 0777), path);
		return -1;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		*error_r = xasprintf("%s: is empty", path);
		return -1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) < 32) {
		free(line);
		*error_r = xasprintf("%s: secret is shorter than 32 characters; write a new one with "
				     "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > %s", path, path);
		return -1;
	}
	*secret_r = line;
	return 0;
}

/* A conninfo string with the value of password= replaced by asterisks, so
 * a printed configuration never shows it (malloc'd). */
static char *mask_password(const char *v)
{
	char *out = xstrdup(v);
	char *p = out;

	while ((p = strstr(p, "password")) != NULL) {
		char *q = p + 8;
		if ((p == out || isspace((unsigned char)p[-1])) && (q = q + strspn(q, " \t"), *q == '=')) {
			q++;
			q += strspn(q, " \t");
			char *end = q;
			if (*end == '\'') {
				for (end++; *end != '\0' && *end != '\''; end++)
					if (*end == '\\' && end[1] != '\0')
						end++;
				if (*end == '\'')
					end++;
			} else {
				end += strcspn(end, " \t");
			}
			char *masked = xasprintf("%.*s********%s", (int)(q - out), out, end);
			p = masked + (q - out) + 8;
			free(out);
			out = masked;
			continue;
		}
		p += 8;
	}
	return out;
}

/* Contract in conf.h. */
int config_print(const char *path, FILE *out, char **error_r)
{
	struct md_config c;
	char *given[N_KEYS] = { NULL }, *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret;

	/* The file must load as the daemon would load it. */
	config_defaults(&c);
	ret = config_load(path, &c, error_r);
	config_free(&c);
	if (ret < 0)
		return -1;
	if ((f = fopen(path, "r")) == NULL) {
		*error_r = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *key, *value;
		const struct cfg_key *k;
		if (cfg_split_line(line, &key, &value) == 0 && key != NULL && (k = cfg_find(key)) != NULL)
			given[k - cfg_keys] = xstrdup(value);
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *v = given[i] != NULL ? given[i] : cfg_keys[i].def;
		char *shown = mask_password(v);
		fprintf(out, "%s = %s%s\n", cfg_keys[i].name, shown, given[i] != NULL ? "" : "  # default");
		free(shown);
		free(given[i]);
	}
	return 0;
}
