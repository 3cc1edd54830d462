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

/* The winning piece of evidence: which candidate, and the words for it. */
struct thread_evidence {
	const struct thread_candidate *c; /* NULL: none applies */
	enum thread_reason reason;
	char text[120];
};

/* Walks the evidence in the documented order. A subject tag from someone
 * who is not on the ticket is not evidence (anyone can type "[#12]"), but
 * it is named in the text so the new ticket explains itself. */
static void thread_evidence_pick(const struct thread_facts *f, struct thread_evidence *ev)
{
	ev->c = NULL;
	ev->reason = THREAD_REASON_NEW;
	if (f->token.ticket_id != 0) {
		ev->c = &f->token;
		ev->reason = THREAD_REASON_TOKEN;
		snprintf(ev->text, sizeof(ev->text),
			 "verified signed token (reply address or Message-ID) for ticket %" PRId64,
			 f->token.ticket_id);
	} else if (f->references.ticket_id != 0) {
		ev->c = &f->references;
		ev->reason = THREAD_REASON_REFERENCES;
		snprintf(ev->text, sizeof(ev->text), "In-Reply-To/References match a message of ticket %" PRId64,
			 f->references.ticket_id);
	} else if (f->subject_tag.ticket_id != 0 && f->subject_tag.sender_is_participant) {
		ev->c = &f->subject_tag;
		ev->reason = THREAD_REASON_SUBJECT_TAG;
		snprintf(ev->text, sizeof(ev->text),
			 "subject tag matches ticket %" PRId64 " and the sender is a participant",
			 f->subject_tag.ticket_id);
	} else if (f->subject_tag.ticket_id != 0) {
		snprintf(ev->text, sizeof(ev->text),
			 "subject tag of ticket %" PRId64 " ignored: sender is not a participant of ticket %" PRId64,
			 f->subject_tag.ticket_id, f->subject_tag.ticket_id);
	} else {
		snprintf(ev->text, sizeof(ev->text), "no token, no known Message-ID, no usable subject tag");
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

void thread_decide(const struct thread_facts *f, struct thread_decision *d)
{
	struct thread_evidence ev;

	memset(d, 0, sizeof(*d));
	thread_evidence_pick(f, &ev);
	if (ev.c == NULL) {
		thread_detail_set(d, "%s; new ticket", ev.text);
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
}
