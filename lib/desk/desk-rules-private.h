#ifndef MD_DESK_RULES_PRIVATE_H
#define MD_DESK_RULES_PRIVATE_H
/* Shared by the rule engine's glue in lib/desk (desk-rules*.c,
 * desk-assign.c) only. */
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

/* The compiled program of (tenant, scope: a team id, or 0 for the
 * tenant-wide set); *prog_r NULL when there is none (or it does not
 * compile). Owned by the cache. Queries only when the entry is new or
 * desk_rules_changed() was called since it was last checked. */
int desk_rules_cache_program(struct db *db, struct desk_rules_cache *c, int64_t tenant_id, int64_t scope,
			     const struct rules_program **prog_r, char **error_r);
/* Whether the tenant has any rule set at all (tenant-wide or a team's),
 * with the same caching: a tenant without rules costs no query. */
int desk_rules_cache_any(struct db *db, struct desk_rules_cache *c, int64_t tenant_id, bool *any_r, char **error_r);
/* The calling thread's own cache, made on first use (freed when the
 * thread ends). */
struct desk_rules_cache *desk_rules_thread_cache(uint32_t match_limit);

/* What desk_rules_facts_load() read besides the facts themselves. */
struct desk_rules_ticket {
	int64_t team_id;
	/* RFC 3834: may a rule answer the message the facts come from
	 * (true when there is none)? why: why not. */
	bool may_autoreply;
	const char *why_not;
};
/* desk_rules_facts_load() with the header fields of message_id from
 * memory (fields, n_fields: a delivery's, as lib/mime parsed them, borrowed
 * until desk_rules_facts_free); fields NULL, or message_id 0 (the latest
 * customer mail): the stored header block is read and split instead. */
int desk_rules_facts_load_fields(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id,
				 const struct mime_field *fields, size_t n_fields, enum rules_event ev,
				 struct desk_rules_facts_store *store, char **error_r);
/* The extra facts of a loaded store (valid until desk_rules_facts_free). */
const struct desk_rules_ticket *desk_rules_facts_ticket(const struct desk_rules_facts_store *store);

/* One rule decision to carry out on a ticket; the context every action
 * needs. */
struct desk_rules_apply {
	struct db *db;
	const struct desk_settings *s;
	int64_t tenant_id, ticket_id, message_id;
	const struct desk_rules_ticket *tk;
	int64_t team_id; /* the ticket's team, as actions move it */
	bool changed;    /* some action took effect */
};
/* Carries out one action and records it (desk-rules-act.c). Returns 0
 * (also when the action could not apply: that is recorded as a
 * rule.failed event) or -1 on a database error. */
int desk_rules_act(struct desk_rules_apply *ap, const struct rules_action *act, char **error_r);
/* The actions that write mail or messages (desk-rules-mail.c). */
int desk_rules_act_reply(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			 char **error_r);
int desk_rules_act_note(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			char **error_r);
int desk_rules_act_notify(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			  char **error_r);

#endif
