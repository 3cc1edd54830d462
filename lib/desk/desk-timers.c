/* Snooze wake-ups, SLA breaches and solved tickets closing, claimed by whichever daemon gets there
 * first (contract in desk-rules.h). */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/xalloc.h"

/* What runs after a ticket's state changed: notifications and rules. */
typedef int (*after_fn)(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			int64_t tenant_id, int64_t ticket_id, char **error_r);

/* The ticket's notifications and rules in a savepoint: when they fail
 * (a rule that cannot apply, a template gone), the ticket still wakes or
 * breaches once, and the failure is recorded on it, so that one bad ticket
 * never holds up every later timer. -1 only when the database is gone. */
static int after_isolated(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			  int64_t tenant_id, int64_t ticket_id, after_fn fn, char **error_r)
{
	char *err = NULL, *detail;
	int ret;

	if (db_savepoint(db, "desk_timer", error_r) < 0)
		return -1;
	if (fn(db, s, cache, tenant_id, ticket_id, &err) == 0 && db_flush(db, &err) == 0)
		return db_release(db, "desk_timer", error_r);
	if (db_rollback_to(db, "desk_timer", error_r) < 0 || db_release(db, "desk_timer", error_r) < 0) {
		free(err);
		return -1;
	}
	log_warn("event=timer.failed tenant=%" PRId64 " ticket_id=%" PRId64 " error=\"%s\"", tenant_id, ticket_id,
		 err != NULL ? err : "");
	detail = xasprintf("notifications or rules failed: %s", err != NULL ? err : "");
	ret = desk_event(db, tenant_id, ticket_id, "timer.failed", "timer", detail, error_r);
	free(detail);
	free(err);
	return ret;
}

/* Runs the rules of one event on a ticket. */
static int rules_on(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		    enum rules_event ev, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	struct desk_rules_event e = { .event = ev, .tenant_id = tenant_id, .ticket_id = ticket_id };

	return desk_rules_run(db, s, cache, &e, NULL, error_r);
}

/* A ticket woke: its agents are told, then its ticket.woke rules run. */
static int after_wake(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		      int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	if (desk_notify_ticket(db, s, tenant_id, ticket_id, "Snooze ended",
			       "The snooze time of this ticket has come: it is open again.", error_r) < 0)
		return -1;
	return rules_on(db, s, cache, RULES_EV_TICKET_WOKE, tenant_id, ticket_id, error_r);
}

/* A target was breached: sla.breached rules run. */
static int after_breach(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return rules_on(db, s, cache, RULES_EV_SLA_BREACHED, tenant_id, ticket_id, error_r);
}

/* Reopens one claimed ticket and records it. */
static int wake_one(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, int64_t tenant_id,
		    int64_t ticket_id, char **error_r)
{
	if (desk_ticket_wake(db, tenant_id, ticket_id, error_r) < 0)
		return -1;
	return after_isolated(db, s, cache, tenant_id, ticket_id, after_wake, error_r);
}

/* Records one breach of one claimed ticket. */
static int breach_one(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		      enum db_sla_target target, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	if (desk_ticket_sla_breach(db, tenant_id, ticket_id, target, error_r) < 0)
		return -1;
	return after_isolated(db, s, cache, tenant_id, ticket_id, after_breach, error_r);
}

/* Contract in desk-rules.h. */
int desk_wake_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, unsigned limit,
		  unsigned *n_r, char **error_r)
{
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	int ret = 0;

	*n_r = 0;
	if (db_ticket_wake_claim(db, limit, &refs, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = wake_one(db, s, cache, refs[i].tenant_id, refs[i].ticket_id, error_r);
	if (ret == 0)
		*n_r = (unsigned)n;
	free(refs);
	return ret;
}

/* Claims and records up to limit breaches of one target; *n_r how many. */
static int breach_target(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			 enum db_sla_target target, unsigned limit, unsigned *n_r, char **error_r)
{
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	int ret = 0;

	*n_r = 0;
	if (limit == 0)
		return 0;
	if (db_ticket_sla_claim(db, target, limit, &refs, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = breach_one(db, s, cache, target, refs[i].tenant_id, refs[i].ticket_id, error_r);
	if (ret == 0)
		*n_r = (unsigned)n;
	free(refs);
	return ret;
}

/* Contract in desk-rules.h. */
int desk_sla_breach_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			unsigned limit, unsigned *n_r, char **error_r)
{
	static const enum db_sla_target targets[] = { DB_SLA_FIRST_RESPONSE, DB_SLA_RESOLUTION };
	unsigned total = 0;

	*n_r = 0;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		unsigned n;

		if (breach_target(db, s, cache, targets[i], limit - total, &n, error_r) < 0)
			return -1;
		total += n;
	}
	*n_r = total;
	return 0;
}

/* Contract in desk-rules.h. */
int desk_close_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, unsigned limit,
		   unsigned *n_r, char **error_r)
{
	struct db_ticket_ref *refs = NULL;
	size_t n = 0;
	int ret = 0;

	(void)s;
	(void)cache;
	*n_r = 0;
	if (db_ticket_close_claim(db, limit, &refs, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = desk_ticket_close_solved(db, refs[i].tenant_id, refs[i].ticket_id, error_r) < 0 ? -1 : 0;
	if (ret == 0)
		*n_r = (unsigned)n;
	free(refs);
	return ret;
}

/* Contract in desk-rules.h. */
int desk_timers_next(struct db *db, int64_t *at_r, char **error_r)
{
	return db_ticket_timers_next(db, at_r, error_r);
}
