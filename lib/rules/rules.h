#ifndef MD_RULES_H
#define MD_RULES_H
/* The rule language of maildesk-rules(5): compiled from text, evaluated
 * against a snapshot of facts, returning decisions. Pure: no database, no
 * I/O, no global state (PCRE2 does the regular expressions), so a compiled
 * program may be shared read-only by several threads, each evaluating with
 * its own struct rules_result.
 *
 * Language summary (the man page is the reference):
 *
 *   # a comment
 *   rule "Invoices go to billing" on ticket.created, message.received
 *     if subject contains "invoice" and not from.domain is "example.org"
 *     then
 *       move to team "Billing"
 *       assign round-robin max 10
 *       tag "billing", "money"
 *       set priority high
 *       set field "order" from subject matching "ORD-([0-9]+)"
 *       stop
 *   end
 *
 * Events: ticket.created message.received agent.replied ticket.woke
 * sla.breached tag.added external.event ticket.solved.
 * Conditions ("if" is optional: no "if" always matches), combined with
 * and / or / not and parentheses (not binds tightest, then and, then or):
 *   text fields: from, from.domain, to, subject, body, team, status,
 *     assignee, header "Name", attachment.name, attachment.type, tag,
 *     order (the ticket's order reference, "" when none),
 *     event.name, added_tag (only in rules on external.event resp.
 *     tag.added: a compile error otherwise)
 *     with: is, is not, contains, starts with, ends with, matches "REGEX",
 *     in ("a", "b")  -- is/contains/starts/ends/in ignore case (Unicode);
 *     matches is PCRE2 (UTF, case-sensitive unless "(?i)"); multi-valued
 *     fields (tag, header, attachment.*) hold when any value does, except
 *     "is not", which holds when no value is; a missing header is one
 *     empty value; status also takes bare words (status is open);
 *   header "Name" exists, attachment exists, assignee is none,
 *   order is empty, order is not empty;
 *   priority is|is not|<|<=|>|>= low|medium|high|urgent|0..3, and
 *     priority in (P, ...);
 *   status is open|pending|snoozed|solved|closed;
 *   customer.open_tickets (=, is, <, <=, >, >=) N   -- the requester's
 *     OTHER open tickets;
 *   business_hours   -- a bare boolean.
 * Actions (one per line after "then"):
 *   move to team "T" | assign to "agent@x" (lower-cased) |
 *   assign round-robin [max N] | assign least-open [max N] | unassign |
 *   tag "a"[, "b"...] (tags: [a-z0-9][a-z0-9_.-]{0,63}) |
 *   untag "a"[, ...] | set priority P | snooze for DURATION (30m, 4h, 2d,
 *   1w, 1d12h) | snooze until "YYYY-MM-DD HH:MM" (team's time zone) |
 *   close | reply with template "name" | note "text" | notify "addr@x" |
 *   set field "name" to "value" |
 *   set field "name" from FIELD matching "REGEX" (group 1, else the whole
 *     match; FIELD: subject, body, from, header "Name" (its first value);
 *     no match: the action is skipped) |
 *   set order "REF" (1-64 visible ASCII characters) | clear order |
 *   no order reminder (the team's order reminder never fires for the
 *     ticket) | stop (the rule's last action)
 * Strings: double quotes, one line; \" and \\ are escapes, any other
 * backslash stays (so "\d+" is the regex \d+). Keywords are lower case.
 * Later rules see the effects of earlier rules of the same run on tags,
 * priority, status, team, order and assignee ("assign to" sets it; a strategy
 * assignment makes "assignee is none" false). Actions never fire events
 * themselves (no cascades, so rules cannot loop). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rules_event {
	RULES_EV_TICKET_CREATED,
	RULES_EV_MESSAGE_RECEIVED,
	RULES_EV_AGENT_REPLIED,
	RULES_EV_TICKET_WOKE,
	RULES_EV_SLA_BREACHED,
	RULES_EV_TAG_ADDED,
	RULES_EV_EXTERNAL,
	RULES_EV_TICKET_SOLVED,
	RULES_EV_COUNT
};
/* "ticket.created" ...; rules_event_parse returns -1 for unknown names. */
const char *rules_event_name(enum rules_event ev);
int rules_event_parse(const char *name);

/* Where and why a program is wrong. line and column are 1-based; the
 * column counts characters (UTF-8 sequences as one, a tab as one) and
 * points at the offending token (for a bad regular expression, at the
 * character of the pattern PCRE2 complains about). */
struct rules_error {
	unsigned line, column;
	char message[256];
};

struct rules_program;

struct rules_limits {
	uint32_t match_limit; /* PCRE2 match limit per match; 0 = 100000 */
	uint32_t depth_limit; /* PCRE2 backtracking depth limit; 0 = 10000 */
};

/* Compiles a program of len bytes (need not be NUL-terminated; must be
 * UTF-8 without NUL bytes). Returns NULL with *err filled on the first
 * error. An empty program (no rules) is valid. Rule names must be unique. */
struct rules_program *rules_compile(const char *text, size_t len, const struct rules_limits *limits,
				    struct rules_error *err);
void rules_program_free(struct rules_program **p);

/* The rules of a program, in order, for listings. */
size_t rules_count(const struct rules_program *p);
const char *rules_name(const struct rules_program *p, size_t i);
unsigned rules_line(const struct rules_program *p, size_t i);
/* Bit i set for each enum rules_event the rule runs on. */
unsigned rules_events(const struct rules_program *p, size_t i);

