/* Conversation threading (lib/thread): the decision from tables of real
 * situations, signed reply tokens and Message-IDs that resist forgery,
 * address splitting and subject tags. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "thread/thread.h"

#define NOW 1700000000
#define DAY 86400
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char SECRET[] = "correct horse battery staple";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* ---- thread_decide ---- */

struct decide_case {
	const char *situation;
	struct thread_facts f;
	enum thread_reason reason;
	int64_t ticket;
	int64_t linked;
	bool reopen;
	bool woke;
	const char *detail; /* substring of the decision's detail */
};

#define OPEN(id) { (id), "open", 0, false }
#define OPEN_P(id) { (id), "open", 0, true }
#define WITH(id, st, days_ago) { (id), (st), NOW - (int64_t)(days_ago) * DAY, true }
#define NONE { 0, NULL, 0, false }

static const struct decide_case decide_cases[] = {
	{ "reply with References only, from the requester",
	  { NOW, 30, NONE, OPEN_P(7), NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, false, false, "References match a message of ticket 7" },
	{ "client dropped all headers but kept [#N], sender is the requester",
	  { NOW, 30, NONE, NONE, OPEN_P(1042), false, false, false, false },
	  THREAD_REASON_SUBJECT_TAG, 1042, 0, false, false, "subject tag matches ticket 1042 and the sender is a participant" },
	{ "[#N] typed by a stranger starts a new ticket",
	  { NOW, 30, NONE, NONE, OPEN(12), false, false, false, false },
	  THREAD_REASON_NEW, 0, 0, false, false, "subject tag of ticket 12 ignored: sender is not a participant of ticket 12" },
	{ "two customers with the same subject and no evidence",
	  { NOW, 30, NONE, NONE, NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 0, false, false, "no token, no known Message-ID, no usable subject tag" },
	{ "forwarded mail: References to ticket 7 win over a tag of ticket 8",
	  { NOW, 30, NONE, OPEN_P(7), OPEN_P(8), false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, false, false, "ticket 7" },
	{ "forged token (not verified, no candidate) falls to References",
	  { NOW, 30, NONE, { 7, "pending", 0, true }, NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, false, "ticket 7 was pending: reopened" },
	{ "forged token and nothing else gives a new ticket",
	  { NOW, 30, NONE, NONE, NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 0, false, false, "new ticket" },
	{ "token beats References pointing at another ticket",
	  { NOW, 30, OPEN(7), OPEN(9), NONE, false, false, false, false },
	  THREAD_REASON_TOKEN, 7, 0, false, false, "verified signed token (reply address or Message-ID) for ticket 7" },
	{ "token beats a participant's subject tag of another ticket",
	  { NOW, 30, OPEN(7), NONE, OPEN_P(9), false, false, false, false },
	  THREAD_REASON_TOKEN, 7, 0, false, false, "ticket 7" },
	{ "token needs no participant: the sender was sent the address",
	  { NOW, 30, OPEN(7), NONE, NONE, false, false, false, false },
	  THREAD_REASON_TOKEN, 7, 0, false, false, "token" },
	{ "reply to a Message-ID of another tenant (storage finds nothing)",
	  { NOW, 30, NONE, NONE, NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 0, false, false, "no known Message-ID" },
	{ "stranger's tag ignored but References still thread",
	  { NOW, 30, NONE, OPEN_P(5), OPEN(12), false, false, false, false },
	  THREAD_REASON_REFERENCES, 5, 0, false, false, "ticket 5" },
	{ "reply to a ticket closed 45 days ago, window 30",
	  { NOW, 30, NONE, WITH(7, "closed", 45), NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 7, false, false, "ticket 7 closed 45 days ago (reopen window 30 days): new linked ticket" },
	{ "new linked ticket keeps the evidence that found the old one",
	  { NOW, 30, WITH(7, "closed", 45), NONE, NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 7, false, false, "verified signed token" },
	{ "reply to a ticket closed 10 days ago reopens it",
	  { NOW, 30, NONE, WITH(7, "closed", 10), NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, false, "ticket 7 was closed: reopened" },
	{ "closed exactly at the window's edge still reopens",
	  { NOW, 30, NONE, WITH(7, "closed", 30), NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, false, "reopened" },
	{ "closed one second past the window gives a new linked ticket",
	  { NOW, 30, NONE, { 7, "closed", NOW - 30 * DAY - 1, true }, NONE, false, false, false, false },
	  THREAD_REASON_NEW, 0, 7, false, false, "new linked ticket" },
	{ "window 0 always reopens, even after 400 days",
	  { NOW, 0, NONE, WITH(7, "closed", 400), NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, false, "reopened" },
	{ "snoozed ticket is woken",
	  { NOW, 30, NONE, { 7, "snoozed", 0, true }, NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, true, "snoozed: woken" },
	{ "solved 45 days ago counts like closed",
	  { NOW, 30, NONE, NONE, { 3, "solved", NOW - 45 * DAY, true }, false, false, false, false },
	  THREAD_REASON_NEW, 0, 3, false, false, "ticket 3 solved 45 days ago (reopen window 30 days)" },
	{ "solved 10 days ago reopens",
	  { NOW, 30, WITH(9, "solved", 10), OPEN(2), NONE, false, false, false, false },
	  THREAD_REASON_TOKEN, 9, 0, true, false, "ticket 9 was solved: reopened" },
	{ "pending ticket: the customer answered",
	  { NOW, 30, { 4, "pending", 0, false }, NONE, NONE, false, false, false, false },
	  THREAD_REASON_TOKEN, 4, 0, true, false, "pending: reopened" },
	{ "closed with an unknown close time reopens rather than split",
	  { NOW, 30, NONE, { 7, "closed", 0, true }, NONE, false, false, false, false },
	  THREAD_REASON_REFERENCES, 7, 0, true, false, "reopened" },
};

START_TEST(test_decide_follows_the_evidence_order_and_reopen_window)
{
	const struct decide_case *c = &decide_cases[_i];
	struct thread_decision d;

	memset(&d, 0x5a, sizeof(d)); /* decide must set every field */
	thread_decide(&c->f, &d);
	ck_assert_msg(d.reason == c->reason, "%s: reason %s", c->situation, thread_reason_name(d.reason));
	ck_assert_msg(d.ticket_id == c->ticket, "%s: ticket %lld", c->situation, (long long)d.ticket_id);
	ck_assert_msg(d.linked_ticket_id == c->linked, "%s: linked %lld", c->situation, (long long)d.linked_ticket_id);
	ck_assert_msg(d.reopen == c->reopen, "%s: reopen %d", c->situation, d.reopen);
	ck_assert_msg(d.woke == c->woke, "%s: woke %d", c->situation, d.woke);
	ck_assert_msg(memchr(d.detail, '\0', sizeof(d.detail)) != NULL, "%s: detail not terminated", c->situation);
	ck_assert_msg(strstr(d.detail, c->detail) != NULL, "%s: detail \"%s\"", c->situation, d.detail);
}
END_TEST

/* Who may join a conversation and who may bring others into it: the
 * same decision, with the sender's standing and authentication. */
struct trust_case {
	const char *situation;
	struct thread_facts f;
	enum thread_reason reason;
	int64_t ticket, linked;
	bool add_participants;
	const char *detail;
};

static const struct trust_case trust_cases[] = {
	{ "References from a stranger: new ticket linked to the quoted one, never appended",
	  { .now = NOW, .reopen_days = 30, .references = OPEN(7) },
	  THREAD_REASON_NEW, 0, 7, true,
	  "match a message of ticket 7 but the sender is not on it; new ticket linked to ticket 7" },
	{ "References from an authenticated stranger: still a new linked ticket",
	  { .now = NOW, .reopen_days = 30, .references = OPEN(7), .sender_authenticated = true },
	  THREAD_REASON_NEW, 0, 7, true, "new ticket linked to ticket 7" },
	{ "References from the requester joins and, by default, adds the Cc",
	  { .now = NOW, .reopen_days = 30, .references = OPEN_P(7) },
	  THREAD_REASON_REFERENCES, 7, 0, true, "match a message of ticket 7" },
	{ "References from the requester, tenant requires authentication, none: joins, adds nobody",
	  { .now = NOW, .reopen_days = 30, .references = OPEN_P(7), .require_authenticated_requester = true },
	  THREAD_REASON_REFERENCES, 7, 0, false,
	  "ticket 7; adds no participants: the sender is not authenticated and the tenant requires it" },
	{ "References from the requester, tenant requires authentication, DMARC pass: adds",
	  { .now = NOW, .reopen_days = 30, .references = OPEN_P(7), .require_authenticated_requester = true,
	    .sender_authenticated = true },
	  THREAD_REASON_REFERENCES, 7, 0, true, "match a message of ticket 7" },
	{ "subject tag from the requester, tenant requires authentication, none: adds nobody",
	  { .now = NOW, .reopen_days = 30, .subject_tag = OPEN_P(12), .require_authenticated_requester = true },
	  THREAD_REASON_SUBJECT_TAG, 12, 0, false, "adds no participants" },
	{ "subject tag from a stranger with Cc: new ticket of their own, not linked",
	  { .now = NOW, .reopen_days = 30, .subject_tag = OPEN(12) },
	  THREAD_REASON_NEW, 0, 0, true, "subject tag of ticket 12 ignored" },
	{ "an authenticated agent may continue any thread and add people",
	  { .now = NOW, .reopen_days = 30, .references = OPEN(7), .sender_is_agent = true,
	    .require_authenticated_requester = true },
	  THREAD_REASON_REFERENCES, 7, 0, true, "match a message of ticket 7" },
	{ "a stranger's References, a participant's tag of another ticket: the tag wins",
	  { .now = NOW, .reopen_days = 30, .references = OPEN(7), .subject_tag = OPEN_P(9) },
	  THREAD_REASON_SUBJECT_TAG, 9, 0, true, "not on it; subject tag matches ticket 9" },
	{ "a stranger's References and a stranger's tag: new ticket linked to the referenced one",
	  { .now = NOW, .reopen_days = 30, .references = OPEN(7), .subject_tag = OPEN(9) },
	  THREAD_REASON_NEW, 0, 7, true, "subject tag of ticket 9 ignored" },
	{ "our signed token: joins and adds, authenticated or not",
	  { .now = NOW, .reopen_days = 30, .token = OPEN(7), .require_authenticated_requester = true },
	  THREAD_REASON_TOKEN, 7, 0, true, "verified signed token" },
	{ "an agent's reply address from someone who is not an authenticated agent adds nobody",
	  { .now = NOW, .reopen_days = 30, .token = OPEN(7), .token_names_agent = true },
	  THREAD_REASON_TOKEN, 7, 0, false, "adds no participants: an agent's reply address" },
	{ "an agent's reply address from the authenticated agent adds",
	  { .now = NOW, .reopen_days = 30, .token = OPEN(7), .token_names_agent = true, .sender_is_agent = true },
	  THREAD_REASON_TOKEN, 7, 0, true, "verified signed token" },
	{ "a requester's reply to a ticket closed too long ago: new linked ticket adds its Cc",
	  { .now = NOW, .reopen_days = 30, .references = WITH(7, "closed", 45),
	    .require_authenticated_requester = true },
	  THREAD_REASON_NEW, 0, 7, true, "new linked ticket" },
	{ "a plain new ticket adds its Cc (the sender's own conversation)",
	  { .now = NOW, .reopen_days = 30, .require_authenticated_requester = true },
	  THREAD_REASON_NEW, 0, 0, true, "new ticket" },
};

START_TEST(test_decide_who_joins_and_who_adds_participants)
{
	const struct trust_case *c = &trust_cases[_i];
	struct thread_decision d;

	memset(&d, 0x5a, sizeof(d));
	thread_decide(&c->f, &d);
	ck_assert_msg(d.reason == c->reason, "%s: reason %s", c->situation, thread_reason_name(d.reason));
	ck_assert_msg(d.ticket_id == c->ticket, "%s: ticket %lld", c->situation, (long long)d.ticket_id);
	ck_assert_msg(d.linked_ticket_id == c->linked, "%s: linked %lld", c->situation, (long long)d.linked_ticket_id);
	ck_assert_msg(d.add_participants == c->add_participants, "%s: add_participants %d", c->situation,
		      d.add_participants);
	ck_assert_msg(strstr(d.detail, c->detail) != NULL, "%s: detail \"%s\"", c->situation, d.detail);
}
END_TEST

/* The detail is one whole line that an agent can read in the ticket's
 * history: evidence first, then what the ticket's state made of it. */
START_TEST(test_decide_detail_is_one_readable_line)
{
	struct thread_facts f = { NOW, 30, NONE, WITH(7, "closed", 45), OPEN_P(8), false, false, false, false };
	struct thread_decision d;

	thread_decide(&f, &d);
	ck_assert_str_eq(d.detail, "In-Reply-To/References match a message of ticket 7; "
				   "ticket 7 closed 45 days ago (reopen window 30 days): new linked ticket");
	memset(&f, 0, sizeof(f));
	f.subject_tag = (struct thread_candidate)OPEN(12);
	thread_decide(&f, &d);
	ck_assert_str_eq(d.detail, "subject tag of ticket 12 ignored: sender is not a participant of ticket 12; "
				   "new ticket");
}
END_TEST

START_TEST(test_reason_names_are_stable)
{
	ck_assert_str_eq(thread_reason_name(THREAD_REASON_NEW), "new");
	ck_assert_str_eq(thread_reason_name(THREAD_REASON_TOKEN), "token");
	ck_assert_str_eq(thread_reason_name(THREAD_REASON_REFERENCES), "references");
	ck_assert_str_eq(thread_reason_name(THREAD_REASON_SUBJECT_TAG), "subject-tag");
	ck_assert_str_eq(thread_reason_name((enum thread_reason)99), "unknown");
}
END_TEST

/* ---- reply tokens ---- */

struct token_case {
	int64_t tenant, ticket, agent;
};

static const struct token_case token_cases[] = {
	{ 1, 1, 0 },
	{ 1, 1042, 0 },
	{ 7, 1042, 55 },
	{ 2, 999999, 3 },
	{ INT64_MAX, INT64_MAX, INT64_MAX },
};

static void token_of(int64_t tenant, int64_t ticket, int64_t agent, char *out, size_t size)
{
	struct thread_token t = { .ticket_number = ticket, .agent_id = agent };

	thread_token_make(SECRET, tenant, &t, out, size);
}

START_TEST(test_token_round_trips_ticket_and_agent)
{
	const struct token_case *c = &token_cases[_i];
	struct thread_token t = { .ticket_number = -1, .agent_id = -1 };
	char tok[64], prefix[64];
	const char *mac;

	token_of(c->tenant, c->ticket, c->agent, tok, sizeof(tok));
	snprintf(prefix, sizeof(prefix), "%lld-%lld-", (long long)c->ticket, (long long)c->agent);
	ck_assert_msg(strncmp(tok, prefix, strlen(prefix)) == 0, "token %s", tok);
	mac = tok + strlen(prefix);
	ck_assert_uint_eq(strlen(mac), 16);
	ck_assert_uint_eq(strspn(mac, B32), 16);
	ck_assert_int_eq(thread_token_verify(SECRET, c->tenant, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(t.ticket_number, c->ticket);
	ck_assert_int_eq(t.agent_id, c->agent);
}
END_TEST

START_TEST(test_token_every_single_character_change_is_rejected)
{
	const char *alphabet = "abcdefghijklmnopqrstuvwxyz2345670189-";
	struct thread_token t;
	char tok[64], forged[64];
	size_t len, tried = 0;

	token_of(1, 1042, 55, tok, sizeof(tok));
	len = strlen(tok);
	for (size_t pos = 0; pos < len; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			if (*a == tok[pos])
				continue;
			memcpy(forged, tok, len + 1);
			forged[pos] = *a;
			ck_assert_msg(thread_token_verify(SECRET, 1, forged, len, &t) == 0, "accepted %s", forged);
			tried++;
		}
	}
	ck_assert_uint_gt(tried, len * 30);
}
END_TEST

START_TEST(test_token_truncated_or_extended_is_rejected)
{
	struct thread_token t;
	char tok[64], longer[80];
	size_t len;

	token_of(1, 1042, 0, tok, sizeof(tok));
	len = strlen(tok);
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(thread_token_verify(SECRET, 1, tok, n, &t) == 0, "accepted %.*s", (int)n, tok);
	for (const char *a = B32; *a != '\0'; a++) {
		snprintf(longer, sizeof(longer), "%s%c", tok, *a);
		ck_assert_msg(thread_token_verify(SECRET, 1, longer, len + 1, &t) == 0, "accepted %s", longer);
	}
	/* The length argument is honoured: the token inside a longer string. */
	snprintf(longer, sizeof(longer), "%s@example.com", tok);
	ck_assert_int_eq(thread_token_verify(SECRET, 1, longer, len, &t), 1);
}
END_TEST

START_TEST(test_token_is_bound_to_tenant_and_secret)
{
	struct thread_token t;
	char tok[64];

	token_of(1, 1042, 0, tok, sizeof(tok));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(thread_token_verify(SECRET, 2, tok, strlen(tok), &t), 0);
	ck_assert_int_eq(thread_token_verify("another secret", 1, tok, strlen(tok), &t), 0);
	ck_assert_int_eq(thread_token_verify("", 1, tok, strlen(tok), &t), 0);
	ck_assert_int_eq(thread_token_verify(NULL, 1, tok, strlen(tok), &t), 0);
}
END_TEST

START_TEST(test_token_is_bound_to_agent)
{
	struct thread_token t;
	char tok[64], swapped[64];

	token_of(1, 1042, 55, tok, sizeof(tok));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(t.agent_id, 55);
	/* Same MAC claimed for "no agent" or another agent. */
	snprintf(swapped, sizeof(swapped), "1042-0-%s", tok + strlen("1042-55-"));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, swapped, strlen(swapped), &t), 0);
	snprintf(swapped, sizeof(swapped), "1042-56-%s", tok + strlen("1042-55-"));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, swapped, strlen(swapped), &t), 0);
}
END_TEST

START_TEST(test_token_in_upper_case_is_accepted)
{
	struct thread_token t = { 0 };
	char tok[64];

	token_of(3, 77, 5, tok, sizeof(tok));
	for (char *p = tok; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	ck_assert_int_eq(thread_token_verify(SECRET, 3, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(t.ticket_number, 77);
	ck_assert_int_eq(t.agent_id, 5);
}
END_TEST

START_TEST(test_msgid_mac_is_not_a_reply_token)
{
	struct thread_token t;
	char msgid[128], tok[64];
	const char *mac;

	thread_msgid_make(SECRET, 1, 1042, "a", "desk.example", msgid, sizeof(msgid));
	mac = msgid + strlen("md.1042.a.");
	snprintf(tok, sizeof(tok), "1042-0-%.16s", mac);
	ck_assert_int_eq(thread_token_verify(SECRET, 1, tok, strlen(tok), &t), 0);
}
END_TEST

/* Writes pattern with each "{mac}" replaced by mac: the malformed shapes
 * below are built around a MAC that is right for the well-formed value. */
static void shape_fill(const char *pattern, const char *mac, char *out, size_t size)
{
	size_t o = 0, mac_len = strlen(mac);

	for (const char *p = pattern; *p != '\0';) {
		if (strncmp(p, "{mac}", 5) == 0) {
			ck_assert_uint_lt(o + mac_len, size);
			memcpy(out + o, mac, mac_len);
			o += mac_len;
			p += 5;
		} else {
			ck_assert_uint_lt(o + 1, size);
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

/* Valid numbers with a twist, each around a MAC that is right for 1042-0. */
static const char *const token_bad_shapes[] = {
	"01042-0-{mac}",                /* leading zero in the ticket */
	"1042-00-{mac}",                /* leading zero in the agent */
	"18446744073709552658-0-{mac}", /* 2^64 + 1042: would wrap to 1042 */
	"9223372036854775808-0-{mac}",  /* INT64_MAX + 1 (UBSan sees a wrap) */
	"1042-9999999999999999999-{mac}",
	"+1042-0-{mac}",
	"1042--0-{mac}",
	" 1042-0-{mac}",
	"1042-0--{mac}",
	"1042-0-{mac}-",
	"1042-0-{mac} ",
	"1042_0_{mac}",
	"1042-0-{mac}{mac}",
	"0-0-{mac}",
	"1042-0-",
	"1042-0",
	"-",
	"",
};

START_TEST(test_token_malformed_is_rejected)
{
	struct thread_token t;
	char tok[64], bad[96];

	token_of(1, 1042, 0, tok, sizeof(tok));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, tok, strlen(tok), &t), 1);
	shape_fill(token_bad_shapes[_i], tok + strlen("1042-0-"), bad, sizeof(bad));
	ck_assert_msg(thread_token_verify(SECRET, 1, bad, strlen(bad), &t) == 0, "accepted \"%s\"", bad);
}
END_TEST

START_TEST(test_token_make_refuses_bad_input)
{
	char tok[64];
	struct thread_token t = { .ticket_number = 1042 };

	token_of(1, 0, 0, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	token_of(1, 1042, -1, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	thread_token_make("", 1, &t, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	thread_token_make(SECRET, 1, &t, tok, 10); /* too small: nothing half-written */
	ck_assert_str_eq(tok, "");
}
END_TEST

/* ---- address split ---- */

struct split_case {
	const char *address, *delims;
	int ret;
	const char *base, *ext; /* ext NULL: none */
};

static const struct split_case split_cases[] = {
	{ "support+1042-0-abc@desk.example", "+", 0, "support@desk.example", "1042-0-abc" },
	{ "support@desk.example", "+", 0, "support@desk.example", NULL },
	{ "support+abc@x", "+-", 0, "support@x", "abc" },
	{ "support-abc@x", "+-", 0, "support@x", "abc" },
	{ "support-abc+def@x", "+-", 0, "support@x", "abc+def" },
	{ "support+abc-def@x", "-", 0, "support+abc@x", "def" },
	{ "+abc@x", "+", 0, "+abc@x", NULL },            /* delimiter first: no split */
	{ "support+@x", "+", 0, "support@x", NULL },     /* empty extension */
	{ "support@my-host.example", "-", 0, "support@my-host.example", NULL },
	{ "support+abc@x", "", 0, "support+abc@x", NULL },
	{ "support+abc@x", NULL, 0, "support+abc@x", NULL },
	{ "support+abc", "+", -1, NULL, NULL },
	{ "", "+", -1, NULL, NULL },
};

START_TEST(test_address_split_at_first_delimiter)
{
	const struct split_case *c = &split_cases[_i];
	char base[64];
	const char *ext = "unset";
	size_t ext_len = 99;

	ck_assert_int_eq(thread_address_split(c->address, c->delims, base, sizeof(base), &ext, &ext_len), c->ret);
	if (c->ret == 0)
		ck_assert_str_eq(base, c->base);
	if (c->ext == NULL) {
		ck_assert_ptr_null(ext);
		ck_assert_uint_eq(ext_len, 0);
	} else {
		ck_assert_ptr_nonnull(ext);
		ck_assert_uint_eq(ext_len, strlen(c->ext));
		ck_assert_int_eq(memcmp(ext, c->ext, ext_len), 0);
	}
}
END_TEST

START_TEST(test_address_split_refuses_small_base)
{
	char base[10];
	const char *ext;
	size_t ext_len;

	/* "support@x" needs 10 bytes with the NUL: fits; one more char does not. */
	ck_assert_int_eq(thread_address_split("support+t@x", "+", base, sizeof(base), &ext, &ext_len), 0);
	ck_assert_str_eq(base, "support@x");
	ck_assert_int_eq(thread_address_split("supporta+t@x", "+", base, sizeof(base), &ext, &ext_len), -1);
}
END_TEST

START_TEST(test_address_token_round_trip)
{
	char tok[64], addr[128], base[128];
	const char *ext;
	size_t ext_len;
	struct thread_token t;

	token_of(4, 31337, 12, tok, sizeof(tok));
	snprintf(addr, sizeof(addr), "help+%s@desk.example", tok);
	ck_assert_int_eq(thread_address_split(addr, "+", base, sizeof(base), &ext, &ext_len), 0);
	ck_assert_str_eq(base, "help@desk.example");
	ck_assert_int_eq(thread_token_verify(SECRET, 4, ext, ext_len, &t), 1);
	ck_assert_int_eq(t.ticket_number, 31337);
	ck_assert_int_eq(t.agent_id, 12);
}
END_TEST

/* ---- Message-IDs ---- */

START_TEST(test_msgid_round_trip_ignores_host)
{
	char id[128], moved[128];
	int64_t n = 0;

	thread_msgid_make(SECRET, 1, 1042, "a1b2", "desk.example", id, sizeof(id));
	ck_assert_msg(strncmp(id, "md.1042.a1b2.", 13) == 0, "msgid %s", id);
	ck_assert_uint_eq(strlen(id), 13 + 16 + strlen("@desk.example"));
	ck_assert_str_eq(id + 13 + 16, "@desk.example");
	ck_assert_int_eq(thread_msgid_verify(SECRET, 1, id, &n), 1);
	ck_assert_int_eq(n, 1042);
	/* Hosts change (a new server name); the id still verifies. */
	snprintf(moved, sizeof(moved), "%.*s@new-host.example", 13 + 16, id);
	n = 0;
	ck_assert_int_eq(thread_msgid_verify(SECRET, 1, moved, &n), 1);
	ck_assert_int_eq(n, 1042);
}
END_TEST

START_TEST(test_msgid_forged_or_foreign_is_rejected)
{
	const char *alphabet = "abcdefghijklmnopqrstuvwxyz2345670189.-@";
	char id[128], forged[128];
	size_t local;
	int64_t n;

	thread_msgid_make(SECRET, 1, 1042, "x9", "desk.example", id, sizeof(id));
	ck_assert_int_eq(thread_msgid_verify(SECRET, 2, id, &n), 0);
	ck_assert_int_eq(thread_msgid_verify("another secret", 1, id, &n), 0);
	local = (size_t)(strchr(id, '@') - id);
	for (size_t pos = 0; pos < local; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			if (*a == id[pos])
				continue;
			memcpy(forged, id, sizeof(id));
			forged[pos] = *a;
			ck_assert_msg(thread_msgid_verify(SECRET, 1, forged, &n) == 0, "accepted %s", forged);
		}
	}
}
END_TEST

START_TEST(test_msgid_upper_case_accepted)
{
	char id[128];
	int64_t n = 0;

	thread_msgid_make(SECRET, 5, 8, "n0nce", "desk.example", id, sizeof(id));
	for (char *p = id; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	ck_assert_int_eq(thread_msgid_verify(SECRET, 5, id, &n), 1);
	ck_assert_int_eq(n, 8);
}
END_TEST

/* Shapes around a MAC valid for "md.1042.ab@...". */
static const char *const msgid_bad_shapes[] = {
	"<md.1042.ab.{mac}@desk.example>",
	"<md.1042.ab.{mac}>",
	"md.01042.ab.{mac}@desk.example",
	"md.1042.ab.{mac}",
	"md.1042.ab.{mac}a@desk.example",
	"md.1042.ab.{mac}.@desk.example",
	"md.1042.ab.{mac}{mac}@desk.example",
	"md.1042..ab.{mac}@desk.example",
	"md..1042.ab.{mac}@desk.example",
	"md.1042.ab..{mac}@desk.example",
	"mdx1042.ab.{mac}@desk.example",
	"xmd.1042.ab.{mac}@desk.example",
	"md.1042.a-b.{mac}@desk.example",
	"md.+1042.ab.{mac}@desk.example",
	"md.18446744073709552658.ab.{mac}@desk.example",
	"md.9223372036854775808.ab.{mac}@desk.example",
	"md.1042.{mac}@desk.example",
	"md.1042.ab.@desk.example",
	"md.@desk.example",
	"@",
	"",
};

START_TEST(test_msgid_malformed_is_rejected)
{
	char id[128], bad[160], mac[17];
	int64_t n;

	thread_msgid_make(SECRET, 1, 1042, "ab", "desk.example", id, sizeof(id));
	ck_assert_int_eq(thread_msgid_verify(SECRET, 1, id, &n), 1);
	memcpy(mac, id + strlen("md.1042.ab."), 16);
	mac[16] = '\0';
	shape_fill(msgid_bad_shapes[_i], mac, bad, sizeof(bad));
	ck_assert_msg(thread_msgid_verify(SECRET, 1, bad, &n) == 0, "accepted \"%s\"", bad);
}
END_TEST

START_TEST(test_msgid_truncated_mac_is_rejected)
{
	char id[128], cut[128];
	const char *at;
	int64_t n;

	thread_msgid_make(SECRET, 1, 1042, "ab", "desk.example", id, sizeof(id));
	at = strchr(id, '@');
	for (size_t keep = 0; keep < (size_t)(at - id); keep++) {
		snprintf(cut, sizeof(cut), "%.*s%s", (int)keep, id, at);
		ck_assert_msg(thread_msgid_verify(SECRET, 1, cut, &n) == 0, "accepted %s", cut);
	}
}
END_TEST

START_TEST(test_msgid_make_refuses_bad_nonce_or_host)
{
	char id[128];
	char long_nonce[40];
	int64_t n;

	memset(long_nonce, 'a', 33);
	long_nonce[33] = '\0';
	thread_msgid_make(SECRET, 1, 7, "", "h.example", id, sizeof(id));
	ck_assert_str_eq(id, "");
	thread_msgid_make(SECRET, 1, 7, "A-B", "h.example", id, sizeof(id));
	ck_assert_str_eq(id, "");
	thread_msgid_make(SECRET, 1, 7, long_nonce, "h.example", id, sizeof(id));
	ck_assert_str_eq(id, "");
	thread_msgid_make(SECRET, 1, 7, "ok", "", id, sizeof(id));
	ck_assert_str_eq(id, "");
	thread_msgid_make(SECRET, 1, 7, "ok", "h>x", id, sizeof(id));
	ck_assert_str_eq(id, "");
	thread_msgid_make(SECRET, 1, 0, "ok", "h.example", id, sizeof(id));
	ck_assert_str_eq(id, "");
	long_nonce[32] = '\0'; /* 32 is the maximum */
	thread_msgid_make(SECRET, 1, 7, long_nonce, "h.example", id, sizeof(id));
	ck_assert_int_eq(thread_msgid_verify(SECRET, 1, id, &n), 1);
	ck_assert_int_eq(n, 7);
}
END_TEST

/* ---- subject tags ---- */

struct tag_make_case {
	const char *format;
	int64_t number;
	int ret;
	const char *out;
};

static const struct tag_make_case tag_make_cases[] = {
	{ "[#{number}]", 1042, 0, "[#1042]" },
	{ "[ACME-{number}]", 7, 0, "[ACME-7]" },
	{ "Ticket #{number}", 123456789012345678, 0, "Ticket #123456789012345678" },
	{ "{{number}}", 5, 0, "{5}" },
	{ "{number}]", 5, -1, "" }, /* no literal prefix before {number} */
	{ "[#]", 1, -1, "" },
	{ "[#{number}{number}]", 1, -1, "" },
	{ "", 1, -1, "" },
	{ "[#{number}]", 0, -1, "" },
	{ "[#{number}]", -5, -1, "" },
};

START_TEST(test_subject_tag_make)
{
	const struct tag_make_case *c = &tag_make_cases[_i];
	char out[128];

	ck_assert_int_eq(thread_subject_tag_make(c->format, c->number, out, sizeof(out)), c->ret);
	ck_assert_str_eq(out, c->out);
}
END_TEST

START_TEST(test_subject_tag_make_refuses_small_buffer)
{
	char out[7];

	ck_assert_int_eq(thread_subject_tag_make("[#{number}]", 1042, out, sizeof(out)), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(thread_subject_tag_make("[#{number}]", 104, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[#104]");
}
END_TEST

struct tag_find_case {
	const char *format, *subject;
	int found;
	int64_t number;
};

static const struct tag_find_case tag_find_cases[] = {
	{ "[#{number}]", "Re: [#1042] My order", 1, 1042 },
	{ "[#{number}]", "AW: Fwd: [#1042]", 1, 1042 },
	{ "[#{number}]", "[#10x]", 0, 0 },
	{ "[#{number}]", "[#]", 0, 0 },
	{ "[#{number}]", "[#01042]", 0, 0 },
	{ "[#{number}]", "[#0]", 0, 0 },
	{ "[#{number}]", "Re: [#1042", 0, 0 },
	{ "[#{number}]", "Re: [# 1042]", 0, 0 },
	{ "[#{number}]", "[#-5]", 0, 0 },
	{ "[#{number}]", "[#abc] then [#77]", 1, 77 },
	{ "[#{number}]", "[#12][#34]", 1, 12 },
	{ "[#{number}]", "[#[#42]", 1, 42 },
	{ "[#{number}]", "[#123456789012345678]", 1, 123456789012345678 },
	{ "[#{number}]", "[#1234567890123456789]", 0, 0 },
	{ "[#{number}]", "no tag here", 0, 0 },
	{ "[#{number}]", "", 0, 0 },
	{ "[#{number}]", NULL, 0, 0 },
	{ "[ACME-{number}]", "re: [acme-55] broken", 1, 55 },
	{ "[ACME-{number}]", "[#55]", 0, 0 },
	{ "#{number}", "Ticket #42 again", 1, 42 },
	{ "#{number}", "Ticket #42x", 1, 42 },
	{ "{number}", "1042", 0, 0 },        /* invalid format never matches */
	{ "[#{number}", "[#9] [#", 1, 9 },
};

START_TEST(test_subject_tag_find)
{
	const struct tag_find_case *c = &tag_find_cases[_i];
	int64_t n = -1;

	ck_assert_msg(thread_subject_tag_find(c->format, c->subject, &n) == c->found, "%s in \"%s\"", c->format,
		      c->subject ? c->subject : "(null)");
	if (c->found)
		ck_assert_int_eq(n, c->number);
}
END_TEST

struct tag_check_case {
	const char *format;
	const char *why; /* NULL: valid; else substring of the reason */
};

static const struct tag_check_case tag_check_cases[] = {
	{ "[#{number}]", NULL },
	{ "[ACME-{number}]", NULL },
	{ "#{number}", NULL },
	{ "Ticket {number}:", NULL },
	{ "", "empty" },
	{ "{number}", "before {number}" },
	{ "{number}]", "before {number}" },
	{ "[#]", "no {number}" },
	{ "[#{NUMBER}]", "no {number}" },
	{ "[#{number}{number}]", "more than once" },
	{ "[{number}-{number}]", "more than once" },
	{ "[#\t{number}]", "control" },
	{ "[#{number}]\x7f", "control" },
	{ "[#{number}1]", "digit" },
	{ "[#{number}]01234567890123456789012345678901234567890123456789012", NULL }, /* 64 bytes */
	{ "[#{number}]012345678901234567890123456789012345678901234567890124", "64" },
};

START_TEST(test_subject_tag_format_check)
{
	const struct tag_check_case *c = &tag_check_cases[_i];
	const char *why = thread_subject_tag_format_check(c->format);

	if (c->why == NULL) {
		ck_assert_msg(why == NULL, "\"%s\" refused: %s", c->format, why);
	} else {
		ck_assert_msg(why != NULL, "\"%s\" accepted", c->format);
		ck_assert_msg(strstr(why, c->why) != NULL, "\"%s\": %s", c->format, why);
	}
}
END_TEST

START_TEST(test_subject_tag_found_in_what_make_wrote)
{
	static const char *const formats[] = { "[#{number}]", "[ACME-{number}]", "#{number}", "Ticket {number}:" };
	static const int64_t numbers[] = { 1, 9, 10, 1042, 999999999, 123456789012345678 };
	char tag[80], subject[160];
	int64_t n;

	for (size_t i = 0; i < N_ELEMENTS(formats); i++) {
		for (size_t j = 0; j < N_ELEMENTS(numbers); j++) {
			ck_assert_int_eq(thread_subject_tag_make(formats[i], numbers[j], tag, sizeof(tag)), 0);
			snprintf(subject, sizeof(subject), "Re: AW: %s My printer is on fire", tag);
			n = 0;
			ck_assert_int_eq(thread_subject_tag_find(formats[i], subject, &n), 1);
			ck_assert_int_eq(n, numbers[j]);
		}
	}
}
END_TEST

/* VERP bounce tokens: round trip, bound to tenant, every change refused,
 * and a reply token is not a bounce token. */
START_TEST(test_bounce_token_round_trips_and_refuses_changes)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567-0123456789";
	char tok[64], bad[64];
	int64_t id = 0;
	struct thread_token rt = { .ticket_number = 1042 };

	thread_bounce_token_make(SECRET, 7, 99, tok, sizeof(tok));
	ck_assert_int_eq(tok[0], 'b');
	ck_assert_int_eq(thread_bounce_token_verify(SECRET, 7, tok, strlen(tok), &id), 1);
	ck_assert_int_eq(id, 99);
	ck_assert_int_eq(thread_bounce_token_verify(SECRET, 8, tok, strlen(tok), &id), 0);
	ck_assert_int_eq(thread_bounce_token_verify("another secret!!", 7, tok, strlen(tok), &id), 0);
	for (size_t pos = 0; pos < strlen(tok); pos++) {
		for (const char *c = alphabet; *c; c++) {
			if (*c == tok[pos])
				continue;
			strcpy(bad, tok);
			bad[pos] = *c;
			ck_assert_msg(thread_bounce_token_verify(SECRET, 7, bad, strlen(bad), &id) == 0, "%s", bad);
		}
	}
	for (size_t len = 0; len < strlen(tok); len++)
		ck_assert_int_eq(thread_bounce_token_verify(SECRET, 7, tok, len, &id), 0);
	thread_token_make(SECRET, 7, &rt, tok, sizeof(tok));
	ck_assert_int_eq(thread_bounce_token_verify(SECRET, 7, tok, strlen(tok), &id), 0);
	thread_bounce_token_make(SECRET, 7, 0, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
}
END_TEST

/* ---- agent tokens (issue time and nonce) and control addresses ---- */

#define ISSUED 1764930000 /* 2025-12-05 */

static void agent_token_of(int64_t tenant, int64_t ticket, int64_t agent, int64_t issued, const char *nonce,
			   char *out, size_t size)
{
	thread_agent_token_make(SECRET, tenant, ticket, agent, issued, nonce, out, size);
}

START_TEST(test_agent_token_round_trips_every_field)
{
	struct thread_token t = { .ticket_number = -1 };
	char tok[80];
	const char *p;

	agent_token_of(7, 1042, 55, ISSUED, "k2d7xq", tok, sizeof(tok));
	ck_assert_msg(strncmp(tok, "1042-55-", 8) == 0, "token %s", tok);
	p = tok + 8;
	ck_assert_uint_eq(strspn(p, B32), 7);
	ck_assert_int_eq(p[7], '-');
	ck_assert_msg(strncmp(p + 8, "k2d7xq-", 7) == 0, "token %s", tok);
	ck_assert_uint_eq(strlen(p + 15), 16);
	ck_assert_uint_eq(strspn(p + 15, B32), 16);
	ck_assert_int_eq(thread_token_verify(SECRET, 7, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(t.ticket_number, 1042);
	ck_assert_int_eq(t.agent_id, 55);
	ck_assert_int_eq(t.issued, ISSUED);
	ck_assert_str_eq(t.nonce, "k2d7xq");
	/* The largest values still fit and come back. */
	agent_token_of(INT64_MAX, INT64_MAX, INT64_MAX, (INT64_C(1) << 35) - 1, "777777", tok, sizeof(tok));
	ck_assert_int_eq(thread_token_verify(SECRET, INT64_MAX, tok, strlen(tok), &t), 1);
	ck_assert_int_eq(t.issued, (INT64_C(1) << 35) - 1);
	/* Upper case (an MTA that folds local parts) verifies too. */
	agent_token_of(7, 1042, 55, ISSUED, "k2d7xq", tok, sizeof(tok));
	for (char *c = tok; *c != '\0'; c++)
		*c = (char)toupper((unsigned char)*c);
	ck_assert_int_eq(thread_token_verify(SECRET, 7, tok, strlen(tok), &t), 1);
	ck_assert_str_eq(t.nonce, "k2d7xq");
}
END_TEST

/* Every byte replaced by every other plausible one, at every position. */
START_TEST(test_agent_token_every_single_character_change_is_rejected)
{
	const char *alphabet = "abcdefghijklmnopqrstuvwxyz2345670189-";
	struct thread_token t;
	char tok[80], forged[80];
	size_t len, tried = 0;

	agent_token_of(1, 1042, 55, ISSUED, "abcdef", tok, sizeof(tok));
	len = strlen(tok);
	for (size_t pos = 0; pos < len; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			if (*a == tok[pos])
				continue;
			memcpy(forged, tok, len + 1);
			forged[pos] = *a;
			ck_assert_msg(thread_token_verify(SECRET, 1, forged, len, &t) == 0, "accepted %s", forged);
			tried++;
		}
	}
	ck_assert_uint_gt(tried, len * 30);
}
END_TEST

START_TEST(test_agent_token_truncated_extended_or_rebound_is_rejected)
{
	struct thread_token t;
	char tok[80], other[96];
	size_t len;
	const char *mac;

	agent_token_of(1, 1042, 55, ISSUED, "abcdef", tok, sizeof(tok));
	len = strlen(tok);
	mac = tok + len - 16;
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(thread_token_verify(SECRET, 1, tok, n, &t) == 0, "accepted %.*s", (int)n, tok);
	snprintf(other, sizeof(other), "%sa", tok);
	ck_assert_int_eq(thread_token_verify(SECRET, 1, other, len + 1, &t), 0);
	ck_assert_int_eq(thread_token_verify(SECRET, 2, tok, len, &t), 0);
	ck_assert_int_eq(thread_token_verify("another secret", 1, tok, len, &t), 0);
	ck_assert_int_eq(thread_token_verify(NULL, 1, tok, len, &t), 0);
	/* Its MAC in the plain form (dropping issue time and nonce): no. */
	snprintf(other, sizeof(other), "1042-55-%s", mac);
	ck_assert_int_eq(thread_token_verify(SECRET, 1, other, strlen(other), &t), 0);
	/* A plain token's MAC with an issue time and nonce added: no. */
	token_of(1, 1042, 55, tok, sizeof(tok));
	snprintf(other, sizeof(other), "1042-55-bm5qzaa-abcdef-%s", tok + strlen("1042-55-"));
	ck_assert_int_eq(thread_token_verify(SECRET, 1, other, strlen(other), &t), 0);
}
END_TEST

static const char *const agent_token_bad_shapes[] = {
	"1042-55-{issued}-abcdef-{mac}-",
	"1042-55-{issued}-abcdef--{mac}",
	"1042-55-{issued}a-abcdef-{mac}",
	"1042-55-{issued}-abcde-{mac}",
	"1042-55-{issued}-abcdefg-{mac}",
	"1042-55-{issued}-abcde1-{mac}",
	"1042-055-{issued}-abcdef-{mac}",
	"1042-0-{issued}-abcdef-{mac}",
	"01042-55-{issued}-abcdef-{mac}",
	"1042-55--abcdef-{mac}",
	"----",
};

/* Fills "{issued}" and "{mac}" from a real token of 1042-55-...-abcdef. */
static void agent_shape_fill(const char *pattern, const char *tok, char *out, size_t size)
{
	const char *issued = tok + strlen("1042-55-");
	char tmp[128];
	size_t o = 0;

	for (const char *p = pattern; *p != '\0';) {
		if (strncmp(p, "{issued}", 8) == 0) {
			memcpy(tmp + o, issued, 7);
			o += 7;
			p += 8;
		} else {
			tmp[o++] = *p++;
		}
	}
	tmp[o] = '\0';
	shape_fill(tmp, tok + strlen(tok) - 16, out, size);
}

START_TEST(test_agent_token_malformed_is_rejected)
{
	struct thread_token t;
	char tok[80], bad[128];

	agent_token_of(1, 1042, 55, ISSUED, "abcdef", tok, sizeof(tok));
	agent_shape_fill(agent_token_bad_shapes[_i], tok, bad, sizeof(bad));
	ck_assert_msg(thread_token_verify(SECRET, 1, bad, strlen(bad), &t) == 0, "accepted \"%s\"", bad);
}
END_TEST

START_TEST(test_agent_token_make_refuses_bad_input)
{
	char tok[80];

	agent_token_of(1, 1042, 0, ISSUED, "abcdef", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 0, 5, ISSUED, "abcdef", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, 0, "abcdef", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, INT64_C(1) << 35, "abcdef", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, ISSUED, "abcde", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, ISSUED, "abcde0", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, ISSUED, NULL, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	agent_token_of(1, 1042, 5, ISSUED, "abcdef", tok, 20);
	ck_assert_str_eq(tok, "");
	thread_agent_token_make("", 1, 1042, 5, ISSUED, "abcdef", tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
}
END_TEST

struct expiry_case {
	const char *what;
	int64_t agent, issued, now, lifetime;
	bool expired;
};

static const struct expiry_case expiry_cases[] = {
	{ "a customer token never expires", 0, 0, ISSUED, 1, false },
	{ "an agent token without issue time is expired", 5, 0, ISSUED, 30 * DAY, true },
	{ "fresh", 5, ISSUED, ISSUED, 30 * DAY, false },
	{ "at its lifetime exactly", 5, ISSUED, ISSUED + 30 * DAY, 30 * DAY, false },
	{ "one second past it", 5, ISSUED, ISSUED + 30 * DAY + 1, 30 * DAY, true },
	{ "a short lifetime", 5, ISSUED, ISSUED + 2, 1, true },
	{ "issued in the future (clock skew)", 5, ISSUED + 100, ISSUED, 1, false },
};

START_TEST(test_agent_token_expiry)
{
	const struct expiry_case *c = &expiry_cases[_i];
	struct thread_token t = { .ticket_number = 1, .agent_id = c->agent, .issued = c->issued };

	ck_assert_msg(thread_token_expired(&t, c->now, c->lifetime) == c->expired, "%s", c->what);
}
END_TEST

START_TEST(test_control_token_round_trips_and_is_bound)
{
	char tok[64], other[96];
	int64_t agent = 0;
	struct thread_token rt;
	struct thread_token reply = { .ticket_number = 1, .agent_id = 7 };

	thread_control_token_make(SECRET, 3, 7, tok, sizeof(tok));
	ck_assert_msg(strncmp(tok, "control-7-", 10) == 0, "token %s", tok);
	ck_assert_uint_eq(strlen(tok + 10), 16);
	ck_assert_uint_eq(strspn(tok + 10, B32), 16);
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, tok, strlen(tok), &agent), 1);
	ck_assert_int_eq(agent, 7);
	for (char *c = other; (*c = (char)toupper((unsigned char)tok[c - other])) != '\0'; c++)
		;
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, other, strlen(other), &agent), 1);
	ck_assert_int_eq(thread_control_token_verify(SECRET, 4, tok, strlen(tok), &agent), 0);
	ck_assert_int_eq(thread_control_token_verify("another secret", 3, tok, strlen(tok), &agent), 0);
	ck_assert_int_eq(thread_control_token_verify(NULL, 3, tok, strlen(tok), &agent), 0);
	/* Another agent with the same MAC. */
	snprintf(other, sizeof(other), "control-8-%s", tok + 10);
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, other, strlen(other), &agent), 0);
	/* Not a reply token, and a reply token's MAC is not a control one. */
	ck_assert_int_eq(thread_token_verify(SECRET, 3, tok, strlen(tok), &rt), 0);
	ck_assert_int_eq(thread_bounce_token_verify(SECRET, 3, tok, strlen(tok), &agent), 0);
	thread_token_make(SECRET, 3, &reply, other, sizeof(other));
	snprintf(tok, sizeof(tok), "control-7-%.16s", other + strlen("1-7-"));
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, tok, strlen(tok), &agent), 0);
	thread_bounce_token_make(SECRET, 3, 7, other, sizeof(other));
	snprintf(tok, sizeof(tok), "control-7-%.16s", other + strlen("b7-"));
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, tok, strlen(tok), &agent), 0);
}
END_TEST

START_TEST(test_control_token_every_change_and_cut_is_rejected)
{
	const char *alphabet = "abcdefghijklmnopqrstuvwxyz2345670189-";
	char tok[64], forged[64];
	size_t len, tried = 0;
	int64_t agent;

	thread_control_token_make(SECRET, 3, 42, tok, sizeof(tok));
	len = strlen(tok);
	for (size_t pos = 0; pos < len; pos++) {
		for (const char *a = alphabet; *a != '\0'; a++) {
			if (*a == tok[pos])
				continue;
			memcpy(forged, tok, len + 1);
			forged[pos] = *a;
			ck_assert_msg(thread_control_token_verify(SECRET, 3, forged, len, &agent) == 0, "accepted %s",
				      forged);
			tried++;
		}
	}
	ck_assert_uint_gt(tried, len * 30);
	for (size_t n = 0; n < len; n++)
		ck_assert_msg(thread_control_token_verify(SECRET, 3, tok, n, &agent) == 0, "accepted %.*s", (int)n, tok);
	snprintf(forged, sizeof(forged), "%sa", tok);
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, forged, len + 1, &agent), 0);
	ck_assert_int_eq(thread_control_token_verify(SECRET, 3, "control", 7, &agent), 0);
	thread_control_token_make(SECRET, 3, 0, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	thread_control_token_make("", 3, 42, tok, sizeof(tok));
	ck_assert_str_eq(tok, "");
	thread_control_token_make(SECRET, 3, 42, tok, 20);
	ck_assert_str_eq(tok, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("thread");
	TCase *decide = tcase_create("decide");
	TCase *token = tcase_create("token");
	TCase *addr = tcase_create("address");
	TCase *msgid = tcase_create("msgid");
	TCase *tag = tcase_create("subject-tag");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(decide, test_decide_follows_the_evidence_order_and_reopen_window, 0,
			    N_ELEMENTS(decide_cases));
	tcase_add_test(decide, test_decide_detail_is_one_readable_line);
	tcase_add_loop_test(decide, test_decide_who_joins_and_who_adds_participants, 0, N_ELEMENTS(trust_cases));
	tcase_add_test(decide, test_reason_names_are_stable);
	suite_add_tcase(s, decide);

	tcase_add_loop_test(token, test_token_round_trips_ticket_and_agent, 0, N_ELEMENTS(token_cases));
	tcase_add_test(token, test_token_every_single_character_change_is_rejected);
	tcase_add_test(token, test_token_truncated_or_extended_is_rejected);
	tcase_add_test(token, test_token_is_bound_to_tenant_and_secret);
	tcase_add_test(token, test_token_is_bound_to_agent);
	tcase_add_test(token, test_token_in_upper_case_is_accepted);
	tcase_add_test(token, test_msgid_mac_is_not_a_reply_token);
	tcase_add_loop_test(token, test_token_malformed_is_rejected, 0, N_ELEMENTS(token_bad_shapes));
	tcase_add_test(token, test_token_make_refuses_bad_input);
	tcase_add_test(token, test_bounce_token_round_trips_and_refuses_changes);
	tcase_add_test(token, test_agent_token_round_trips_every_field);
	tcase_add_test(token, test_agent_token_every_single_character_change_is_rejected);
	tcase_add_test(token, test_agent_token_truncated_extended_or_rebound_is_rejected);
	tcase_add_loop_test(token, test_agent_token_malformed_is_rejected, 0, N_ELEMENTS(agent_token_bad_shapes));
	tcase_add_test(token, test_agent_token_make_refuses_bad_input);
	tcase_add_loop_test(token, test_agent_token_expiry, 0, N_ELEMENTS(expiry_cases));
	tcase_add_test(token, test_control_token_round_trips_and_is_bound);
	tcase_add_test(token, test_control_token_every_change_and_cut_is_rejected);
	suite_add_tcase(s, token);

	tcase_add_loop_test(addr, test_address_split_at_first_delimiter, 0, N_ELEMENTS(split_cases));
	tcase_add_test(addr, test_address_split_refuses_small_base);
	tcase_add_test(addr, test_address_token_round_trip);
	suite_add_tcase(s, addr);

	tcase_add_test(msgid, test_msgid_round_trip_ignores_host);
	tcase_add_test(msgid, test_msgid_forged_or_foreign_is_rejected);
	tcase_add_test(msgid, test_msgid_upper_case_accepted);
	tcase_add_loop_test(msgid, test_msgid_malformed_is_rejected, 0, N_ELEMENTS(msgid_bad_shapes));
	tcase_add_test(msgid, test_msgid_truncated_mac_is_rejected);
	tcase_add_test(msgid, test_msgid_make_refuses_bad_nonce_or_host);
	suite_add_tcase(s, msgid);

	tcase_add_loop_test(tag, test_subject_tag_make, 0, N_ELEMENTS(tag_make_cases));
	tcase_add_test(tag, test_subject_tag_make_refuses_small_buffer);
	tcase_add_loop_test(tag, test_subject_tag_find, 0, N_ELEMENTS(tag_find_cases));
	tcase_add_loop_test(tag, test_subject_tag_format_check, 0, N_ELEMENTS(tag_check_cases));
	tcase_add_test(tag, test_subject_tag_found_in_what_make_wrote);
	suite_add_tcase(s, tag);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
