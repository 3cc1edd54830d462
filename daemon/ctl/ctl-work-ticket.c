/* maildeskctl: "ticket snooze" and "ticket tag", as #snooze and #tag do
 * by mail. A snooze time is written in the team's time zone (the trigger
 * on tickets tells the daemons' wake-up timers at commit); a new tag runs
 * the tag.added rules. */
#include "config.h"
#include "ctl-rule.h"
#include "ctl-work.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "desk/desk-rules.h"
#include "db/db-outbound.h"
#include "desk/desk.h"

/* UNTIL as one string: "2026-12-01 09:00" may come as one or two words. */
static char *until_arg(const struct ctl_args *a)
{
	return a->n_pos > 2 ? xasprintf("%s %s", a->pos[1], a->pos[2]) : xstrdup(a->pos[1]);
}

/* ctl_change_run() callback of "ticket snooze": seconds from now or a
 * wall-clock time in the team's zone, through the one snooze of lib/desk
 * (with its event); a time that has passed fails the command, and the
 * caller's transaction with it. */
static int snooze_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	char *until = until_arg(a), *error = NULL;
	long long s = rules_duration_parse(until);
	struct db_snooze sn = { .kind = s > 0 ? DB_SNOOZE_FOR : DB_SNOOZE_LOCAL, .value = s > 0 ? s : 0,
				.local = s > 0 ? NULL : until, .refuse_past = false };
	struct db_snoozed out;
	struct ctl_work w;
	int ret = ctl_work_begin(ctl, a, &w), r = 0;

	if (ret == 0 && (r = desk_ticket_snooze(ctl->db, w.tenant_id, w.ticket_id, &sn, w.actor, &out, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && r == 0)
		ret = ctl_fail("ticket %s was not snoozed", w.t.number);
	else if (ret == 0 && out.past)
		ret = ctl_fail("%s is in the past", out.until);
	if (ret == 0)
		*done_r = xasprintf("ticket %s snoozed until %s", w.t.number, out.until);
	free(until);
	ctl_work_end(&w);
	return ret;
}

int ctl_ticket_snooze(struct ctl *ctl, const struct ctl_args *a)
{
	char *until;
	bool ok;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	until = until_arg(a);
	ok = rules_duration_parse(until) > 0 || ctl_date_valid(until);
	free(until);
	if (!ok)
		return ctl_usage_error(a, "invalid UNTIL: \"YYYY-MM-DD HH:MM\" (the team's time zone) or a duration"
				       " such as 30m, 4h, 2d, 1w");
	return ctl_change_run(ctl, a, snooze_change);
}

/* Tags as the schema takes them: [a-z0-9][a-z0-9_.-]{0,63}, lower-cased. */
static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && isalnum((unsigned char)s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Adds or removes one tag (desk_ticket_tag: the event with it). 1 changed,
 * 0 it already was so, -1 failed. */
static int tag_one(struct ctl *ctl, const struct ctl_work *w, const char *tag, bool remove)
{
	char *error = NULL;
	int changed = desk_ticket_tag(ctl->db, w->tenant_id, w->ticket_id, tag, remove, w->actor, &error);

	if (changed < 0)
		ctl_db_fail(error);
	return changed;
}

/* The tag.added rules for one new tag. */
static int tag_rules_run(struct ctl *ctl, const struct ctl_desk *d, const struct ctl_work *w, const char *tag)
{
	struct desk_rules_event e = { .event = RULES_EV_TAG_ADDED, .tenant_id = w->tenant_id,
				      .ticket_id = w->ticket_id, .added_tag = tag };
	char *error = NULL;

	if (desk_rules_run(ctl->db, &d->s, NULL, &e, NULL, &error) < 0) {
		ctl_fail("%s", error != NULL ? error : "the tag.added rules failed");
		free(error);
		return -1;
	}
	return 0;
}

/* "ticket 1042: tagged a, b (already had c)". */
static char *tag_done(const char *number, bool remove, const struct buf *changed, const struct buf *same)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "ticket %s: %s %s", number, remove ? "removed" : "tagged",
		   changed->len > 0 ? changed->data : "nothing");
	if (same->len > 0)
		buf_printf(&b, " (%s %s)", remove ? "did not have" : "already had", same->data);
	return buf_steal(&b, NULL);
}