/* Names a program refers to that only the database can check (a team, an
 * agent, a template), with where they appear, so "rule load" can say
 * "FILE:LINE:COL: no team "Billing"" before anything is stored. */
enum rules_ref_kind { RULES_REF_TEAM, RULES_REF_AGENT, RULES_REF_TEMPLATE };
struct rules_ref {
	enum rules_ref_kind kind;
	const char *name; /* owned by the program */
	unsigned line, column;
};
/* The refs, owned by the program; *n_r gets how many. */
const struct rules_ref *rules_refs(const struct rules_program *p, size_t *n_r);

/* ---- Facts: the snapshot one evaluation reads. All strings borrowed
 * for the call, UTF-8; NULL counts as "". Addresses in lower case. ---- */
struct rules_header {
	const char *name, *value; /* value unfolded and decoded */
};
struct rules_attachment {
	const char *name, *type; /* file name, content type */
};
struct rules_facts {
	enum rules_event event;
	const char *from;    /* the sender's address */
	const char *to;      /* the team alias the mail came to */
	const char *subject;
	const char *body;    /* the text body */
	const struct rules_header *headers;
	size_t n_headers;
	const struct rules_attachment *attachments;
	size_t n_attachments;
	const char *const *tags;
	size_t n_tags;
	int priority;        /* 0..3 */
	const char *team;    /* the ticket's team name */
	const char *status;  /* the ticket's status */
	const char *assignee; /* agent email, "" when unassigned */
	bool business_hours; /* now, in the team's calendar (true without one) */
	unsigned customer_open_tickets; /* the requester's other open tickets */
	const char *event_name; /* external.event: its name */
	const char *added_tag;  /* tag.added: the tag */
	const char *order;      /* the ticket's order reference, "" when none */
	const char *reason;     /* a request's reason (its name), "" for other tickets */
	const char *event_type; /* the shop event that opened the ticket (order.action_required), "" for others */
};

/* ---- Decisions ---- */
enum rules_action_kind {
	RULES_ACT_MOVE_TEAM,       /* text: team name */
	RULES_ACT_ASSIGN,          /* text: agent email */
	RULES_ACT_ASSIGN_STRATEGY, /* strategy, max_open (0 = no cap) */
	RULES_ACT_UNASSIGN,
	RULES_ACT_TAG_ADD,         /* text: tag (one action per tag) */
	RULES_ACT_TAG_REMOVE,      /* text: tag */
	RULES_ACT_SET_PRIORITY,    /* priority */
	RULES_ACT_SNOOZE_FOR,      /* seconds */
	RULES_ACT_SNOOZE_UNTIL,    /* text: "YYYY-MM-DD HH:MM", team's time zone */
	RULES_ACT_CLOSE,
	RULES_ACT_REPLY_TEMPLATE,  /* text: template name */
	RULES_ACT_NOTE,            /* text: the note */
	RULES_ACT_NOTIFY,          /* text: address */
	RULES_ACT_SET_FIELD,       /* text: field name, value: its value */
	RULES_ACT_SET_ORDER,       /* text: the order reference (valid: base/orderref.h) */
	RULES_ACT_CLEAR_ORDER,
	RULES_ACT_NO_ORDER_REMINDER, /* the ticket never gets the order reminder */
};
enum rules_strategy { RULES_ROUND_ROBIN, RULES_LEAST_OPEN };

struct rules_action {
	enum rules_action_kind kind;
	const char *rule;  /* the rule's name (owned by the program) */
	unsigned line;     /* of the action in the source */
	const char *text;  /* owned by the program */
	char *value;       /* SET_FIELD: malloc'd, owned by the result */
	int priority;
	long long seconds;
	enum rules_strategy strategy;
	unsigned max_open;
};

/* What happened to each rule, for "rule test" and logs. */
enum rules_outcome {
	RULES_NOT_THIS_EVENT, /* the rule does not run on this event */
	RULES_NO_MATCH,
	RULES_MATCHED,
	RULES_LIMIT,          /* a regular expression hit the match limit: no match */
	RULES_NOT_REACHED,    /* an earlier rule said stop */
};
struct rules_trace {
	const char *rule;
	unsigned line;
	enum rules_outcome outcome;
};

struct rules_result {
	struct rules_action *actions; /* in order */
	size_t n_actions;
	struct rules_trace *trace;    /* one per rule, in order */
	size_t n_trace;
	bool stopped;                 /* a matched rule said stop */
};

/* Evaluates every rule for f->event, in order, until one says stop.
 * Fills *r (free with rules_result_free). Returns 0, or -1 when out of
 * memory. A match-limit hit is not an error: the rule it happened in is
 * RULES_LIMIT and runs no actions, whatever the rest of its condition
 * says; the next rules run. Thread-safe on a shared program: all the
 * per-run state (PCRE2 match data included) belongs to the call. */
int rules_eval(const struct rules_program *p, const struct rules_facts *f, struct rules_result *r);
void rules_result_free(struct rules_result *r);

/* "low" "medium" "high" "urgent"; rules_priority_parse takes those or
 * "0".."3" and returns -1 otherwise. */
const char *rules_priority_name(int priority);
int rules_priority_parse(const char *s);
/* Parses a duration "30m", "4h", "2d", "1w", "1d12h" (units s m h d w,
 * at least one, up to 366 days). Returns seconds, or -1. */
long long rules_duration_parse(const char *s);

#endif
