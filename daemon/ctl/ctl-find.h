#ifndef MD_CTL_FIND_H
#define MD_CTL_FIND_H
/* The lifecycle's and search's settings and the requester's view, as the
 * core commands ("tenant set", "team set", "ticket list") hand them over
 * (ctl-find.c; the commands of its own are ctl_find_commands, ctl.h).
 * Internal to maildeskctl. Each returns 0, or prints why and returns
 * CTL_EXIT_FAIL / CTL_EXIT_USAGE. */
#include "ctl.h"

/* "ticket list --requester ADDR [--tenant T] [--status open|awaiting|solved]
 * [--json]": one customer's tickets as the customer reads them. */
int ctl_ticket_list_requester(struct ctl *ctl, const struct ctl_args *a);
/* "tenant set NAME --search-language CONFIG": a pg_ts_config name; the
 * tenant's messages are indexed with it again (one transaction). */
int ctl_tenant_search_language(struct ctl *ctl, const struct ctl_args *a);
/* "team set NAME --close-after DURATION|off", once the team is found. */
int ctl_team_close_after(struct ctl *ctl, const char *tenant_id, const char *tenant_name, const char *team_id,
			 const char *team, const char *value);
/* Whether --close-after's value is a duration (up to 366 days) or "off". */
bool ctl_close_after_valid(const char *value);

#endif
