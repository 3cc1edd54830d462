/* Snooze wake-ups and SLA breaches, claimed by whichever daemon gets there
 * first (contract in desk-rules.h). */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Due snoozes, oldest first; rows another daemon holds are left to it. */
#define WAKE_CLAIM                                                                                     \
	"SELECT tenant_id, id FROM tickets WHERE status = 'snoozed' AND snooze_until <= now()"         \
	" ORDER BY snooze_until LIMIT $1 FOR UPDATE SKIP LOCKED"
/* Unbreached SLA targets past due (the predicates of their partial indexes). */
#define FIRST_RESPONSE_CLAIM                                                                           \
	"SELECT tenant_id, id FROM tickets WHERE first_response_due <= now() AND first_response_at IS NULL" \
	" AND first_response_breached_at IS NULL AND status NOT IN ('solved', 'closed', 'merged')"        \
	" ORDER BY first_response_due LIMIT $1 FOR UPDATE SKIP LOCKED"
#define RESOLUTION_CLAIM                                                                                \
	"SELECT tenant_id, id FROM tickets WHERE resolution_due <= now() AND resolution_breached_at IS NULL" \
	" AND status NOT IN ('solved', 'closed', 'merged') ORDER BY resolution_due LIMIT $1"           \
	" FOR UPDATE SKIP LOCKED"
/* The earliest of the three, rounded up to the second (never early). */
#define NEXT_DUE                                                                                       \
	"SELECT ceil(extract(epoch FROM least("                                                       \
	"(SELECT min(snooze_until) FROM tickets WHERE status = 'snoozed'),"                           \
	" (SELECT min(first_response_due) FROM tickets WHERE first_response_at IS NULL"               \
	" AND first_response_breached_at IS NULL AND first_response_due IS NOT NULL"                  \
	" AND status NOT IN ('solved', 'closed', 'merged')),"                                         \
	" (SELECT min(resolution_due) FROM tickets WHERE resolution_breached_at IS NULL"              \
	" AND resolution_due IS NOT NULL AND status NOT IN ('solved', 'closed', 'merged')))))::bigint"

/* One SLA target: how its breach is written and named. */
struct sla_target {
	const char *name; /* the event's detail */
	const char *claim;
	const char *mark;
};

static const struct sla_target sla_targets[] = {
	{ "first_response", FIRST_RESPONSE_CLAIM,
	  "UPDATE tickets SET first_response_breached_at = now() WHERE tenant_id = $1 AND id = $2" },
	{ "resolution", RESOLUTION_CLAIM,
	  "UPDATE tickets SET resolution_breached_at = now() WHERE tenant_id = $1 AND id = $2" },
};

/* What runs after a ticket's state changed: notifications and rules. */
typedef int (*after_fn)(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			int64_t tenant_id, int64_t ticket_id, char **error_r);

/* Claims rows with sql ($1: the limit). */
static int claim(struct db *db, const char *sql, unsigned limit, struct db_table **res_r, char **error_r)
{
	char lim[16];
	const char *params[1] = { lim };

	snprintf(lim, sizeof(lim), "%u", limit);
	return db_exec(db, sql, 1, params, res_r, error_r);
}

/* Runs an UPDATE of one ticket ($1 tenant, $2 id). */
static int ticket_update(struct db *db, const char *sql, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	char tn[24], tk[24];
	const char *params[2] = { tn, tk };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	return db_exec(db, sql, 2, params, NULL, error_r);
}

/* The ticket's notifications and rules in a savepoint: when they fail
 * (a rule that cannot apply, a template gone), the ticket still wakes or
 * breaches once, and the failure is recorded on it, so that one bad ticket
 * never holds up every later timer. -1 only when the database is gone. */
