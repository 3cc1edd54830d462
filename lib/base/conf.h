#ifndef MD_CONF_H
#define MD_CONF_H
/* maildesk.conf: "key = value" lines, '#' comments, blank lines ignored.
 * Every key is declared once in a table (name, type, default, min, max) in
 * config.c; unknown keys, repeated keys, bad values and unreadable files are
 * errors that name the file and line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

struct md_strlist {
	char **items;
	size_t n;
};

/* A parsed listen address: "HOST:PORT", "[V6]:PORT" or "unix:/path". */
struct md_listen {
	bool is_unix;
	char *path; /* unix only */
	char *host; /* tcp only */
	unsigned port;
};

struct md_config {
	char *database;
	struct md_strlist lmtp_listen, smtp_listen;
	/* Listeners whose peers may vouch for senders (their
	 * Authentication-Results in our authserv_id count): "lmtp" (every
	 * lmtp_listen), "smtp" (every smtp_listen) or single addresses as
	 * written there. Default "lmtp": the local Postfix. */
	struct md_strlist trusted_listeners;
	char *lmtp_socket_group; /* group of the unix sockets (mode 0660); "" = ours */
	char *hostname;
	uint64_t message_size_limit;
	unsigned max_recipients;
	unsigned max_bad_commands;
	unsigned max_junk_commands;  /* NOOP/RSET/HELP/VRFY between messages */
	unsigned pipeline_depth;
	unsigned max_connections;
	unsigned smtp_max_sessions;        /* per smtp_listen listener */
	unsigned smtp_max_sessions_per_ip; /* on smtp_listen, per client address */
	unsigned idle_timeout; /* seconds */
	unsigned data_timeout; /* seconds */
	unsigned db_timeout; /* seconds */
	unsigned db_workers;
	char *secret_file;
	char *recipient_delimiter;
	char *tls_cert_file;
	char *tls_key_file;
	enum log_level log_level;
	/* The outbound queue's sender (daemon/outbound.c). */
	char *relay_host;               /* HOST:PORT; "" = sending off */
	/* relay_tls: may (STARTTLS when offered, no certificate check),
	 * require (STARTTLS must succeed), verify (and the certificate must
	 * verify for the relay's host name against relay_tls_ca_file, or the
	 * system's CA store when that is ""). */
	enum md_relay_tls { MD_RELAY_TLS_MAY, MD_RELAY_TLS_REQUIRE, MD_RELAY_TLS_VERIFY } relay_tls;
	char *relay_tls_ca_file;
	unsigned imap_poll_interval;    /* seconds between two looks at an IMAP
					 * channel whose server offers no IDLE
					 * (issue 15) */
	unsigned imap_max_attempts;     /* failed deliveries of one fetched message
					 * before it is moved to the channel's
					 * hold folder */
	unsigned imap_max_jobs;         /* IMAP channel jobs in the thread pool
					 * at once (the threads added to it;
					 * read at start) */
	/* Webhooks out (issue 13, daemon/webhook.c), all seconds: a
	 * delivery is given up this long after it was queued; each request's
	 * whole time; the first retry's wait (doubling, at most 1 hour). */
	unsigned webhook_lifetime, webhook_timeout, webhook_retry_min;
	unsigned relay_timeout;         /* seconds: connecting and each wait for a
					 * reply of the relay; also sizes each
					 * claim's stale window (db-outbound.h) */
	/* see lib/desk/desk.h; when the file does not set it, yes exactly when
	 * authserv_id is set (config_load decides after reading the file) */
	bool agent_reply_require_dkim;
	char *authserv_id;
	unsigned agent_token_lifetime;  /* seconds an agent's reply address works */
	unsigned auto_mail_per_ticket_hour;  /* caps on automatic mail */
	unsigned auto_mail_per_address_hour;
	unsigned auto_mail_per_team_hour;    /* automatic mail to customers, per team */
	unsigned autoack_window;        /* seconds: one acknowledgement per sender and team */
	unsigned outbound_max_lifetime; /* seconds */
	unsigned outbound_concurrency;
	unsigned outbound_claim_timeout; /* seconds until a "sending" claim is stale */
	/* Seconds a sent or failed row keeps its message bytes (then
	 * db_outbound_purge empties them; the row stays). */
	unsigned outbound_retention;
	/* Sending domains (issue 5): where the DKIM private keys live (0700,
	 * files 0600), the provider's shared domain for teams without a
	 * verified domain of their own ("" = none), and the DNS server that
	 * "maildeskctl domain check" asks (HOST:PORT, "" = the system's). */
	char *dkim_key_dir;
	char *shared_domain;
	char *dns_resolver;
	/* DNSSEC trust anchor file for "domain check" ("" or absent: no
	 * validation). */
	char *dns_trust_anchor;
	/* The rule engine: PCRE2 match limit for one regular expression
	 * against one value (a match that hits it counts as no match). */
	unsigned rule_match_limit;
	/* Prometheus endpoint (issue 16): "IP:PORT", "" = off. */
	char *metrics_listen;
	/* The HTTP API (issue 13): "IP:PORT", "" = off; TLS with
	 * tls_cert_file/tls_key_file; proxies whose X-Forwarded-For counts
	 * (CIDR list); the body limit; connections; requests a minute per
	 * API key and per client address (0 = no limit). */
	char *http_listen;
	bool http_tls;
	char *http_trusted_proxies;
	uint64_t http_max_body;
	unsigned http_max_connections;
	unsigned http_rate_per_key;
	unsigned http_rate_per_address;
	unsigned http_idempotency_ttl; /* seconds an Idempotency-Key's record is kept */
};

