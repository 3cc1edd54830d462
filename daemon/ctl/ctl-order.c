/* maildeskctl's part of orders (issue 12): "ticket order", the tenant's
 * order patterns and subject, the team's order reminder. */
#include "config.h"
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/orderref.h"
#include "base/xalloc.h"
#include "db/db-order.h"
#include "desk/desk.h"

/* Contract in ctl.h. */
bool ctl_order_tenant_opts(const struct ctl_args *a)
{
	return ctl_opt_get(a, "order-pattern") != NULL || ctl_opt_get(a, "no-order-pattern") != NULL ||
	       ctl_opt_get(a, "order-subject") != NULL || ctl_opt_get(a, "no-order-subject") != NULL;
}

/* Every --order-pattern given, in order, each checked by compiling it:
 * a bad one is named with its offset and nothing is stored. */
static int patterns_collect(const struct ctl_args *a, const char ***list_r, size_t *n_r)
{
	const char **list = xcalloc(a->n_opts + 1, sizeof(*list));
	size_t n = 0;

	for (size_t i = 0; i < a->n_opts; i++) {
		char *why;

		if (strcmp(a->opts[i].name, "order-pattern") != 0)
			continue;
		if ((why = desk_order_pattern_check(a->opts[i].value)) != NULL) {
			int ret = ctl_usage_error(a, "%s", why);

			free(why);
			free(list);
			return ret;
		}
		list[n++] = a->opts[i].value;
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* The order patterns of "tenant set": the ones given replace the list;
 * --no-order-pattern empties it. */
static int tenant_patterns_set(struct ctl *ctl, const struct ctl_args *a)
{
	bool clear = ctl_opt_get(a, "no-order-pattern") != NULL;
	const char **list = NULL;
	char *error = NULL;
	size_t n = 0;
	int ret, found;

	if (clear && ctl_opt_get(a, "order-pattern") != NULL)
		return ctl_usage_error(a, "--order-pattern and --no-order-pattern exclude each other");
	if ((ret = patterns_collect(a, &list, &n)) != 0)
		return ret;
	if (n > 20) {
		free(list);
		return ctl_usage_error(a, "at most 20 order patterns");
	}
	found = db_order_patterns_set(ctl->db, a->pos[0], list, n, &error);
	free(list);
	if (found < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("tenant \"%s\" not found", a->pos[0]);
	if (n == 0)
		printf("tenant \"%s\": no order patterns (nothing is extracted)\n", a->pos[0]);
	else
		printf("tenant \"%s\": %zu order pattern%s, tried on the subject, then the body\n", a->pos[0], n,
		       n == 1 ? "" : "s");
	return 0;
}

/* A subject template: one line of text with {order} in it. */
static bool order_subject_valid(const char *s)
{
	return s[0] != '\0' && strlen(s) <= 200 && strpbrk(s, "\r\n\t") == NULL && strstr(s, "{order}") != NULL;
}

/* The order subject of "tenant set". */
static int tenant_subject_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *subject = ctl_opt_get(a, "order-subject");
	char *error = NULL;
	int found;

	if (subject != NULL && ctl_opt_get(a, "no-order-subject") != NULL)
		return ctl_usage_error(a, "--order-subject and --no-order-subject exclude each other");
	if (subject != NULL && !order_subject_valid(subject))
		return ctl_usage_error(a, "invalid --order-subject \"%s\": 1-200 characters on one line, with {order}",
				       subject);
	if ((found = db_order_subject_set(ctl->db, a->pos[0], subject, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 0)
		return ctl_fail("tenant \"%s\" not found", a->pos[0]);
	if (subject != NULL)
		printf("tenant \"%s\": tickets started about an order are titled \"%s\"\n", a->pos[0], subject);
	else
		printf("tenant \"%s\": no order subject\n", a->pos[0]);
	return 0;
}

/* Contract in ctl.h. */
int ctl_order_tenant_set(struct ctl *ctl, const struct ctl_args *a)
{
	int ret = 0;

	if (ctl_opt_get(a, "order-pattern") != NULL || ctl_opt_get(a, "no-order-pattern") != NULL)
		ret = tenant_patterns_set(ctl, a);
	if (ret == 0 && (ctl_opt_get(a, "order-subject") != NULL || ctl_opt_get(a, "no-order-subject") != NULL))
		ret = tenant_subject_set(ctl, a);
	return ret;
}

/* Contract in ctl.h. */
int ctl_order_team_check(const struct ctl_args *a, unsigned *secs_r)
{
	const char *after = ctl_opt_get(a, "order-reminder-after");

	*secs_r = 0;
	if (after == NULL || strcmp(after, "off") == 0)
		return 0;
	if (config_duration_parse(after, secs_r) < 0 || *secs_r == 0)
		return ctl_usage_error(a, "--order-reminder-after must be a duration such as 30m, 4h or 2d, or off");
	return 0;
}

/* Contract in ctl.h. */
int ctl_order_team_set(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id, const char *tenant_name,
		       const char *team_id)
{
	unsigned secs = 0;
	char *error = NULL;
	int ret = ctl_order_team_check(a, &secs);

	if (ret != 0)
		return ret;
	if (db_order_reminder_after_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), secs, &error) < 0)
		return ctl_db_fail(error);
	if (secs == 0)
		printf("team \"%s\" in tenant \"%s\": no order reminder\n", a->pos[0], tenant_name);
	else
		printf("team \"%s\" in tenant \"%s\": an open ticket without an order reminds its agents once,"
		       " %u seconds after it was opened\n", a->pos[0], tenant_name, secs);
	return 0;
}

/* One field of "ticket order": set (value), cleared (NULL), or not
 * given (skip); *changes_r counts the ones that changed. */
static int field_apply(struct ctl *ctl, const struct ctl_ticket *t, const char *actor, enum db_order_field f,
		       const char *value, int *changes_r)
{
	char *error = NULL;
	int ret = desk_ticket_set_order(ctl->db, ctl_id(t->tenant_id), ctl_id(t->id), f, value, DESK_ORDER_CLI, actor,
					&error);

	if (ret < 0)
		return ctl_db_fail(error);
	*changes_r += ret;
	return 0;
}

/* ctl_change_run() callback of "ticket order". */
static int order_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *ref = a->n_pos > 1 ? a->pos[1] : NULL;
	bool clear = ctl_opt_get(a, "clear") != NULL;
	struct ctl_ticket t;
	char *actor = NULL;
	int changes = 0, ret = ctl_ticket_lock(ctl, a->pos[0], &t);

	if (ret == 0 && strcmp(t.status, "merged") == 0)
		ret = ctl_fail("ticket %s is merged into ticket %s: change that one", t.number, t.merged_into);
	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, &t, &actor);
	if (ret == 0 && (ref != NULL || clear))
		ret = field_apply(ctl, &t, actor, DB_ORDER_REF, ref, &changes);
	if (ret == 0 && ctl_opt_get(a, "shipment") != NULL)
		ret = field_apply(ctl, &t, actor, DB_ORDER_SHIPMENT, ctl_opt_get(a, "shipment"), &changes);
	if (ret == 0 && ctl_opt_get(a, "sku") != NULL)
		ret = field_apply(ctl, &t, actor, DB_ORDER_SKU, ctl_opt_get(a, "sku"), &changes);
	if (ret == 0)
		*done_r = changes == 0 ? xasprintf("ticket %s: nothing changed", t.number)
				       : ref != NULL ? xasprintf("ticket %s: order %s", t.number, ref)
				       : clear ? xasprintf("ticket %s: order cleared", t.number)
					       : xasprintf("ticket %s: updated", t.number);
	free(actor);
	ctl_ticket_free(&t);
	return ret;
}

