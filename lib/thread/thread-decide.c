/* The threading decision: which evidence wins, and what a match to a
 * closed, solved, pending or snoozed ticket means. */
#include "config.h"
#include "thread/thread.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define THREAD_DAY_SECONDS 86400

const char *thread_reason_name(enum thread_reason r)
{
	switch (r) {
	case THREAD_REASON_NEW:
		return "new";
	case THREAD_REASON_TOKEN:
		return "token";
	case THREAD_REASON_REFERENCES:
		return "references";
	case THREAD_REASON_SUBJECT_TAG:
		return "subject-tag";
	}
	return "unknown";
}

/* The detail is a human line; should a huge ticket number ever not fit,
 * a cut line is acceptable, so truncation is deliberate here. */
static void thread_detail_set(struct thread_decision *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void thread_detail_set(struct thread_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
}

/* The winning piece of evidence: which candidate, and the words for it.
 * linked: a References match that was refused (the sender is a stranger
 * to that ticket), to link a new ticket to. */
struct thread_evidence {
	const struct thread_candidate *c; /* NULL: none applies */
	const struct thread_candidate *linked;
	enum thread_reason reason;
	char text[200];
};

/* A sender who may continue a conversation found by References or a
 * subject tag: its requester, a participant, or an authenticated agent. */
static bool thread_member(const struct thread_facts *f, const struct thread_candidate *c)
{
	return c->sender_is_participant || f->sender_is_agent;
}

/* Walks the evidence in the documented order. References or a subject
 * tag from someone who is not on the ticket are not evidence (Message-IDs
 * and ticket numbers are easy to learn), but they are named in the text so
 * the new ticket explains itself. */
static void thread_evidence_pick(const struct thread_facts *f, struct thread_evidence *ev)
{
	size_t n = 0;

	ev->c = NULL;
	ev->linked = NULL;
	ev->reason = THREAD_REASON_NEW;
	ev->text[0] = '\0';
	if (f->token.ticket_id != 0) {
		ev->c = &f->token;
		ev->reason = THREAD_REASON_TOKEN;
		snprintf(ev->text, sizeof(ev->text),
			 "verified signed token (reply address or Message-ID) for ticket %" PRId64,
			 f->token.ticket_id);
		return;
	}
	if (f->references.ticket_id != 0 && thread_member(f, &f->references)) {
		ev->c = &f->references;
		ev->reason = THREAD_REASON_REFERENCES;
		snprintf(ev->text, sizeof(ev->text), "In-Reply-To/References match a message of ticket %" PRId64,
			 f->references.ticket_id);
		return;
	}
	if (f->references.ticket_id != 0) {
		ev->linked = &f->references;
		n = (size_t)snprintf(ev->text, sizeof(ev->text),
				     "In-Reply-To/References match a message of ticket %" PRId64
				     " but the sender is not on it; ",
				     f->references.ticket_id);
		if (n >= sizeof(ev->text))
			n = sizeof(ev->text) - 1;
	}
	if (f->subject_tag.ticket_id != 0 && thread_member(f, &f->subject_tag)) {
		ev->c = &f->subject_tag;
		ev->linked = NULL;
		ev->reason = THREAD_REASON_SUBJECT_TAG;
		snprintf(ev->text + n, sizeof(ev->text) - n,
			 "subject tag matches ticket %" PRId64 " and the sender is a participant",
			 f->subject_tag.ticket_id);
	} else if (f->subject_tag.ticket_id != 0) {
		snprintf(ev->text + n, sizeof(ev->text) - n,
			 "subject tag of ticket %" PRId64 " ignored: sender is not a participant of ticket %" PRId64,
			 f->subject_tag.ticket_id, f->subject_tag.ticket_id);
	} else if (n == 0) {
		snprintf(ev->text, sizeof(ev->text), "no token, no known Message-ID, no usable subject tag");
	} else if (n >= 2) {
		ev->text[n - 2] = '\0'; /* drop the "; " */
	}
}

static bool thread_status_is(const struct thread_candidate *c, const char *status)
{
	return c->status != NULL && strcmp(c->status, status) == 0;
}

/* True when a closed/solved ticket is past the team's reopen window. An
 * unknown close time (0) or one in the future counts as inside: without a
 * date we do not split a conversation. */
static bool thread_past_window(const struct thread_facts *f, const struct thread_candidate *c,
			       int64_t *days_r)
{
	int64_t age;

	*days_r = 0;
	if (f->reopen_days == 0 || c->closed_at <= 0 || f->now <= c->closed_at)
		return false;
	age = f->now - c->closed_at; /* both positive: cannot overflow */
	*days_r = age / THREAD_DAY_SECONDS;
	return age > (int64_t)f->reopen_days * THREAD_DAY_SECONDS;
}

/* Appending to a closed or solved ticket: reopen it, or start a new ticket
 * linked to it when it was closed too long ago. */
static void thread_decide_closed(const struct thread_facts *f, const struct thread_evidence *ev,
				 struct thread_decision *d)
{
	const struct thread_candidate *c = ev->c;
	int64_t days;

	if (thread_past_window(f, c, &days)) {
		d->reason = THREAD_REASON_NEW;
		d->ticket_id = 0;
		d->linked_ticket_id = c->ticket_id;
		thread_detail_set(d,
			 "%s; ticket %" PRId64 " %s %" PRId64 " days ago (reopen window %u days): new linked ticket",
			 ev->text, c->ticket_id, c->status, days, f->reopen_days);
		return;
	}
	d->reopen = true;
	thread_detail_set(d, "%s; ticket %" PRId64 " was %s: reopened", ev->text, c->ticket_id,
		 c->status);
}

/* Whether a message that joins ticket c may add its To/Cc there, and if
 * not, why (static text). */
static bool thread_may_add(const struct thread_facts *f, const struct thread_evidence *ev, const char **why_r)
{
	*why_r = NULL;
	if (ev->reason == THREAD_REASON_TOKEN) {
		if (!f->token_names_agent || f->sender_is_agent)
			return true;
		*why_r = "an agent's reply address used by someone who is not an authenticated agent";
		return false;
	}
	if (f->sender_is_agent || f->sender_authenticated || !f->require_authenticated_requester)
		return true;
	*why_r = "the sender is not authenticated and the tenant requires it";
	return false;
}

/* Appends to the detail why nobody was added, when that is so. */
static void thread_detail_participants(struct thread_decision *d, const char *why)
{
	size_t n = strlen(d->detail);

	if (why != NULL && n < sizeof(d->detail))
		snprintf(d->detail + n, sizeof(d->detail) - n, "; adds no participants: %s", why);
}

/* A new ticket: plain, or linked to the ticket that References named
 * when its sender was a stranger there. */
static void thread_decide_new(const struct thread_evidence *ev, struct thread_decision *d)
{
	d->add_participants = true; /* the sender's own conversation */
	if (ev->linked == NULL) {
		thread_detail_set(d, "%s; new ticket", ev->text);
		return;
	}
	d->linked_ticket_id = ev->linked->ticket_id;
	thread_detail_set(d, "%s; new ticket linked to ticket %" PRId64, ev->text, ev->linked->ticket_id);
}

void thread_decide(const struct thread_facts *f, struct thread_decision *d)
{
	struct thread_evidence ev;
	const char *why;

	memset(d, 0, sizeof(*d));
	thread_evidence_pick(f, &ev);
	if (ev.c == NULL) {
		thread_decide_new(&ev, d);
		return;
	}
	d->reason = ev.reason;
	d->ticket_id = ev.c->ticket_id;
	if (thread_status_is(ev.c, "closed") || thread_status_is(ev.c, "solved")) {
		thread_decide_closed(f, &ev, d);
	} else if (thread_status_is(ev.c, "snoozed")) {
		d->reopen = true;
		d->woke = true;
		thread_detail_set(d, "%s; ticket %" PRId64 " was snoozed: woken and reopened",
			 ev.text, ev.c->ticket_id);
	} else if (thread_status_is(ev.c, "pending")) {
		/* Pending waits for the customer: this is the answer. */
		d->reopen = true;
		thread_detail_set(d, "%s; ticket %" PRId64 " was pending: reopened", ev.text,
			 ev.c->ticket_id);
	} else {
		/* "open", or a status this module does not know: just append. */
		thread_detail_set(d, "%s", ev.text);
	}
	if (d->ticket_id == 0) {
		d->add_participants = true; /* a new linked ticket of its own */
		return;
	}
	d->add_participants = thread_may_add(f, &ev, &why);
	thread_detail_participants(d, why);
}
