#ifndef MD_DAEMON_ROUTE_CACHE_H
#define MD_DAEMON_ROUTE_CACHE_H
/* Where each accepted recipient of the current transaction goes (tenant,
 * team, extension), remembered from its RCPT lookup for the DATA that
 * follows. Bounded: at most max entries (the session's max_recipients, so
 * a transaction never needs more), found by hash, not by a walk; cleared
 * when a new transaction starts. Not thread-safe: the loop thread only. */
#include <stddef.h>
#include <stdint.h>

struct rcpt_route {
	char *address;   /* as given in RCPT TO */
	char *extension; /* the part after the recipient delimiter, or NULL */
	int64_t tenant_id, team_id;
};

struct route_cache {
	struct rcpt_route *slots; /* cap slots, address NULL when free; NULL until the first put */
	size_t cap, n, max;
};

/* An empty cache that holds at most max (>= 1) routes. Allocates nothing. */
void route_cache_init(struct route_cache *rc, size_t max);
/* Remembers address -> route (copies the strings; extension may be NULL).
 * A route for the same address is replaced: the newest lookup wins.
 * Returns 0, or -1 when max different addresses are already held. */
int route_cache_put(struct route_cache *rc, const char *address, const char *extension, int64_t tenant_id,
		    int64_t team_id);
/* The route of address, or NULL. Valid until the next put, clear or free. */
const struct rcpt_route *route_cache_find(const struct route_cache *rc, const char *address);
/* Forgets every route (a new transaction); keeps the slots. */
void route_cache_clear(struct route_cache *rc);
/* Frees everything; the cache may be initialised again. */
void route_cache_free(struct route_cache *rc);

#endif
