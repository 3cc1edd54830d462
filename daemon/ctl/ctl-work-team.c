/* maildeskctl: how a team hands out tickets and when it works ("team
 * routing"), and its SLA targets ("sla set", "sla list"); the tables of
 * sql/008_rules.sql that lib/desk reads (desk-assign.c, desk-sla.c). */
#include "config.h"
#include "ctl-work.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-admin-team.h"
#include "db/db-report-admin.h"
#include "rules/rules.h"

/* One opening of a weekly calendar. */
struct hours_row {
	int dow; /* 0 Sunday .. 6 Saturday */
	char opens[6], closes[6];
};
struct hours {
	struct hours_row rows[64];
	size_t n;
};

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* "mon" -> 1; -1 when not a day. */
static int day_parse(const char *s, size_t len)
{
	for (int d = 0; d < 7; d++) {
		if (len == 3 && strncasecmp(s, day_names[d], 3) == 0)
			return d;
	}
	return -1;
}

/* "09:00" (or "24:00" as a closing time) into out. */
static bool clock_parse(const char *s, size_t len, char out[6])
{
	if (len != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return false;
	memcpy(out, s, 5);
	out[5] = '\0';
	return (strcmp(out, "24:00") == 0 || (strncmp(out, "24", 2) < 0 && strncmp(out + 3, "60", 2) < 0));
}

/* "mon-fri" or "sat": sets days[d] for each day (ranges may wrap). */
static bool days_parse(const char *s, size_t len, bool days[7])
{
	const char *dash = memchr(s, '-', len);
	int from = day_parse(s, dash != NULL ? (size_t)(dash - s) : len);
	int to = dash != NULL ? day_parse(dash + 1, len - (size_t)(dash - s) - 1) : from;

	if (from < 0 || to < 0)
		return false;
	for (int d = from;; d = (d + 1) % 7) {
		days[d] = true;
		if (d == to)
			return true;
	}
}

/* Adds "09:00-17:00" for each day; refuses empty and overlapping spans. */
static const char *span_add(struct hours *h, const bool days[7], const char *s, size_t len)
{
	char opens[6], closes[6];

	if (len != 11 || s[5] != '-' || !clock_parse(s, 5, opens) || !clock_parse(s + 6, 5, closes) ||
	    strcmp(opens, "24:00") == 0)
		return "a time span is HH:MM-HH:MM";
	if (strcmp(opens, closes) >= 0)
		return "a span must close after it opens";
	for (int d = 0; d < 7; d++) {
		if (!days[d])
			continue;
		for (size_t i = 0; i < h->n; i++) {
			if (h->rows[i].dow == d && strcmp(opens, h->rows[i].closes) < 0 && strcmp(h->rows[i].opens, closes) < 0)
				return "two spans of one day overlap";
		}
		if (h->n == sizeof(h->rows) / sizeof(h->rows[0]))
			return "too many spans";
		h->rows[h->n].dow = d;
		memcpy(h->rows[h->n].opens, opens, 6);
		memcpy(h->rows[h->n].closes, closes, 6);
		h->n++;
	}
	return NULL;
}

/* "mon-fri 09:00-12:00 13:00-17:00": the days, then one or more spans. */
static const char *item_parse(struct hours *h, const char *s, size_t len)
{
	bool days[7] = { false }, any = false;
	size_t i = strspn(s, " \t"), w;
	const char *why;

	w = strcspn(s + i, " \t,");
	if (w == 0 || i + w > len || !days_parse(s + i, w, days))
		return "each part starts with a day or days (mon, mon-fri)";
	for (i += w; i < len; i += w) {
		i += strspn(s + i, " \t");
		w = strcspn(s + i, " \t,");
		if (i + w > len)
			w = len - i;
		if (w == 0)
			break;
		if ((why = span_add(h, days, s + i, w)) != NULL)
			return why;
		any = true;
	}
	return any ? NULL : "each part needs a time span (09:00-17:00)";
}

/* Parses the --hours text; NULL, or what is wrong. */
static const char *hours_parse(const char *spec, struct hours *h)
{
	const char *s = spec, *why;

	memset(h, 0, sizeof(*h));
	for (;;) {
		size_t len = strcspn(s, ",");

		if ((why = item_parse(h, s, len)) != NULL)
			return why;
		if (s[len] == '\0')
			return NULL;
		s += len + 1;
	}
}

/* Replaces the team's calendar. */
static int hours_store(struct ctl *ctl, const char *tenant_id, const char *team_id, const struct hours *h)
{
	struct db_team_hours_row rows[sizeof(h->rows) / sizeof(h->rows[0])];
	char *error = NULL;

	for (size_t i = 0; i < h->n; i++)
		rows[i] = (struct db_team_hours_row){ h->rows[i].dow, h->rows[i].opens, h->rows[i].closes };
	if (db_admin_team_hours_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), rows, h->n, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* A zone PostgreSQL knows (its tz database decides, as it does later). */
static int zone_check(struct ctl *ctl, const char *zone)
{
	if (!db_admin_time_zone_valid(ctl->db, zone))
		return ctl_fail("unknown time zone \"%s\" (a name such as Europe/Berlin or UTC)", zone);
	return 0;
}

/* The settings of "team routing" other than the calendar. */
static int routing_update(struct ctl *ctl, const struct ctl_args *a, const char *tenant_id, const char *team_id)
{
	const char *zone = ctl_opt_get(a, "time-zone"), *max = ctl_opt_get(a, "max-open");
	struct db_team_routing r = { ctl_opt_get(a, "strategy"), max != NULL ? strtoll(max, NULL, 10) : -1, zone };
	char *error = NULL;

	if (zone != NULL && zone_check(ctl, zone) != 0)
		return CTL_EXIT_FAIL;
	if (db_admin_team_routing_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), &r, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* ctl_change_run() callback of "team routing" with something to set. */
static int routing_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *spec = ctl_opt_get(a, "hours");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL;
	struct hours h = { 0 };
	int ret = ctl_tenant_resolve(ctl, a, a->pos[0], &tenant_id, &tenant_name);

	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, a->pos[0], &team_id);
	if (ret == 0)
		ret = routing_update(ctl, a, tenant_id, team_id);
	if (ret == 0 && (spec != NULL || ctl_opt_get(a, "no-hours") != NULL)) {
		if (spec != NULL)
			hours_parse(spec, &h); /* checked before the transaction */
		ret = hours_store(ctl, tenant_id, team_id, &h);
	}
	if (ret == 0 && !ctl->json) /* with --json only the settings are printed */
		*done_r = xasprintf("team \"%s\" in tenant \"%s\" updated", a->pos[0], tenant_name);
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

/* The calendar as --hours takes it ("mon-fri 09:00-17:00, sat
 * 10:00-14:00"): days in a row with the same spans are one range. */
static char *hours_text(const struct db_table *h)
{
	char *day[7] = { NULL };
	struct buf b;

	for (size_t r = 0; r < h->n_rows; r++) {
		int d = (int)strtol(db_table_get(h, r, 0), NULL, 10);
		char *prev = day[d];

		day[d] = xasprintf("%s%s%s", prev != NULL ? prev : "", prev != NULL ? " " : "", db_table_get(h, r, 1));
		free(prev);
	}
	buf_init(&b, 0);
	for (int i = 0; i < 7; i++) { /* Monday first */
		int d = (i + 1) % 7, last = i;

		if (day[d] == NULL)
			continue;
		while (last + 1 < 7 && day[(last + 2) % 7] != NULL && strcmp(day[(last + 2) % 7], day[d]) == 0)
			last++;
		buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", day_names[d]);
		if (last > i)
			buf_printf(&b, "-%s", day_names[(last + 1) % 7]);
		buf_printf(&b, " %s", day[d]);
		i = last;
	}
	for (int d = 0; d < 7; d++)
		free(day[d]);
	if (b.len == 0)
		buf_append_str(&b, "always");
	return buf_steal(&b, NULL);
}

/* Prints the team's routing settings and calendar. */
static int routing_show(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL;
	struct db_table *t = NULL, *h = NULL;
	int ret = ctl_tenant_resolve(ctl, a, a->pos[0], &tenant_id, &tenant_name);

	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, a->pos[0], &team_id);
	if (ret == 0 && db_report_team_routing(ctl->db, ctl_id(tenant_id), ctl_id(team_id), &t, &h, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0) {
		t->cells[4] = hours_text(h); /* the NULL placeholder */
		ctl_output_rows(ctl, t, "ssiss");
	}
	db_table_free(&t);
	db_table_free(&h);
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

/* Checks the options before anything is read or written. */
static int routing_args_check(const struct ctl_args *a)
{
	const char *strategy = ctl_opt_get(a, "strategy"), *max = ctl_opt_get(a, "max-open");
	const char *spec = ctl_opt_get(a, "hours"), *why;
	struct hours h;

	if (strategy != NULL && strcmp(strategy, "manual") != 0 && strcmp(strategy, "round-robin") != 0 &&
	    strcmp(strategy, "least-open") != 0)
		return ctl_usage_error(a, "unknown strategy \"%s\" (manual, round-robin, least-open)", strategy);
	if (max != NULL && (strlen(max) == 0 || strlen(max) > 6 || strspn(max, "0123456789") != strlen(max)))
		return ctl_usage_error(a, "invalid --max-open \"%s\": open tickets per agent, 0 for no cap", max);
	if (spec != NULL && ctl_opt_get(a, "no-hours") != NULL)
		return ctl_usage_error(a, "--hours and --no-hours exclude each other");
	if (spec != NULL && (why = hours_parse(spec, &h)) != NULL)
		return ctl_usage_error(a, "invalid --hours \"%s\": %s", spec, why);
	return 0;
}

int ctl_team_routing(struct ctl *ctl, const struct ctl_args *a)
{
	static const char *const setters[] = { "strategy", "max-open", "time-zone", "hours", "no-hours" };
	bool change = false;
	int ret = routing_args_check(a);

	for (size_t i = 0; i < sizeof(setters) / sizeof(setters[0]); i++)
		change = change || ctl_opt_get(a, setters[i]) != NULL;
	if (ret == 0 && change)
		ret = ctl_change_run(ctl, a, routing_change);
	return ret == 0 ? routing_show(ctl, a) : ret;
}

/* ---- SLA targets ---- */

/* --first-response / --resolution: whole minutes as text into out, "" for
 * "none" (no target). Returns false when it is neither. */
static bool target_parse(const char *s, char out[24])
{
	long long secs;

	if (strcmp(s, "none") == 0) {
		out[0] = '\0';
		return true;
	}
	secs = rules_duration_parse(s);
	if (secs < 60 || secs % 60 != 0)
		return false;
	snprintf(out, 24, "%lld", secs / 60);
	return true;
}

/* A parsed target as lib/db takes it (not given: keep it). */
static int64_t target_minutes(const char *given, const char *parsed)
{
	if (given == NULL)
		return DB_SLA_KEEP;
	return parsed[0] == '\0' ? DB_SLA_NONE : strtoll(parsed, NULL, 10);
}

int ctl_sla_set(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team"), *fr = ctl_opt_get(a, "first-response");
	const char *res = ctl_opt_get(a, "resolution"), *prio = ctl_opt_get(a, "priority");
	char *tenant_id = NULL, *tenant_name = NULL, *team_id = NULL, *error = NULL, frm[24], resm[24];
	int p = prio != NULL ? rules_priority_parse(prio) : -1, ret;

	if (team == NULL || prio == NULL)
		return ctl_usage_error(a, "give --team T and --priority P");
	if (p < 0)
		return ctl_usage_error(a, "unknown priority \"%s\" (low, medium, high, urgent or 0-3)", prio);
	if (fr == NULL && res == NULL)
		return ctl_usage_error(a, "nothing to set: give --first-response or --resolution");
	if ((fr != NULL && !target_parse(fr, frm)) || (res != NULL && !target_parse(res, resm)))
		return ctl_usage_error(a, "invalid target \"%s\": whole minutes as 30m, 4h, 2d, 1w, or none",
				       fr != NULL && !target_parse(fr, frm) ? fr : res);
	ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);
	if (ret == 0)
		ret = ctl_team_find(ctl, tenant_id, tenant_name, team, &team_id);
	if (ret == 0 && db_admin_sla_set(ctl->db, ctl_id(tenant_id), ctl_id(team_id), p, target_minutes(fr, frm),
					 target_minutes(res, resm), &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		printf("team \"%s\" in tenant \"%s\": SLA for priority %s set (new tickets and priority changes use it)\n",
		       team, tenant_name, rules_priority_name(p));
	free(tenant_id);
	free(tenant_name);
	free(team_id);
	return ret;
}

int ctl_sla_list(struct ctl *ctl, const struct ctl_args *a)
{
	const char *team = ctl_opt_get(a, "team");
	char *tenant_id = NULL, *tenant_name = NULL, *error = NULL;
	struct db_table *t;
	int ret = ctl_tenant_resolve(ctl, a, team, &tenant_id, &tenant_name);

	if (ret == 0 && db_report_slas(ctl->db, ctl_id(tenant_id), team, &t, &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0) {
		ctl_output_rows(ctl, t, "ssii");
		db_table_free(&t);
	}
	free(tenant_id);
	free(tenant_name);
	return ret;
}
