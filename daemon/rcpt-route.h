#ifndef MD_DAEMON_RCPT_ROUTE_H
#define MD_DAEMON_RCPT_ROUTE_H
/* Where one accepted recipient goes: the result of its RCPT lookup
 * (delivery.c), kept by the smtp core with the recipient as its context
 * (smtp_session_rcpt_accept) and handed back with the transaction at DATA,
 * so DATA never looks a recipient up again. */
#include <stdint.h>

struct rcpt_route {
	char *address;   /* as given in RCPT TO */
	char *extension; /* the part after the recipient delimiter, or NULL */
	int64_t tenant_id, team_id;
};

/* A route (strings copied; extension may be NULL). */
struct rcpt_route *rcpt_route_new(const char *address, const char *extension, int64_t tenant_id, int64_t team_id);
/* Frees a route; *r set to NULL; NULL ignored. */
void rcpt_route_free(struct rcpt_route **r);

#endif
