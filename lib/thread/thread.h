#ifndef MD_THREAD_H
#define MD_THREAD_H
/* Conversation threading: which ticket an incoming message belongs to, and
 * why. Pure code: no I/O, no database. The storage layer gathers the facts
 * (what the tokens, Message-IDs and subject tag point at) and this module
 * decides, so every rule is unit-tested from tables of facts.
 *
 * Order of evidence (first that applies wins):
 *   1. a reply-address token or one of our own signed Message-IDs that
 *      verifies (HMAC keyed by the secret) and names a ticket of the tenant;
 *   2. In-Reply-To / References matching a stored message of the tenant
 *      (In-Reply-To first, then References newest first), only when the
 *      sender is the ticket's requester, a participant or an authenticated
 *      agent: anyone else who quotes a Message-ID (they are easy to learn)
 *      gets a new ticket linked to the quoted one, never a seat in it;
 *   3. a subject tag ("[#1234]", format per tenant), under the same
 *      condition (a stranger's tag gives a new ticket, not linked);
 *   4. otherwise a new ticket.
 * Who becomes a participant (decision.add_participants): the To/Cc of a
 * message that carries our signed token (a token that names an agent:
 * only when the sender is an authenticated agent), of an authenticated
 * agent's mail, and of a message that opens a new ticket (the sender's own
 * conversation). A follow-up matched by References or the subject tag
 * from the requester or a participant adds its To/Cc only when the sender
 * is authenticated (DMARC, or DKIM for exactly the From domain, by our own
 * mail server), or when the tenant does not ask for that
 * (require_authenticated_requester, default off).
 * A match to a ticket that was closed/solved longer ago than the team's
 * reopen window gives a new ticket linked to the old one. A matched ticket
 * that was merged is followed to the ticket it was merged into (by the
 * caller, which resolves merged_into before filling the facts). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum thread_reason {
	THREAD_REASON_NEW,
	THREAD_REASON_TOKEN,
	THREAD_REASON_REFERENCES,
	THREAD_REASON_SUBJECT_TAG,
};

/* Stable names stored in messages.match_reason: "new", "token",
 * "references", "subject-tag" ("unknown" for a value outside the enum). */
const char *thread_reason_name(enum thread_reason r);

/* What the storage layer found for one candidate ticket. */
struct thread_candidate {
	int64_t ticket_id;        /* 0 = no candidate */
	const char *status;       /* "open", "pending", "snoozed", "solved", "closed" */
	int64_t closed_at;        /* Unix time of close/solve, 0 when open */
	bool sender_is_participant; /* requester or participant of that ticket */
};

struct thread_facts {
	int64_t now;                       /* Unix time */
	unsigned reopen_days;              /* the team's window; 0 = always reopen */
	struct thread_candidate token;     /* from a verified token/Message-ID */
	struct thread_candidate references;/* from In-Reply-To/References */
	struct thread_candidate subject_tag; /* from the subject tag */
	/* Who sent it (added last, so older positional initialisers stay
	 * valid): the From domain passed DMARC or DKIM for exactly that
	 * domain at our own mail server; From is an agent of the tenant,
	 * authenticated as for answers; the verified token names an agent
	 * (an agent's reply address); the tenant wants requesters and
	 * participants authenticated before their mail adds anyone. */
	bool sender_authenticated;
	bool sender_is_agent;
	bool token_names_agent;
	bool require_authenticated_requester;
};

struct thread_decision {
	enum thread_reason reason;
	int64_t ticket_id;        /* the ticket to append to; 0 = create a new one */
	int64_t linked_ticket_id; /* new ticket after a too-old closed one, else 0 */
	bool reopen;              /* append and set the ticket back to open */
	bool woke;                /* it was snoozed (the wake is recorded) */
	bool add_participants;    /* To/Cc (and the sender) join the ticket */
	char detail[300];         /* one human line: why */
};