static int after_isolated(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			  int64_t tenant_id, int64_t ticket_id, after_fn fn, char **error_r)
{
	char *err = NULL, *detail;
	int ret;

	if (db_exec(db, "SAVEPOINT desk_timer", 0, NULL, NULL, error_r) < 0)
		return -1;
	if (fn(db, s, cache, tenant_id, ticket_id, &err) == 0) {
		return db_exec(db, "RELEASE SAVEPOINT desk_timer", 0, NULL, NULL, error_r);
	}
	if (db_exec(db, "ROLLBACK TO SAVEPOINT desk_timer", 0, NULL, NULL, error_r) < 0) {
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
	if (ticket_update(db,
			  "UPDATE tickets SET status = 'open', snooze_until = NULL, updated_at = now()"
			  " WHERE tenant_id = $1 AND id = $2",
			  tenant_id, ticket_id, error_r) < 0 ||
	    desk_event(db, tenant_id, ticket_id, "woke", "timer", "snooze ended", error_r) < 0)
		return -1;
	return after_isolated(db, s, cache, tenant_id, ticket_id, after_wake, error_r);
}

/* Records one breach of one claimed ticket. */
static int breach_one(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		      const struct sla_target *target, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	if (ticket_update(db, target->mark, tenant_id, ticket_id, error_r) < 0 ||
	    desk_event(db, tenant_id, ticket_id, "sla.breached", "timer", target->name, error_r) < 0)
		return -1;
	return after_isolated(db, s, cache, tenant_id, ticket_id, after_breach, error_r);
}

/* A claimed row's (tenant_id, id). */
static void row_ids(const struct db_table *res, size_t row, int64_t *tenant_id, int64_t *ticket_id)
{
	*tenant_id = strtoll(db_table_get(res, row, 0), NULL, 10);
	*ticket_id = strtoll(db_table_get(res, row, 1), NULL, 10);
}

/* Contract in desk-rules.h. */
int desk_wake_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache, unsigned limit,
		  unsigned *n_r, char **error_r)
{
	struct db_table *res = NULL;
	int ret = 0;

	*n_r = 0;
	if (claim(db, WAKE_CLAIM, limit, &res, error_r) < 0)
		return -1;
	for (size_t i = 0; i < res->n_rows && ret == 0; i++) {
		int64_t tenant_id, ticket_id;

		row_ids(res, i, &tenant_id, &ticket_id);
		ret = wake_one(db, s, cache, tenant_id, ticket_id, error_r);
	}
	if (ret == 0)
		*n_r = (unsigned)res->n_rows;
	db_table_free(&res);
	return ret;
}

/* Claims and records up to limit breaches of one target; *n_r how many. */
static int breach_target(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			 const struct sla_target *target, unsigned limit, unsigned *n_r, char **error_r)
{
	struct db_table *res = NULL;
	int ret = 0;

	*n_r = 0;
	if (limit == 0)
		return 0;
	if (claim(db, target->claim, limit, &res, error_r) < 0)
		return -1;
	for (size_t i = 0; i < res->n_rows && ret == 0; i++) {
		int64_t tenant_id, ticket_id;

		row_ids(res, i, &tenant_id, &ticket_id);
		ret = breach_one(db, s, cache, target, tenant_id, ticket_id, error_r);
	}
	if (ret == 0)
		*n_r = (unsigned)res->n_rows;
	db_table_free(&res);
	return ret;
}

/* Contract in desk-rules.h. */
int desk_sla_breach_due(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
			unsigned limit, unsigned *n_r, char **error_r)
{
	unsigned total = 0;

	*n_r = 0;
	for (size_t i = 0; i < sizeof(sla_targets) / sizeof(sla_targets[0]); i++) {
		unsigned n;

		if (breach_target(db, s, cache, &sla_targets[i], limit - total, &n, error_r) < 0)
			return -1;
		total += n;
	}
	*n_r = total;
	return 0;
}

/* Contract in desk-rules.h. */
int desk_timers_next(struct db *db, int64_t *at_r, char **error_r)
{
	struct db_table *res = NULL;
	const char *v;
	int found;

	if (db_exec(db, NEXT_DUE, 0, NULL, &res, error_r) < 0)
		return -1;
	v = res->n_rows > 0 ? db_table_get(res, 0, 0) : NULL;
	found = v != NULL;
	if (found)
		*at_r = strtoll(v, NULL, 10);
	db_table_free(&res);
	return found;
}
