/* An agent's status: online, away, offline, or offline with their tickets
 * handed to teammates (contract in desk-rules.h). */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

#define REASSIGN "offline-and-reassign"
#define LISTED_MAX 10 /* tickets named in the summary line */

/* Contract in desk.h. */
bool desk_agent_status_valid(const char *state)
{
	static const char *const states[] = { "online", "away", "offline", REASSIGN };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (state != NULL && strcmp(state, states[i]) == 0)
			return true;
	return false;
}

/* The email of an agent of the tenant (malloc'd), or NULL with *error_r. */
static char *agent_email(struct db *db, int64_t tenant_id, int64_t agent_id, char **error_r)
{
	struct desk_agent a;
	int found = desk_agent_load(db, tenant_id, agent_id, &a, error_r);
	char *email;

	if (found <= 0) {
		if (found == 0)
			*error_r = xasprintf("no agent %" PRId64 " in tenant %" PRId64, agent_id, tenant_id);
		return NULL;
	}
	email = xstrdup(a.email);
	desk_agent_free(&a);
	return email;
}

/* Hands one ticket to a teammate by its team's strategy (round-robin when
 * it is 'manual'), or leaves it unassigned; says which in *summary. */
static int reassign_one(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			const struct db_ticket_handover *h, size_t row, int64_t from_agent_id, const char *actor,
			const char *why, struct buf *summary, char **error_r)
{
	int64_t to = 0;
	int found = db_assign_pick(db, tenant_id, h->team_id, h->least_open, h->max_open, from_agent_id, &to, error_r);
	char *email;

	if (found < 0 || desk_ticket_assign(db, s, tenant_id, h->ticket_id, found > 0 ? to : 0, actor, error_r) < 0)
		return -1;
	if (found == 0) {
		if (row < LISTED_MAX)
			buf_printf(summary, "%s%" PRId64 " unassigned", row > 0 ? ", " : "", h->number);
		return desk_event(db, tenant_id, h->ticket_id, "reassign.none", actor, why, error_r);
	}
	if (row >= LISTED_MAX)
		return 0;
	if ((email = agent_email(db, tenant_id, to, error_r)) == NULL)
		return -1;
	buf_printf(summary, "%s%" PRId64 " to %s", row > 0 ? ", " : "", h->number, email);
	free(email);
	return 0;
}

/* Contract in desk-rules.h. */
int desk_agent_handover(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t agent_id,
			int64_t team_id, const char *actor, const char *why, struct buf *summary, char **error_r)
{
	struct db_ticket_handover *rows = NULL;
	size_t n = 0, k = 0;
	int ret = 0;

	if (db_ticket_handover_list(db, tenant_id, agent_id, &rows, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (team_id == 0 || rows[i].team_id == team_id)
			rows[k++] = rows[i];
	buf_printf(summary, "; %zu ticket%s handed over", k, k == 1 ? "" : "s");
	if (k > 0)
		buf_append_str(summary, ": ");
	for (size_t i = 0; i < k && ret == 0; i++)
		ret = reassign_one(db, s, tenant_id, &rows[i], i, agent_id, actor, why, summary, error_r);
	if (k > LISTED_MAX)
		buf_printf(summary, " and %zu more", k - LISTED_MAX);
	free(rows);
	return ret;
}

/* Contract in desk-rules.h. */
int desk_agent_status_set(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t agent_id,
			  const char *state, const char *actor, char **done_r, char **error_r)
{
	bool reassign = state != NULL && strcmp(state, REASSIGN) == 0;
	const char *stored = reassign ? "offline" : state;
	struct buf summary;
	char *email;

	if (!desk_agent_status_valid(state)) {
		*error_r = xasprintf("unknown status \"%s\" (online, away, offline, " REASSIGN ")",
				     state != NULL ? state : "");
		return -1;
	}
	if ((email = agent_email(db, tenant_id, agent_id, error_r)) == NULL)
		return -1;
	buf_init(&summary, 0);
	buf_printf(&summary, "%s is now %s", email, stored);
	free(email);
	if (db_agent_status_set(db, tenant_id, agent_id, stored, error_r) < 0 ||
	    (reassign && desk_agent_handover(db, s, tenant_id, agent_id, 0, actor,
					     "the assignee went offline and no online teammate could take it", &summary,
					     error_r) < 0)) {
		buf_free(&summary);
		return -1;
	}
	*done_r = buf_steal(&summary, NULL);
	return 0;
}