/* ctl_change_run() callback of "ticket tag". */
static int tag_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	bool remove = ctl_opt_get(a, "remove") != NULL;
	struct buf changed, same;
	struct ctl_desk d = { 0 };
	struct ctl_work w;
	int ret = ctl_work_begin(ctl, a, &w);

	if (ret == 0 && !remove)
		ret = ctl_work_desk_load(ctl, &d);
	buf_init(&changed, 0);
	buf_init(&same, 0);
	for (size_t i = 1; ret == 0 && i < a->n_pos; i++) {
		char *tag = xstrdup(a->pos[i]);
		int r;

		for (char *c = tag; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		r = tag_one(ctl, &w, tag, remove);
		if (r < 0 || (r > 0 && !remove && tag_rules_run(ctl, &d, &w, tag) < 0))
			ret = CTL_EXIT_FAIL;
		buf_printf(r > 0 ? &changed : &same, "%s%s", (r > 0 ? changed.len : same.len) > 0 ? ", " : "", tag);
		free(tag);
	}
	if (ret == 0)
		*done_r = tag_done(w.t.number, remove, &changed, &same);
	buf_free(&changed);
	buf_free(&same);
	if (!remove)
		ctl_desk_free(&d);
	ctl_work_end(&w);
	return ret;
}

int ctl_ticket_tag(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	for (size_t i = 1; i < a->n_pos; i++) {
		if (!tag_valid(a->pos[i]))
			return ctl_usage_error(a, "invalid tag \"%s\": 1-64 of a-z 0-9 _ . - (starting with a letter or digit)",
					       a->pos[i]);
	}
	return ctl_change_run(ctl, a, tag_change);
}

/* ctl_change_run() callback of "ticket event": the external.event rules
 * for one named event, as an integration would fire them. */
static int event_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct ctl_work w;
	struct ctl_desk d;
	bool changed = false;
	char *error = NULL;
	int ret = ctl_work_begin(ctl, a, &w);

	if (ret == 0 && (ret = ctl_work_desk_load(ctl, &d)) == 0) {
		struct desk_rules_event e = { .event = RULES_EV_EXTERNAL, .tenant_id = w.tenant_id,
					      .ticket_id = w.ticket_id, .event_name = a->pos[1] };

		ret = ctl_ticket_event_add(ctl, &w.t, "external.event", w.actor, a->pos[1]);
		if (ret == 0 && desk_rules_run(ctl->db, &d.s, NULL, &e, &changed, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "the external.event rules failed");
		ctl_desk_free(&d);
	}
	if (ret == 0)
		*done_r = xasprintf("ticket %s: event %s, %s", w.t.number, a->pos[1],
				    changed ? "rules acted" : "no rule acted");
	free(error);
	ctl_work_end(&w);
	return ret;
}

int ctl_ticket_event(struct ctl *ctl, const struct ctl_args *a)
{
	const char *name = a->pos[1];

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (name[0] == '\0' || strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(name))
		return ctl_usage_error(a, "invalid event name \"%s\": 1-64 of a-z 0-9 _ . -", name);
	return ctl_change_run(ctl, a, event_change);
}

/* ctl_change_run() callback of "ticket cc": the same change as #cc. */
static int cc_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	bool remove = strcmp(a->pos[1], "remove") == 0, changed = false;
	char *address = xstrdup(a->pos[2]), *refused = NULL, *error = NULL;
	struct ctl_work w;
	int ret = ctl_work_begin(ctl, a, &w);

	for (char *c = address; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	if (ret == 0 && desk_ticket_cc(ctl->db, w.tenant_id, w.ticket_id, address, remove, w.actor, &changed, &refused,
				       &error) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && refused != NULL)
		ret = ctl_fail("%s", refused);
	if (ret == 0)
		*done_r = xasprintf("ticket %s: %s %s", w.t.number, address,
				    remove ? (changed ? "removed from the participants" : "was no participant")
					   : (changed ? "added to the participants" : "already gets the answers"));
	free(refused);
	free(address);
	ctl_work_end(&w);
	return ret;
}

int ctl_ticket_cc(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (strcmp(a->pos[1], "add") != 0 && strcmp(a->pos[1], "remove") != 0)
		return ctl_usage_error(a, "\"%s\": use add or remove", a->pos[1]);
	/* The same address rules as #cc by mail and as the outbound queue. */
	if (!ctl_address_valid(a->pos[2]) || !db_outbound_address_valid(a->pos[2], false))
		return ctl_usage_error(a, "\"%s\" is not an address", a->pos[2]);
	return ctl_change_run(ctl, a, cc_change);
}
