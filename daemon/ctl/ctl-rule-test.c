/* maildeskctl: "rule test" (a rule file against a message file) and "rule
 * replay" (the loaded rules against stored messages). Both only evaluate:
 * lib/rules is pure, and replay reads inside a read-only transaction that
 * is rolled back, so nothing changes. */
#include "config.h"
#include "ctl-rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-rule.h"
#include "desk/desk-rules.h"

/* The actions of one rule, indented under it (text) or as a JSON list. */
static void actions_print(const struct rules_result *r, const char *rule, json_t *list)
{
	for (size_t i = 0; i < r->n_actions; i++) {
		char *s;

		if (strcmp(r->actions[i].rule, rule) != 0)
			continue;
		s = ctl_rule_action_text(&r->actions[i]);
		if (list != NULL) {
			json_array_append_new(list, json_string(s));
		} else {
			char *safe = ctl_output_sanitize(s, false);
			printf("    %s\n", safe);
			free(safe);
		}
		free(s);
	}
}

/* Every rule with its outcome; the actions under each matched one. The
 * tenant-wide rules (wide) say so. */
static void trace_print(const struct rules_result *r, bool only_matched, bool wide)
{
	for (size_t i = 0; i < r->n_trace; i++) {
		const struct rules_trace *tr = &r->trace[i];
		char *name;

		if (only_matched && tr->outcome != RULES_MATCHED)
			continue;
		name = ctl_output_sanitize(tr->rule, false);
		printf("  %s (line %u%s): %s\n", name, tr->line, wide ? ", tenant-wide" : "",
		       ctl_rule_outcome_text(tr->outcome));
		free(name);
		if (tr->outcome == RULES_MATCHED)
			actions_print(r, tr->rule, NULL);
	}
}

/* "--event E", default ticket.created. Returns the event or -1. */
static int event_arg(const struct ctl_args *a)
{
	const char *e = ctl_opt_get(a, "event");

	return e != NULL ? rules_event_parse(e) : RULES_EV_TICKET_CREATED;
}

/* --json of "rule test": the message's facts and every rule's outcome,
 * with the actions of the matched ones. */
static json_t *test_json(const struct rules_facts *f, const struct rules_result *r)
{
	json_t *rules = json_array();

	for (size_t i = 0; i < r->n_trace; i++) {
		const struct rules_trace *tr = &r->trace[i];
		json_t *actions = json_array();

		if (tr->outcome == RULES_MATCHED)
			actions_print(r, tr->rule, actions);
		json_array_append_new(rules, json_pack("{s:s, s:i, s:s, s:o}", "rule", tr->rule, "line", (int)tr->line,
						       "outcome", ctl_rule_outcome_text(tr->outcome), "actions",
						       actions));
	}
	return json_pack("{s:s, s:s, s:s?, s:s, s:o}", "event", rules_event_name(f->event), "from", f->from,
			 "to", f->to, "subject", f->subject, "rules", rules);
}

/* Evaluates and prints; facts loaded, program compiled. */
static int test_run(const struct ctl *ctl, const struct rules_program *p, const struct ctl_eml_facts *ef)
{
	const struct rules_facts *f = &ef->facts;
	struct rules_result r = { 0 };
	char *from, *subject;

	if (rules_eval(p, f, &r) < 0)
		return ctl_fail("out of memory evaluating the rules");
	if (ctl->json) {
		ctl_output_json_print(test_json(f, &r));
		rules_result_free(&r);
		return 0;
	}
	from = ctl_output_sanitize(f->from, false);
	subject = ctl_output_sanitize(f->subject, false);
	printf("%s from %s to %s, subject \"%s\":\n", rules_event_name(f->event), from[0] != '\0' ? from : "<>",
	       f->to != NULL ? f->to : "-", subject);
	free(from);
	free(subject);
	if (r.n_trace == 0)
		printf("  (no rules)\n");
	trace_print(&r, false, false);
	rules_result_free(&r);
	return 0;
}

