/* Token buckets per key id and per client address (the caller gives the
 * time, so tests need no clock). */
#include "config.h"
#include "http/http.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct bucket {
	char *name;
	double tokens, at;
};

struct http_rate {
	unsigned per_minute;
	size_t max, n;
	struct bucket *v;
};

/* Contract in http.h. */
struct http_rate *http_rate_new(unsigned per_minute, size_t max_entries)
{
	struct http_rate *r = xcalloc(1, sizeof(*r));

	r->per_minute = per_minute;
	r->max = max_entries > 0 ? max_entries : 1;
	r->v = xcalloc(r->max, sizeof(*r->v));
	return r;
}

/* Contract in http.h. */
void http_rate_free(struct http_rate **rp)
{
	struct http_rate *r = *rp;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	free(r);
	*rp = NULL;
}

/* name's bucket: found, else a new full one (in place of the longest idle
 * when the table is full). A linear walk: the table is small. */
static struct bucket *bucket_get(struct http_rate *r, const char *name, double now)
{
	size_t oldest = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
		if (r->v[i].at < r->v[oldest].at)
			oldest = i;
	}
	if (r->n < r->max)
		oldest = r->n++;
	else
		free(r->v[oldest].name);
	r->v[oldest] = (struct bucket){ xstrdup(name), r->per_minute, now };
	return &r->v[oldest];
}

/* Contract in http.h. */
unsigned http_rate_take(struct http_rate *r, const char *name, double now)
{
	struct bucket *b;
	double rate;

	if (r->per_minute == 0)
		return 0;
	rate = r->per_minute / 60.0;
	b = bucket_get(r, name, now);
	if (now > b->at)
		b->tokens = fmin(r->per_minute, b->tokens + (now - b->at) * rate);
	b->at = now > b->at ? now : b->at;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	return (unsigned)ceil((1.0 - b->tokens) / rate);
}
