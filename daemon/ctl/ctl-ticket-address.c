/* maildeskctl ticket address: the signed reply address of a ticket. */
#include "config.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>

#include "desk/desk.h"

/* "ticket address NUMBER [--agent EMAIL]": the address that an agent
 * notification for the ticket carries, so replies thread by token. The
 * secret, the delimiter and the shared domain come from the configuration
 * file the daemon uses (without -c the default file, even when
 * MAILDESK_DATABASE is set), so the address is one the daemon accepts. */
int ctl_ticket_address(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_desk d;
	char *address = NULL, *error = NULL;
	int ret;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if ((ret = ctl_desk_load(ctl, &d)) != 0)
		return ret;
	if (desk_cli_reply_address(ctl->db, &d.s, strtoll(a->pos[0], NULL, 10), ctl_opt_get(a, "agent"), &address,
				   &error) < 0) {
		ret = ctl_fail("%s", error != NULL ? error : "failed");
	} else {
		puts(address);
	}
	free(address);
	free(error);
	ctl_desk_free(&d);
	return ret;
}
