/* Running the rules of an event on a ticket: the tenant-wide program, then
 * the program of the ticket's team (after the tenant-wide rules, so a
 * tenant rule that moves the ticket hands it to the new team's rules),
 * each decision carried out and recorded as it comes. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-desk-rules.h"

/* Evaluates one program and carries out its decisions. *stopped_r: a rule
 * said stop. */
static int program_run(struct desk_rules_apply *ap, const struct rules_program *prog,
		       const struct rules_facts *f, bool *stopped_r, char **error_r)
{
	struct rules_result r;
	int ret = 0;

	memset(&r, 0, sizeof(r));
	if (rules_eval(prog, f, &r) < 0) {
		*error_r = xstrdup("rules: out of memory");
		return -1;
	}
	/* A pattern that hit the match limit counted as no match: say so,
	 * or nobody learns why a rule never fires. */
	for (size_t i = 0; i < r.n_trace; i++)
		if (r.trace[i].outcome == RULES_LIMIT)
			log_warn("event=rules.match_limit tenant=%" PRId64 " ticket=%" PRId64 " rule_line=%u",
				 ap->tenant_id, ap->ticket_id, r.trace[i].line);
	for (size_t i = 0; i < r.n_actions && ret == 0; i++)
		ret = desk_rules_act(ap, &r.actions[i], error_r);
	*stopped_r = r.stopped;
	rules_result_free(&r);
	return ret;
}

/* Loads the facts of e (with the event's own fields). */
static int facts_load(struct db *db, const struct desk_rules_event *e, struct desk_rules_facts_store *st,
		      char **error_r)
{
	if (desk_rules_facts_load_fields(db, e->tenant_id, e->ticket_id, e->message_id, e->fields, e->n_fields,
					 e->event, st, error_r) < 0)
		return -1;
	st->facts.event_name = e->event_name;
	st->facts.added_tag = e->added_tag;
	return 0;
}

/* The team's rules, on fresh facts when the tenant's rules changed the
 * ticket (its team, tags, priority ... as they are now). */
static int team_run(struct desk_rules_apply *ap, struct desk_rules_cache *cache, const struct desk_rules_event *e,
		    struct desk_rules_facts_store *st, char **error_r)
{
	const struct rules_program *prog;
	bool stopped;

	if (ap->changed) {
		desk_rules_facts_free(st);
		if (facts_load(ap->db, e, st, error_r) < 0)
			return -1;
		ap->tk = desk_rules_facts_ticket(st);
		ap->team_id = ap->tk->team_id;
	}
	if (desk_rules_cache_program(ap->db, cache, e->tenant_id, ap->team_id, &prog, error_r) < 0)
		return -1;
	return prog == NULL ? 0 : program_run(ap, prog, &st->facts, &stopped, error_r);
}

/* Both programs, in order; a stop in the tenant's ends the run. */
static int programs_run(struct desk_rules_apply *ap, struct desk_rules_cache *cache,
			const struct desk_rules_event *e, char **error_r)
{
	struct desk_rules_facts_store st;
	const struct rules_program *tenant_prog;
	bool stopped = false;
	int ret;

	if (desk_rules_cache_program(ap->db, cache, e->tenant_id, 0, &tenant_prog, error_r) < 0 ||
	    facts_load(ap->db, e, &st, error_r) < 0)
		return -1;
	ap->tk = desk_rules_facts_ticket(&st);
	ap->team_id = ap->tk->team_id;
	/* A merged ticket lives on in another: nothing acts on it. */
	if (st.facts.status != NULL && strcmp(st.facts.status, "merged") == 0) {
		ap->tk = NULL;
		desk_rules_facts_free(&st);
		return 0;
	}
	ret = tenant_prog == NULL ? 0 : program_run(ap, tenant_prog, &st.facts, &stopped, error_r);
	if (ret == 0 && !stopped)
		ret = team_run(ap, cache, e, &st, error_r);
	ap->tk = NULL;
	desk_rules_facts_free(&st);
	return ret;
}

int desk_rules_run(struct db *db, const struct desk_settings *s, struct desk_rules_cache *cache,
		   const struct desk_rules_event *e, bool *changed_r, char **error_r)
{
	struct desk_rules_apply ap = { .db = db, .s = s, .tenant_id = e->tenant_id, .ticket_id = e->ticket_id,
				       .message_id = e->message_id };
	bool any;

	if (cache == NULL)
		cache = desk_rules_thread_cache(s->rule_match_limit);
	if (desk_rules_cache_any(db, cache, e->tenant_id, &any, error_r) < 0 ||
	    (any && programs_run(&ap, cache, e, error_r) < 0))
		return -1;
	/* A rule may have moved the ticket to a team with a policy. */
	if (e->event == RULES_EV_TICKET_CREATED && !(e->skip_sla && !ap.changed) &&
	    desk_sla_update(db, e->tenant_id, e->ticket_id, error_r) < 0)
		return -1;
	if (changed_r != NULL)
		*changed_r = ap.changed;
	return 0;
}

int desk_rules_inbound(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r)
{
	struct desk_rules_event e = {
		.event = r->new_ticket ? RULES_EV_TICKET_CREATED : RULES_EV_MESSAGE_RECEIVED,
		.tenant_id = tenant_id, .ticket_id = r->ticket_id, .message_id = r->message_id,
		.fields = m->fields, .n_fields = m->n_fields, .skip_sla = r->skip_sla,
	};

	if (r->duplicate || r->ticket_id == 0)
		return 0;
	return desk_rules_run(db, s, NULL, &e, NULL, error_r);
}

int desk_rules_agent_answered(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			      int64_t message_id, const struct db_message_in *m, char **error_r)
{
	struct desk_rules_event e = {
		.event = RULES_EV_AGENT_REPLIED, .tenant_id = tenant_id, .ticket_id = ticket_id,
		.message_id = message_id, .fields = m != NULL ? m->fields : NULL, .n_fields = m != NULL ? m->n_fields : 0,
	};

	if (desk_sla_first_response(db, tenant_id, ticket_id, error_r) < 0)
		return -1;
	return desk_rules_run(db, s, NULL, &e, NULL, error_r);
}

int desk_rules_tags_added(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			  int64_t message_id, const struct db_message_in *m, const struct agent_reply *reply,
			  char **error_r)
{
	for (size_t i = 0; i < reply->cmds_count; i++) {
		struct desk_rules_event e = {
			.event = RULES_EV_TAG_ADDED, .tenant_id = tenant_id, .ticket_id = ticket_id,
			.message_id = message_id, .added_tag = reply->cmds[i].arg,
			.fields = m != NULL ? m->fields : NULL, .n_fields = m != NULL ? m->n_fields : 0,
		};
		int added;

		if (reply->cmds[i].type != AGENT_CMD_TAG)
			continue;
		/* Only a tag this transaction added. */
		if ((added = db_desk_tag_added_now(db, tenant_id, ticket_id, reply->cmds[i].arg, error_r)) < 0)
			return -1;
		if (added && desk_rules_run(db, s, NULL, &e, NULL, error_r) < 0)
			return -1;
	}
	return 0;
}
