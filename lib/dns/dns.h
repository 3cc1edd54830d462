#ifndef MD_DNS_H
#define MD_DNS_H
/* DNS look-ups for "maildeskctl domain check": TXT and MX records with
 * glibc's resolver functions on a resolver state each call owns (res_ninit,
 * res_nmkquery, ns_initparse; no global state changes, so calls are
 * thread-safe). The servers asked are the system's (/etc/resolv.conf) or one
 * given as "HOST:PORT" / "[V6]:PORT" (an IP address, not a name), over UDP
 * with a short timeout (2 s, 2 tries), and over TCP when the answer was
 * truncated. No DNSSEC validation: the answer is what the server says.
 *
 * Look-ups return 1 found, 0 the name does not exist or has no record of
 * that type (NXDOMAIN / NODATA), -1 error with *error_r a malloc'd one-line
 * message saying what went wrong (no answer in time, SERVFAIL, ...). */
#include <stddef.h>

/* The server of server_hostport ("" or NULL = the system's), as the
 * resolver needs it. Returns 0, or -1 with *error_r malloc'd. Exposed for
 * tests. */
struct sockaddr_storage;
int dns_server_parse(const char *server_hostport, struct sockaddr_storage *ss, char **error_r);

/* The TXT records of name: one string per record, its character-strings
 * concatenated (as RFC 7208 and RFC 6376 read them). On 1, *values_r is a
 * malloc'd array of *n_r malloc'd strings (free with dns_strings_free()); a
 * NUL byte inside a record is kept as it is, so the string ends there. */
int dns_txt_lookup(const char *server_hostport, const char *name, char ***values_r, size_t *n_r,
		   char **error_r);

struct dns_mx {
	unsigned preference;
	char *exchange; /* without the trailing dot, as received (not lower-cased) */
};
/* The MX records of name, in the order received. On 1, *mx_r is a
 * malloc'd array of *n_r (free with dns_mx_free()). */
int dns_mx_lookup(const char *server_hostport, const char *name, struct dns_mx **mx_r, size_t *n_r,
		  char **error_r);

/* The largest DNS message (over TCP); the answer parsers refuse more. */
#define DNS_ANSWER_MAX 65536

/* Parse an answer packet (exposed for tests): the records of type (ns_t_txt
 * or ns_t_mx) in the answer section, as dns_txt_lookup()/dns_mx_lookup()
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
