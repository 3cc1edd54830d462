#ifndef MD_CTL_RULE_H
#define MD_CTL_RULE_H
/* What the "rule ..." commands share (ctl-rule.c, ctl-rule-test.c,
 * ctl-rule-facts.c) and the small helpers the agent's work commands use
 * too (ctl-work*.c). Internal to maildeskctl. */
#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "rules/rules.h"

/* Which rule set a command means: a team's, or the tenant-wide one
 * (team NULL, team_id NULL). */
struct ctl_rule_scope {
	char *tenant_id, *tenant_name, *team_id;
	const char *team; /* --team, borrowed from the arguments */
};
/* Resolves --team T | --tenant-wide [--tenant T]. With need_one, one of the
 * two must be given (else a usage error); without, neither means "every
 * rule set of the tenant" (team and team_id NULL, *all_r true). Returns 0,
 * or prints why and returns the exit code; free sc either way. */
int ctl_rule_scope_resolve(struct ctl *ctl, const struct ctl_args *a, bool need_one, struct ctl_rule_scope *sc,
			   bool *all_r);
void ctl_rule_scope_free(struct ctl_rule_scope *sc);
/* "team \"T\"" or "tenant \"N\" (tenant-wide)", malloc'd, for messages. */
char *ctl_rule_scope_text(const struct ctl_rule_scope *sc);

/* The PCRE2 match limit: rule_match_limit of the configuration file when
 * it can be read, else lib/rules' default (0). */
uint32_t ctl_rule_match_limit(const struct ctl *ctl);
/* Reads FILE and compiles it. Returns 0 with *p_r (and *source_r, *len_r
 * when not NULL, malloc'd), or prints "FILE:LINE:COL: message" and fails. */
int ctl_rule_compile_file(const struct ctl *ctl, const char *path, struct rules_program **p_r, char **source_r,
			  size_t *len_r);
/* "ticket.created, message.received": the events of mask, malloc'd. */
char *ctl_rule_events_text(unsigned mask);
/* One action as the rule language writes it ("tag \"billing\""), malloc'd. */
char *ctl_rule_action_text(const struct rules_action *act);
/* "matched", "no match", ... */
const char *ctl_rule_outcome_text(enum rules_outcome o);

/* Facts of a message file as a new ticket of a team would see them
 * (ctl-rule-facts.c); the strings live in the store. */
struct ctl_eml_facts {
	struct rules_facts facts;
	void *priv;
};
int ctl_eml_facts_load(struct ctl *ctl, const struct ctl_rule_scope *sc, const char *path, enum rules_event ev,
		       struct ctl_eml_facts *f);
void ctl_eml_facts_free(struct ctl_eml_facts *f);

/* "rule test" and "rule replay" (ctl-rule-test.c). */
int ctl_rule_test(struct ctl *ctl, const struct ctl_args *a);
int ctl_rule_replay(struct ctl *ctl, const struct ctl_args *a);

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM": the wall-clock times commands take
 * (in a team's time zone). Checks the form only; PostgreSQL the date. */
bool ctl_date_valid(const char *s);

/* A table built in memory, printed with ctl_output_rows(). */
struct db_table *ctl_table_new(size_t n_cols, const char *const *names);
/* Appends a row of n_cols values (copied; NULL stays SQL NULL). */
void ctl_table_add(struct db_table *t, const char *const *values);

#endif
