/* A ticket's order (issue 12): the one way it changes, its extraction
 * from customer mail, the subject of a ticket started about an order and
 * the reminder for tickets that still have none (contracts in desk.h). */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/orderref.h"
#include "base/xalloc.h"
#include "db/db-order.h"

/* Contract in desk.h. */
const char *desk_order_source_name(enum desk_order_source src)
{
	static const char *const names[] = { "mail", "agent", "cli", "rule", "extract" };

	return (unsigned)src < sizeof(names) / sizeof(names[0]) ? names[src] : "mail";
}

/* -1 with *error_r when the ticket is a request that may not take this
 * order (desk_request_change_why), else 0. */
static int request_refuses(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *order, char **error_r)
{
	char *why = NULL;

	if (desk_request_change_why(db, tenant_id, ticket_id, false, order, &why, error_r) < 0)
		return -1;
	if (why == NULL)
		return 0;
	*error_r = xasprintf("order not changed: %s", why);
	free(why);
	return -1;
}

/* Contract in desk.h. */
int desk_ticket_set_order(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_order_field field,
			  const char *value, enum desk_order_source src, const char *actor, char **error_r)
{
	const char *why, *name = db_order_field_name(field);
	char *old = NULL, *detail;
	int ret;

	if (value != NULL && value[0] == '\0')
		value = NULL;
	if (value != NULL && (why = orderref_check(value, strlen(value))) != NULL) {
		*error_r = xasprintf("%s \"%.80s\" is not valid: %s (use at most %d visible characters, no spaces)",
				     name, value, why, ORDERREF_MAX);
		return -1;
	}
	if (field == DB_ORDER_REF && request_refuses(db, tenant_id, ticket_id, value, error_r) < 0)
		return -1;
	if ((ret = db_ticket_order_set(db, tenant_id, ticket_id, field, value, &old, error_r)) <= 0)
		return ret;
	detail = value != NULL ? xasprintf("%s (was %s, by %s)", value, old != NULL ? old : "none",
					   desk_order_source_name(src))
			       : xasprintf("cleared (was %s, by %s)", old != NULL ? old : "none",
					   desk_order_source_name(src));
	ret = desk_event(db, tenant_id, ticket_id, name, actor, detail, error_r) < 0 ? -1 : 1;
	free(detail);
	free(old);
	return ret;
}

/* Contract in desk.h. */
int desk_ticket_order_reminder_off(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *actor,
				   char **error_r)
{
	int ret = db_ticket_order_reminder_off(db, tenant_id, ticket_id, error_r);

	if (ret <= 0)
		return ret;
	return desk_event(db, tenant_id, ticket_id, "order_reminder.off", actor, "", error_r) < 0 ? -1 : 1;
}

/* Contract in desk-private.h. */
void desk_order_line(struct buf *b, const struct desk_ticket *t)
{
	if (t->order_ref[0] == '\0' && t->shipment_ref[0] == '\0' && t->sku[0] == '\0')
		return;
	buf_printf(b, "Order: %s", t->order_ref[0] != '\0' ? t->order_ref : "-");
	if (t->shipment_ref[0] != '\0')
		buf_printf(b, " | Shipment: %s", t->shipment_ref);
	if (t->sku[0] != '\0')
		buf_printf(b, " | SKU: %s", t->sku);
	buf_append_str(b, "\n");
}

/* Contract in desk-private.h. */
int desk_order_extract(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r)
{
	char *order = NULL;
	int found;

	/* No patterns: nothing to read, not even the ticket. */
	if (r->order_patterns_version == 0)
		return 0;
	if (!r->new_ticket) {
		if ((found = db_ticket_order_get(db, tenant_id, r->ticket_id, &order, error_r)) != 0) {
			free(order);
			return found < 0 ? -1 : 0;
		}
	}
	if ((found = desk_order_find(db, s, tenant_id, r->order_patterns_version, m->subject, m->text_body, &order,
				     error_r)) <= 0)
		return found;
	found = desk_ticket_set_order(db, tenant_id, r->ticket_id, DB_ORDER_REF, order, DESK_ORDER_EXTRACT, "mail",
				      error_r);
	free(order);
	return found < 0 ? -1 : 0;
}

/* Contract in desk.h. */
int desk_order_subject(struct db *db, int64_t tenant_id, const char *order, char **subject_r, char **error_r)
{
	char *tpl = NULL, *at;
	struct buf b;
	int found = db_order_subject_get(db, tenant_id, &tpl, error_r);

	if (found <= 0)
		return found;
	buf_init(&b, 0);
	/* Every "{order}" becomes the order; the rest is text as it is. */
	for (const char *p = tpl; *p != '\0'; p = at + 7) {
		if ((at = strstr(p, "{order}")) == NULL) {
			buf_append_str(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(at - p));
		buf_append_str(&b, order);
	}
	*subject_r = buf_steal(&b, NULL);
	free(tpl);
	return 1;
}

/* One claimed ticket: its event, then its agents are told, in a
 * savepoint: a mail that cannot be written is recorded on the ticket and
 * the reminder still counts as done (it never comes back). */
static int remind_one(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		      char **error_r)
{
	char *err = NULL, *detail;
	int ret;

	if (desk_event(db, tenant_id, ticket_id, "order_reminder", "timer", "no order yet", error_r) < 0 ||
	    db_savepoint(db, "order_reminder", error_r) < 0)
		return -1;
	if (desk_notify_ticket(db, s, tenant_id, ticket_id, "Order missing",
			       "This ticket has no order yet. Reply with a first line such as \"#order 1042\""
			       " to set it.",
			       &err) == 0 &&
	    db_flush(db, &err) == 0)
		return db_release(db, "order_reminder", error_r);
	if (db_rollback_to(db, "order_reminder", error_r) < 0 || db_release(db, "order_reminder", error_r) < 0) {
		free(err);
		return -1;
	}
	detail = xasprintf("order reminder mail failed: %s", err != NULL ? err : "");
	ret = desk_event(db, tenant_id, ticket_id, "timer.failed", "timer", detail, error_r);
	free(detail);
	free(err);
	return ret;
}

/* Contract in desk-rules.h. */
int desk_order_remind_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			  unsigned limit, unsigned *n_r, char **error_r)
{
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	int ret = 0;

	(void)cache;
	*n_r = 0;
	if (db_order_reminder_claim(db, limit, &refs, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = remind_one(db, s, refs[i].tenant_id, refs[i].ticket_id, error_r);
	if (ret == 0)
		*n_r = (unsigned)n;
	free(refs);
	return ret;
}