/* A value given on the command line that is no valid reference. */
static int ref_refused(const struct ctl_args *a, const char *what, const char *v)
{
	const char *why = v != NULL && v[0] != '\0' ? orderref_check(v, strlen(v)) : NULL;

	if (why == NULL)
		return 0;
	return ctl_usage_error(a, "%s \"%s\" is not valid: %s (at most %d visible characters, no spaces)", what, v, why,
			       ORDERREF_MAX);
}

/* "ticket order NUMBER [REF | --clear] [--shipment S] [--sku K] [--by AGENT]". */
int ctl_ticket_order(struct ctl *ctl, const struct ctl_args *a)
{
	const char *ref = a->n_pos > 1 ? a->pos[1] : NULL;
	bool clear = ctl_opt_get(a, "clear") != NULL;
	int ret;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (ref != NULL && clear)
		return ctl_usage_error(a, "give an order reference or --clear, not both");
	if (ref == NULL && !clear && ctl_opt_get(a, "shipment") == NULL && ctl_opt_get(a, "sku") == NULL)
		return ctl_usage_error(a, "nothing to set: give an order reference, --clear, --shipment or --sku");
	if ((ret = ref_refused(a, "order", ref)) != 0 || (ret = ref_refused(a, "shipment", ctl_opt_get(a, "shipment"))) != 0 ||
	    (ret = ref_refused(a, "sku", ctl_opt_get(a, "sku"))) != 0)
		return ret;
	if (ref != NULL && ref[0] == '\0')
		return ctl_usage_error(a, "an empty order reference: use --clear");
	return ctl_change_run(ctl, a, order_change);
}
