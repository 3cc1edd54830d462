/* The per-transaction recipient routes (contract in route-cache.h): open
 * addressing with linear probing, at most half full, so a session with
 * thousands of recipients costs a hash per RCPT, never a list walk. */
#include "config.h"
#include "route-cache.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* FNV-1a: the addresses come from the client, but the table is small and
 * never more than half full, so a collision costs a short probe only. */
static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void route_cache_init(struct route_cache *rc, size_t max)
{
	memset(rc, 0, sizeof(*rc));
	rc->max = max > 0 ? max : 1;
}

/* The slot of address, or the free slot where it would go. */
static struct rcpt_route *slot_of(const struct route_cache *rc, const char *address)
{
	size_t i = (size_t)hash(address) & (rc->cap - 1);

	while (rc->slots[i].address != NULL && strcmp(rc->slots[i].address, address) != 0)
		i = (i + 1) & (rc->cap - 1);
	return &rc->slots[i];
}

/* The first put sizes the table: a power of two at least twice max. */
static void table_alloc(struct route_cache *rc)
{
	rc->cap = 4;
	while (rc->cap < 2 * rc->max)
		rc->cap *= 2;
	rc->slots = xcalloc(rc->cap, sizeof(*rc->slots));
}

int route_cache_put(struct route_cache *rc, const char *address, const char *extension, int64_t tenant_id,
		    int64_t team_id)
{
	struct rcpt_route *r;

	if (rc->slots == NULL)
		table_alloc(rc);
	r = slot_of(rc, address);
	if (r->address == NULL) {
		if (rc->n >= rc->max)
			return -1;
		r->address = xstrdup(address);
		rc->n++;
	}
	free(r->extension);
	r->extension = extension != NULL ? xstrdup(extension) : NULL;
	r->tenant_id = tenant_id;
	r->team_id = team_id;
	return 0;
}

const struct rcpt_route *route_cache_find(const struct route_cache *rc, const char *address)
{
	const struct rcpt_route *r;

	if (rc->slots == NULL || rc->n == 0)
		return NULL;
	r = slot_of(rc, address);
	return r->address != NULL ? r : NULL;
}

void route_cache_clear(struct route_cache *rc)
{
	for (size_t i = 0; rc->n > 0 && i < rc->cap; i++) {
		if (rc->slots[i].address == NULL)
			continue;
		free(rc->slots[i].address);
		free(rc->slots[i].extension);
		memset(&rc->slots[i], 0, sizeof(rc->slots[i]));
		rc->n--;
	}
}

void route_cache_free(struct route_cache *rc)
{
	route_cache_clear(rc);
	free(rc->slots);
	route_cache_init(rc, rc->max);
}