/* Applies the rules above. Never fails; sets every field of *d.
 * A candidate counts when its ticket_id != 0; sender_is_participant (or
 * sender_is_agent) is consulted for References and the subject tag, never
 * for a token. References from anyone else: reason NEW, ticket_id 0,
 * linked_ticket_id = that ticket, unless a later piece of evidence (a
 * participant's subject tag) wins. By the winning candidate's status:
 *   "open" (or any unknown status): append;
 *   "pending": append, reopen (the customer answered);
 *   "snoozed": append, reopen, woke;
 *   "closed"/"solved": append and reopen, unless reopen_days > 0 and
 *     now - closed_at > reopen_days * 86400: then reason NEW, ticket_id 0,
 *     linked_ticket_id = that ticket. closed_at <= 0 (unknown) or in the
 *     future counts as inside the window.
 * detail: the evidence, then what the status made of it, e.g.
 *   "In-Reply-To/References match a message of ticket 7; ticket 7 closed
 *    45 days ago (reopen window 30 days): new linked ticket",
 *   "subject tag of ticket 12 ignored: sender is not a participant of
 *    ticket 12; new ticket". Ticket ids in the text are ticket_id values.
 *   When the message joins a ticket but adds nobody, the detail ends with
 *   "; adds no participants: ..." and the reason. */
void thread_decide(const struct thread_facts *f, struct thread_decision *d);

/* ---- Signed tokens ----
 * A token binds a ticket (and optionally an agent) to a tenant with an HMAC
 * (SHA-256, keyed by the secret, truncated to 80 bits). Text form, safe in a
 * local part and immune to case folding:
 *     <ticket>-<agent>-<16 lowercase base32 chars>     e.g. "1042-0-k5x7q2m4p9z3w8ab"
 * agent 0 means "no agent". The MAC input binds a purpose ("reply" here,
 * "msgid" for Message-IDs), the tenant, the ticket, the agent (and the
 * Message-ID nonce), so neither kind verifies as the other. Numbers are
 * decimal without sign or leading zeros; at most 56 characters. */
#define THREAD_AGENT_NONCE_CHARS 6
struct thread_token {
	int64_t ticket_number;
	int64_t agent_id;
	/* Only in the agent form below: when the token was made (Unix time)
	 * and its nonce; 0 and "" in the plain form, which carries neither. */
	int64_t issued;
	char nonce[THREAD_AGENT_NONCE_CHARS + 1];
};

/* Writes the token for (tenant, t) into out (at least 64 bytes). Needs
 * ticket_number > 0, agent_id >= 0 and a non-empty secret; otherwise (or
 * when out_size is too small) writes "", which never verifies. */
void thread_token_make(const char *secret, int64_t tenant_id, const struct thread_token *t, char *out,
		       size_t out_size);
/* The agent form, which notifications to agents carry so that a leaked
 * one stops working (thread_token_expired()):
 *     <ticket>-<agent>-<issued>-<nonce>-<mac>   e.g. "1042-7-bm5qzaa-k2d7xq-<16 chars>"
 * issued is the Unix time as exactly 7 base32 characters (big-endian,
 * alphabet a-z2-7, so up to 2^35 - 1), nonce exactly 6 of a-z2-7 chosen at
 * random by the caller (one per notification). The MAC has its own purpose
 * ("agent-reply") and binds tenant, ticket, agent, issued and nonce, so it
 * verifies neither as a plain token nor with any field changed. Needs
 * ticket_number > 0, agent_id > 0, 0 < issued < 2^35, a valid nonce and a
 * secret; else (or when out_size is too small) writes "". */
void thread_agent_token_make(const char *secret, int64_t tenant_id, int64_t ticket_number, int64_t agent_id,
			     int64_t issued, const char *nonce, char *out, size_t out_size);
/* Parses and verifies either form; returns 1 valid (t filled; issued and
 * nonce only for the agent form), 0 not a token or a forged/truncated one. Constant-time comparison. text need not be
 * NUL-terminated (len bytes are read); upper case is accepted (MTAs may
 * fold local parts). A NULL or empty secret verifies nothing. */
int thread_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
			struct thread_token *t);

/* Whether the holder of a verified token may still act as its agent at
 * time now. A token without an agent (the customer's) never expires. An
 * agent token of the plain form has no issue time and counts as expired
 * (tokens in notifications sent before expiry existed: their age cannot be
 * bounded). An agent-form token expires when now - issued > lifetime_s;
 * an issue time in the future (clock skew) counts as age 0. */
bool thread_token_expired(const struct thread_token *t, int64_t now, int64_t lifetime_s);