int ctl_rule_test(struct ctl *ctl, const struct ctl_args *a)
{
	struct ctl_rule_scope sc;
	struct ctl_eml_facts ef = { 0 };
	struct rules_program *p = NULL;
	int ev = event_arg(a), ret;

	if (ctl_opt_get(a, "team") == NULL)
		return ctl_usage_error(a, "missing --team T");
	if (ev < 0)
		return ctl_usage_error(a, "unknown event \"%s\"", ctl_opt_get(a, "event"));
	ret = ctl_rule_scope_resolve(ctl, a, true, &sc, NULL);
	if (ret == 0)
		ret = ctl_rule_compile_file(ctl, a->pos[0], &p, NULL, NULL);
	if (ret == 0)
		ret = ctl_eml_facts_load(ctl, &sc, a->pos[1], (enum rules_event)ev, &ef);
	/* The ticket's order as the rules would see it (default: none). */
	if (ret == 0)
		ef.facts.order = ctl_opt_get(a, "order");
	if (ret == 0)
		ret = test_run(ctl, p, &ef);
	ctl_eml_facts_free(&ef);
	rules_program_free(&p);
	ctl_rule_scope_free(&sc);
	return ret;
}

/* ---- rule replay ---- */

/* The loaded programs that run for the team: tenant-wide, then its own. */
struct replay {
	struct rules_program *progs[2];
	bool wide[2]; /* progs[i] is the tenant-wide program */
	size_t n_progs;
	int64_t tenant_id;
	json_t *out; /* --json: the array being built */
};

/* Compiles the stored rule sets. A stored set that no longer compiles
 * (written for another version of the language) is an error. */
static int replay_programs(struct ctl *ctl, const struct ctl_rule_scope *sc, struct replay *rp)
{
	struct rules_limits limits = { .match_limit = ctl_rule_match_limit(ctl) };
	struct db_table *t;
	char *error = NULL;
	int ret = 0;

	if (db_report_rule_programs(ctl->db, ctl_id(sc->tenant_id), ctl_id(sc->team_id), &t, &error) < 0)
		return ctl_db_fail(error);
	for (size_t r = 0; r < t->n_rows && ret == 0; r++) {
		const char *src = db_table_get(t, r, 0);
		struct rules_error err;

		rp->progs[rp->n_progs] = rules_compile(src, strlen(src), &limits, &err);
		if (rp->progs[rp->n_progs] == NULL)
			ret = ctl_fail("the loaded rules (%s):%u:%u: %s", db_table_get(t, r, 1), err.line, err.column,
				       err.message);
		else
			rp->wide[rp->n_progs++] = db_table_get(t, r, 2)[0] == 't';
	}
	db_table_free(&t);
	return ret;
}

/* One message: its facts, every program, what matched. */
static int replay_message(struct ctl *ctl, struct replay *rp, const struct db_table *msgs, size_t row)
{
	enum rules_event ev = db_table_get(msgs, row, 3)[0] == 't' ? RULES_EV_TICKET_CREATED : RULES_EV_MESSAGE_RECEIVED;
	struct desk_rules_facts_store store = { 0 };
	json_t *obj = NULL, *matched = NULL, *actions = NULL;
	char *error = NULL, tb[32];
	bool any = false;

	if (desk_rules_facts_load(ctl->db, rp->tenant_id, strtoll(db_table_get(msgs, row, 1), NULL, 10),
				  strtoll(db_table_get(msgs, row, 0), NULL, 10), ev, &store, &error) < 0)
		return ctl_db_fail(error);
	if (rp->out != NULL) {
		obj = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "message", (json_int_t)strtoll(db_table_get(msgs, row, 0), NULL, 10),
				"ticket", (json_int_t)strtoll(db_table_get(msgs, row, 2), NULL, 10), "event",
				rules_event_name(ev), "received", db_table_get(msgs, row, 4), "from",
				db_table_get(msgs, row, 5), "subject", db_table_get(msgs, row, 6));
		matched = json_array();
		actions = json_array();
	} else {
		char *from = ctl_output_sanitize(db_table_get(msgs, row, 5), false);
		char *subject = ctl_output_sanitize(db_table_get(msgs, row, 6), false);
		printf("message %s (ticket %s, %s, %s) from %s: \"%s\"\n", db_table_get(msgs, row, 0),
		       db_table_get(msgs, row, 2), rules_event_name(ev),
		       ctl_output_time(db_table_get(msgs, row, 4), tb, sizeof(tb)), from, subject);
		free(from);
		free(subject);
	}
	for (size_t i = 0; i < rp->n_progs; i++) {
		struct rules_result r = { 0 };

		if (rules_eval(rp->progs[i], &store.facts, &r) < 0) {
			desk_rules_facts_free(&store);
			json_decref(obj);
			json_decref(matched);
			json_decref(actions);
			return ctl_fail("out of memory evaluating the rules");
		}
		for (size_t k = 0; k < r.n_trace; k++) {
			if (r.trace[k].outcome != RULES_MATCHED)
				continue;
			any = true;
			if (matched != NULL) {
				json_array_append_new(matched, json_pack("{s:s, s:b}", "rule", r.trace[k].rule,
									 "tenant_wide", rp->wide[i]));
				actions_print(&r, r.trace[k].rule, actions);
			}
		}
		if (rp->out == NULL)
			trace_print(&r, true, rp->wide[i]);
		rules_result_free(&r);
	}
	if (rp->out != NULL) {
		json_object_set_new(obj, "matched", matched);
		json_object_set_new(obj, "actions", actions);
		json_array_append_new(rp->out, obj);
	} else if (!any) {
		printf("  no rule matched\n");
	}
	desk_rules_facts_free(&store);
	return 0;
}

