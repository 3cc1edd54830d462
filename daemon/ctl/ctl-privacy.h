#ifndef MD_CTL_PRIVACY_H
#define MD_CTL_PRIVACY_H
/* maildeskctl's privacy commands (issue 14): "contact export" (the zip,
 * ctl-privacy-export.c), "contact erase", "retention purge" and the
 * retention settings of "tenant set" (ctl-privacy.c). */
#include <stdbool.h>

#include "ctl.h"

/* The address (a->pos[0]) and --tenant of a contact command, checked:
 * --tenant is required (an address may be a customer of several
 * tenants). Returns 0 with both malloc'd, or the exit code of the
 * problem it printed. */
int ctl_privacy_target(struct ctl *ctl, const struct ctl_args *a, char **tenant_id_r, char **tenant_r);
/* "contact export ADDR --tenant T [--output FILE]". */
int ctl_contact_export(struct ctl *ctl, const struct ctl_args *a);

/* Whether "tenant set" got --inbound-retention or --attachment-retention. */
bool ctl_privacy_tenant_opts(const struct ctl_args *a);
/* Sets them for tenant a->pos[0] and prints the outcome. Returns 0, or
 * prints why and fails (exit code). */
int ctl_privacy_tenant_set(struct ctl *ctl, const struct ctl_args *a);

#endif
