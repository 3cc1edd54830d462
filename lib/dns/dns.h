#ifndef MD_DNS_H
#define MD_DNS_H
/* DNS look-ups for "maildeskctl domain check": TXT and MX records through
 * libunbound (only this module includes unbound.h), which asks either the
 * system's resolvers (/etc/resolv.conf) or one forwarder given as
 * "HOST:PORT" / "[V6]:PORT" (an IP address, not a name), and validates the
 * answers with DNSSEC from a trust anchor file (Debian's dns-root-data:
 * /usr/share/dns/root.key). Each answer says whether it was validated
 * (secure), could not be (insecure: unsigned zone, or no trust anchor), or
 * failed validation (bogus: then no records are handed out).
 *
 * Look-ups return 1 found, 0 the name does not exist or has no record of
 * that type (NXDOMAIN / NODATA), -1 error with *error_r a malloc'd one-line
 * message saying what went wrong (no answer, SERVFAIL, DNSSEC bogus ...). */
#include <stdbool.h>
#include <stddef.h>

/* The server of server_hostport, checked (exposed for tests). Returns 0, or
 * -1 with *error_r malloc'd. */
struct sockaddr_storage;
int dns_server_parse(const char *server_hostport, struct sockaddr_storage *ss, char **error_r);
/* The same server as libunbound's forwarder wants it, "ADDR@PORT"
 * ("[::1]:53" -> "::1@53"). Returns 0 with *fwd_r malloc'd, or -1 with
 * *error_r malloc'd. */
int dns_server_forwarder(const char *server_hostport, char **fwd_r, char **error_r);

/* What DNSSEC said about one answer. */
enum dns_sec { DNS_SEC_INSECURE, DNS_SEC_SECURE, DNS_SEC_BOGUS };
/* "insecure", "secure", "bogus". */
const char *dns_sec_name(enum dns_sec sec);

/* A resolver for a series of look-ups (one libunbound context, so answers
 * are cached between them). */
struct dns_resolver;
/* server: "" or NULL = the system's resolvers, else HOST:PORT to forward
 * to. trust_anchor: a file of DS/DNSKEY records (zone-file format); "" or
 * NULL, or a file that does not exist, means no validation (every answer is
 * insecure). Returns 0 with *r_r (free with dns_resolver_free()), or -1
 * with *error_r malloc'd (bad server, unreadable anchor file ...). An anchor
 * file that does not parse fails every look-up, with an error naming it. */
int dns_resolver_new(const char *server, const char *trust_anchor, struct dns_resolver **r_r, char **error_r);
/* Whether a trust anchor was loaded (answers can be secure or bogus). */
bool dns_resolver_validates(const struct dns_resolver *r);
/* Frees *r and sets it to NULL; NULL ignored. */
void dns_resolver_free(struct dns_resolver **r);

/* The TXT records of name: one string per record, its character-strings
 * concatenated (as RFC 7208 and RFC 6376 read them). On 1, *values_r is a
 * malloc'd array of *n_r malloc'd strings (free with dns_strings_free()); a
 * NUL byte inside a record is kept as it is, so the string ends there.
 * *sec_r is set whatever the return; a bogus answer returns -1 with
 * *sec_r DNS_SEC_BOGUS and *error_r naming why validation failed. */
int dns_txt_lookup(struct dns_resolver *r, const char *name, char ***values_r, size_t *n_r, enum dns_sec *sec_r,
		   char **error_r);

struct dns_mx {
	unsigned preference;
	char *exchange; /* without the trailing dot, as received (not lower-cased) */
};
/* The MX records of name, in the order received. On 1, *mx_r is a
 * malloc'd array of *n_r (free with dns_mx_free()); *sec_r as above. */
int dns_mx_lookup(struct dns_resolver *r, const char *name, struct dns_mx **mx_r, size_t *n_r, enum dns_sec *sec_r,
		  char **error_r);

/* The largest DNS message (over TCP); the answer parsers refuse more. */
#define DNS_ANSWER_MAX 65536

/* Parse an answer packet (libunbound's answer_packet; exposed for tests
 * and the fuzzer): the records of type (ns_t_txt or ns_t_mx) in the answer
 * section, as dns_txt_lookup()/dns_mx_lookup()
 * return them. Returns 1, 0 (none) or -1 (a malformed packet). */
int dns_answer_txt(const unsigned char *answer, size_t len, char ***values_r, size_t *n_r, char **error_r);
int dns_answer_mx(const unsigned char *answer, size_t len, struct dns_mx **mx_r, size_t *n_r, char **error_r);

/* Free the results; NULL ignored. */
void dns_strings_free(char **values, size_t n);
void dns_mx_free(struct dns_mx *mx, size_t n);

/* ---- Internationalised names (dns-idn.c, libidn2) ---- */

/* A domain name as typed (UTF-8, any case; ASCII passes unchanged) in the
 * A-label form ("bücher.example" -> "xn--bcher-kva.example"), IDNA2008
 * with UTS #46 non-transitional mapping. Returns 0 with *ascii_r malloc'd,
 * or -1 with *error_r malloc'd naming what libidn2 refused. Does not check
 * the ASCII form further (label lengths, characters: the caller's rules). */
int dns_name_to_ascii(const char *name, char **ascii_r, char **error_r);

/* The Unicode form of a name with A-labels, for people to read (malloc'd),
 * or NULL when it has none or libidn2 cannot convert it. */
char *dns_name_to_unicode(const char *name);

#endif
