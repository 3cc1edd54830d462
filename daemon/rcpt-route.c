/* A recipient's route (contract in rcpt-route.h). */
#include "config.h"
#include "rcpt-route.h"

#include <stdlib.h>

#include "base/xalloc.h"

/* Contract in rcpt-route.h. */
struct rcpt_route *rcpt_route_new(const char *address, const char *extension, int64_t tenant_id, int64_t team_id)
{
	struct rcpt_route *r = xcalloc(1, sizeof(*r));

	r->address = xstrdup(address);
	r->extension = extension != NULL ? xstrdup(extension) : NULL;
	r->tenant_id = tenant_id;
	r->team_id = team_id;
	return r;
}

/* Contract in rcpt-route.h. */
void rcpt_route_free(struct rcpt_route **r)
{
	if (*r == NULL)
		return;
	free((*r)->address);
	free((*r)->extension);
	free(*r);
	*r = NULL;
}