/* ---- Control addresses ----
 * Each agent's own signed control address carries, as its extension,
 *     control-<agent>-<mac>          e.g. "control-7-k5x7q2m4p9z3w8ab"
 * (purpose "control", bound to tenant and agent, 16 base32 characters),
 * so mail to it proves the sender was given that agent's address; it never
 * verifies as a reply, Message-ID or bounce token, nor they as it. Writes
 * "" for agent_id <= 0, no secret or a too small out (48 bytes suffice). */
void thread_control_token_make(const char *secret, int64_t tenant_id, int64_t agent_id, char *out,
			       size_t out_size);
/* 1 valid (*agent_id_r set), 0 not a control token or forged. Upper case
 * is accepted; text need not be NUL-terminated. */
int thread_control_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
				int64_t *agent_id_r);

/* Splits "local+token@domain" at the first delimiter character (any of
 * delims, as Postfix's recipient_delimiter) in the local part. Writes the
 * base address "local@domain" into base (size base_size) and points
 * ext_r and ext_len_r at the extension (NULL/0 when none). Returns 0, or -1
 * when the address has no '@' or base is too small. The domain starts at
 * the last '@'. *ext_r points into address. Like Postfix: a delimiter
 * that opens the local part ("+x@d") does not split; an empty extension
 * ("local+@d") gives base "local@d" and no extension. NULL or empty delims:
 * no splitting. */
int thread_address_split(const char *address, const char *delims, char *base, size_t base_size,
			 const char **ext_r, size_t *ext_len_r);

/* Our own Message-IDs: "md.<ticket>.<nonce>.<hmac>@host" (no <>), hmac as
 * in tokens (16 base32 chars, purpose "msgid"). nonce: 1-32 of [a-z0-9],
 * chosen by the caller (unique per message); host: dot-atom text. On a bad
 * argument (ticket_number <= 0, nonce, host, empty secret, out_size too
 * small) writes "". 128 bytes are enough for hosts up to 50 bytes. */
void thread_msgid_make(const char *secret, int64_t tenant_id, int64_t ticket_number, const char *nonce,
		       const char *host, char *out, size_t out_size);
/* Returns 1 with *ticket_number_r set when msgid (without <>) is one of ours
 * for this tenant and verifies, else 0. Only the local part (before the
 * first '@') is checked, case-insensitively; the host is ignored because
 * host names change. */
int thread_msgid_verify(const char *secret, int64_t tenant_id, const char *msgid, int64_t *ticket_number_r);

/* ---- Bounce tokens (VERP) ----
 * The return path of each outgoing mail carries "b<outbound id>-<hmac16>"
 * (purpose "bounce", bound to the tenant), so a delivery report that comes
 * back names the exact mail; a report whose token does not verify is never
 * acted on. */
void thread_bounce_token_make(const char *secret, int64_t tenant_id, int64_t outbound_id, char *out, size_t out_size);
/* 1 valid (*outbound_id_r set), 0 not a bounce token or forged. */
int thread_bounce_token_verify(const char *secret, int64_t tenant_id, const char *text, size_t len,
			       int64_t *outbound_id_r);

/* ---- Subject tags ----
 * format contains "{number}" once, e.g. "[#{number}]" (the default) or
 * "[ACME-{number}]". The literal text before {number} must not be empty
 * (else any number would match), the text after it must not start with a
 * digit; no control characters; at most 64 bytes. Tag numbers are 1 to 18
 * decimal digits without leading zeros, never 0. */
/* Returns 0 and writes e.g. "[#1042]" into out, or -1 (out set to "") when
 * format is not valid (see thread_subject_tag_format_check), number <= 0
 * or out_size is too small. */
int thread_subject_tag_make(const char *format, int64_t number, char *out, size_t out_size);
/* Finds the first tag of this format in subject; 1 found (*number_r), 0 not
 * (also for an invalid format or a NULL subject). The literal text matches
 * regardless of ASCII case; the character after the digits must be the
 * suffix ("[#10x]" is no tag), and scanning goes on after a near miss
 * ("[#abc] [#77]" finds 77). */
int thread_subject_tag_find(const char *format, const char *subject, int64_t *number_r);
/* Checks a format for `maildeskctl tenant set`; NULL when fine, else why. */
const char *thread_subject_tag_format_check(const char *format);

#endif
