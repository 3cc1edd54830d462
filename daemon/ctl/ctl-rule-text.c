/* maildeskctl: how rules, their events, actions and outcomes read on the
 * terminal, and in-memory tables for listings that are not one query. */
#include "config.h"
#include "ctl-rule.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

char *ctl_rule_events_text(unsigned mask)
{
	struct buf b;

	buf_init(&b, 0);
	for (int ev = 0; ev < RULES_EV_COUNT; ev++) {
		if (mask & (1u << ev))
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", rules_event_name((enum rules_event)ev));
	}
	if (b.len == 0)
		buf_append_str(&b, "-");
	return buf_steal(&b, NULL);
}

const char *ctl_rule_outcome_text(enum rules_outcome o)
{
	switch (o) {
	case RULES_NOT_THIS_EVENT:
		return "not for this event";
	case RULES_NO_MATCH:
		return "no match";
	case RULES_MATCHED:
		return "matched";
	case RULES_LIMIT:
		return "match limit";
	case RULES_NOT_REACHED:
		return "not reached";
	}
	return "?";
}

/* "1d12h" for 129600 seconds, as the rule language writes durations. */
static char *duration_text(long long s)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = { { 'w', 604800 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s >= units[i].secs) {
			buf_printf(&b, "%lld%c", s / units[i].secs, units[i].unit);
			s %= units[i].secs;
		}
	}
	if (b.len == 0)
		buf_append_str(&b, "0s");
	return buf_steal(&b, NULL);
}

/* " max N" of a strategy assignment, or "". */
static char *max_text(unsigned max_open)
{
	return max_open > 0 ? xasprintf(" max %u", max_open) : xstrdup("");
}

char *ctl_rule_action_text(const struct rules_action *act)
{
	const char *t = act->text != NULL ? act->text : "";
	char *m, *r;

	switch (act->kind) {
	case RULES_ACT_MOVE_TEAM:
		return xasprintf("move to team \"%s\"", t);
	case RULES_ACT_ASSIGN:
		return xasprintf("assign to \"%s\"", t);
	case RULES_ACT_ASSIGN_STRATEGY:
		m = max_text(act->max_open);
		r = xasprintf("assign %s%s", act->strategy == RULES_LEAST_OPEN ? "least-open" : "round-robin", m);
		free(m);
		return r;
	case RULES_ACT_UNASSIGN:
		return xstrdup("unassign");
	case RULES_ACT_TAG_ADD:
		return xasprintf("tag \"%s\"", t);
	case RULES_ACT_TAG_REMOVE:
		return xasprintf("untag \"%s\"", t);
	case RULES_ACT_SET_PRIORITY:
		return xasprintf("set priority %s", rules_priority_name(act->priority));
	case RULES_ACT_SNOOZE_FOR:
		m = duration_text(act->seconds);
		r = xasprintf("snooze for %s", m);
		free(m);
		return r;
	case RULES_ACT_SNOOZE_UNTIL:
		return xasprintf("snooze until \"%s\"", t);
	case RULES_ACT_CLOSE:
		return xstrdup("close");
	case RULES_ACT_REPLY_TEMPLATE:
		return xasprintf("reply with template \"%s\"", t);
	case RULES_ACT_NOTE:
		return xasprintf("note \"%s\"", t);
	case RULES_ACT_NOTIFY:
		return xasprintf("notify \"%s\"", t);
	case RULES_ACT_SET_FIELD:
		return xasprintf("set field \"%s\" to \"%s\"", t, act->value != NULL ? act->value : "");
	case RULES_ACT_SET_ORDER:
		return xasprintf("set order \"%s\"", t);
	case RULES_ACT_CLEAR_ORDER:
		return xstrdup("clear order");
	case RULES_ACT_NO_ORDER_REMINDER:
		return xstrdup("no order reminder");
	}
	return xstrdup("?");
}

bool ctl_date_valid(const char *s)
{
	static const char *const forms[] = { "dddd-dd-dd", "dddd-dd-dd dd:dd" };

	for (size_t f = 0; f < 2; f++) {
		size_t i = 0;

		for (; forms[f][i] != '\0' && s[i] != '\0'; i++) {
			if (forms[f][i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != forms[f][i])
				break;
		}
		if (forms[f][i] == '\0' && s[i] == '\0')
			return true;
	}
	return false;
}

struct db_table *ctl_table_new(size_t n_cols, const char *const *names)
{
	struct db_table *t = xcalloc(1, sizeof(*t));

	t->n_cols = n_cols;
	t->col_names = xcalloc(n_cols, sizeof(char *));
	for (size_t c = 0; c < n_cols; c++)
		t->col_names[c] = xstrdup(names[c]);
	return t;
}

void ctl_table_add(struct db_table *t, const char *const *values)
{
	t->cells = xrealloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(char *));
	for (size_t c = 0; c < t->n_cols; c++)
		t->cells[t->n_rows * t->n_cols + c] = values[c] != NULL ? xstrdup(values[c]) : NULL;
	t->n_rows++;
}