/* Messages, then each one, inside the read-only transaction. */
static int replay_run(struct ctl *ctl, const struct ctl_args *a, const struct ctl_rule_scope *sc, struct replay *rp)
{
	struct db_table *msgs = NULL;
	char *error = NULL;
	int ret = replay_programs(ctl, sc, rp);

	if (ret == 0 && rp->n_progs == 0)
		ret = ctl_fail("no rules loaded for team \"%s\" or its tenant", sc->team);
	if (ret == 0 && db_report_rule_replay_messages(ctl->db, ctl_id(sc->tenant_id), ctl_id(sc->team_id),
						       ctl_opt_get(a, "since"), ctl_opt_get(a, "until"), &msgs, &error) < 0)
		ret = ctl_db_fail(error);
	for (size_t r = 0; ret == 0 && r < msgs->n_rows; r++)
		ret = replay_message(ctl, rp, msgs, r);
	if (ret == 0 && rp->out == NULL && msgs->n_rows == 0)
		printf("no customer messages in that time\n");
	db_table_free(&msgs);
	return ret;
}

int ctl_rule_replay(struct ctl *ctl, const struct ctl_args *a)
{
	const char *since = ctl_opt_get(a, "since"), *until = ctl_opt_get(a, "until");
	struct replay rp = { 0 };
	struct ctl_rule_scope sc;
	char *error = NULL;
	int ret;

	if (ctl_opt_get(a, "team") == NULL)
		return ctl_usage_error(a, "missing --team T");
	if (since == NULL)
		return ctl_usage_error(a, "missing --since DATE");
	if (!ctl_date_valid(since) || (until != NULL && !ctl_date_valid(until)))
		return ctl_usage_error(a, "invalid date \"%s\": YYYY-MM-DD or \"YYYY-MM-DD HH:MM\" (the team's time zone)",
				       !ctl_date_valid(since) ? since : until);
	ret = ctl_rule_scope_resolve(ctl, a, true, &sc, NULL);
	if (ret == 0 && db_report_begin_read_only(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0) {
		rp.tenant_id = strtoll(sc.tenant_id, NULL, 10);
		rp.out = ctl->json ? json_array() : NULL;
		ret = replay_run(ctl, a, &sc, &rp);
		db_rollback(ctl->db);
	}
	if (ret == 0 && rp.out != NULL)
		ctl_output_json_print(rp.out);
	else
		json_decref(rp.out);
	for (size_t i = 0; i < rp.n_progs; i++)
		rules_program_free(&rp.progs[i]);
	ctl_rule_scope_free(&sc);
	return ret;
}