/* Fills c with every default (strings are allocated; free with config_free). */
void config_defaults(struct md_config *c);
/* Loads path over the defaults. Returns 0, or -1 with *error_r set to a
 * malloc'd "FILE:LINE: what is wrong" (or "FILE: ..." when it can't be
 * read); c is then left with defaults and whatever parsed before the error,
 * and must still be freed. */
int config_load(const char *path, struct md_config *c, char **error_r);
/* Frees everything c owns; safe to call twice. */
void config_free(struct md_config *c);

/* Prints the effective configuration of the file at path, as `postconf
 * -n`/`doveconf -n` do: every key in table order as "key = value", the
 * value as the file gives it or the default followed by "  # default"; a
 * password= in a conninfo value is shown as ********. The file must load
 * (config_load()); returns 0, or -1 with *error_r malloc'd as there. */
int config_print(const char *path, FILE *out, char **error_r);

/* Parses one listen address. Returns 0, or -1 with *error_r a static text. */
int config_listen_parse(const char *s, struct md_listen *l, const char **error_r);
void config_listen_free(struct md_listen *l);
/* Whether the listener spec (as written in lmtp_listen when is_lmtp, else
 * in smtp_listen) is in trusted_listeners. */
bool config_listener_trusted(const struct md_config *c, const char *spec, bool is_lmtp);

/* Parses relay_host: "HOST:PORT" or "[V6]:PORT", HOST a name or an
 * address. Returns 0 with *host_r malloc'd (without brackets), or -1 with
 * *error_r a static text. */
int config_relay_parse(const char *s, char **host_r, unsigned *port_r, const char **error_r);

/* Parses a duration as configuration values are written ("90", "30s",
 * "15m", "2h", "30d"). Returns 0 with *seconds_r, or -1 when it is not one
 * or exceeds UINT_MAX seconds. */
int config_duration_parse(const char *s, unsigned *seconds_r);
/* Parses a size as configuration values are written ("0", "512k", "10M",
 * "1G"; k and K are 1024). Returns 0 with *bytes_r, or -1. */
int config_size_parse(const char *s, uint64_t *bytes_r);

/* Reads the first line of a file into a malloc'd string (used for
 * secret_file). Refuses a file readable by group or others and a secret
 * shorter than 32 characters. Returns 0, or -1 with *error_r malloc'd
 * naming the file and the fix. */
int config_read_secret(const char *path, char **secret_r, char **error_r);

#endif
