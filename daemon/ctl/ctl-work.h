#ifndef MD_CTL_WORK_H
#define MD_CTL_WORK_H
/* What the agent's work commands share (ctl-work.c, ctl-work-ticket.c,
 * ctl-work-team.c). Internal to maildeskctl. */
#include <stdint.h>

#include "ctl.h"

/* lib/desk's settings (ctl_desk_load) with the rule engine's match limit
 * from the same file. Returns 0 (free with ctl_desk_free), or prints why. */
int ctl_work_desk_load(const struct ctl *ctl, struct ctl_desk *d);
/* An agent of a tenant: 1 found (*id_r, and *status_r when not NULL,
 * malloc'd), 0 not found, -1 database error (both printed). */
int ctl_work_agent_find(struct ctl *ctl, const char *tenant_id, const char *email, char **id_r, char **status_r);

/* A ticket change in progress: the ticket locked (merged ones refused) and
 * who does it (--by). */
struct ctl_work {
	struct ctl_ticket t;
	char *actor;
	int64_t tenant_id, ticket_id;
};
/* Locks ticket a->pos[0] in the caller's transaction and resolves --by.
 * Returns 0, or prints why and fails; free w with ctl_work_end either way. */
int ctl_work_begin(struct ctl *ctl, const struct ctl_args *a, struct ctl_work *w);
void ctl_work_end(struct ctl_work *w);

/* ctl-work-ticket.c */
int ctl_ticket_snooze(struct ctl *ctl, const struct ctl_args *a);
int ctl_ticket_tag(struct ctl *ctl, const struct ctl_args *a);
/* "ticket event NUMBER NAME": runs the external.event rules (event.name
 * NAME) on the ticket, recorded as an external.event event. */
int ctl_ticket_event(struct ctl *ctl, const struct ctl_args *a);
/* "ticket cc NUMBER add|remove ADDR [--by|--from AGENT]": who else gets
 * the answers, as "#cc add/remove" by mail (lib/desk desk_ticket_cc). */
int ctl_ticket_cc(struct ctl *ctl, const struct ctl_args *a);
/* ctl-work-team.c */
int ctl_team_routing(struct ctl *ctl, const struct ctl_args *a);
int ctl_sla_set(struct ctl *ctl, const struct ctl_args *a);
int ctl_sla_list(struct ctl *ctl, const struct ctl_args *a);

#endif
