/* Writing what lib/desk decided: queued mail, events, message kinds. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "agent/agent.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-desk-caps.h"
#include "db/db-desk-mail.h"
#include "mime/mime-compose.h"

/* desk_event() is desk-ticket.c's, on db_ticket_event(). */

int desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
		      char **error_r)
{
	return db_desk_message_mark(db, tenant_id, message_id, kind, agent_id, error_r);
}

/* Automatic mail past its hourly cap? 1 capped (detail says why), 0 fine,
 * -1 error. Mail an agent chose to send is never capped. */
static int desk_auto_capped(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			    enum db_outbound_kind kind, const char *const *rcpts, size_t n_rcpts, char *detail,
			    size_t detail_size, char **error_r)
{
	struct db_desk_auto_counts c;
	long per_ticket, per_address, per_team;

	if (kind != DB_OUTBOUND_NOTIFICATION && kind != DB_OUTBOUND_ACK && kind != DB_OUTBOUND_EXPLANATION)
		return 0;
	(void)n_rcpts; /* automatic mail always has one recipient */
	/* Acknowledgements also count against their team's cap. */
	if (db_desk_auto_counts(db, tenant_id, ticket_id, rcpts[0], kind == DB_OUTBOUND_ACK, &c, error_r) < 0)
		return -1;
	per_ticket = (long)c.per_ticket;
	per_address = (long)c.per_address;
	per_team = (long)c.per_team;
	if (s->auto_per_ticket_hour != 0 && per_ticket >= (long)s->auto_per_ticket_hour) {
		snprintf(detail, detail_size, "%s to %s not sent: %ld automatic mails for this ticket in the last hour",
			 db_outbound_kind_name(kind), rcpts[0], per_ticket);
		return 1;
	}
	if (s->auto_per_address_hour != 0 && per_address >= (long)s->auto_per_address_hour) {
		snprintf(detail, detail_size, "%s to %s not sent: %ld automatic mails to this address in the last hour",
			 db_outbound_kind_name(kind), rcpts[0], per_address);
		return 1;
	}
	if (s->auto_per_team_hour != 0 && per_team >= (long)s->auto_per_team_hour) {
		snprintf(detail, detail_size,
			 "%s to %s not sent: %ld automatic mails to customers from this team in the last hour"
			 " (auto_mail_per_team_hour)",
			 db_outbound_kind_name(kind), rcpts[0], per_team);
		return 1;
	}
	return 0;
}

/* The recipients the outbound queue takes (db_outbound_address_valid:
 * not too long, no blanks or control characters); each one refused is
 * dropped from this mail with a mail.rcpt_dropped event, so one hostile
 * address on a ticket never blocks the mail to the others. *kept_r
 * (free() it) holds pointers into rcpts. Returns how many are kept, or -1. */
static ssize_t rcpts_usable(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_outbound_kind kind,
			    const char *const *rcpts, size_t n_rcpts, const char ***kept_r, char **error_r)
{
	const char **kept = xcalloc(n_rcpts + 1, sizeof(*kept));
	size_t n = 0;
	char q[400], detail[500];

	for (size_t i = 0; i < n_rcpts; i++) {
		if (rcpts[i] != NULL && db_outbound_address_valid(rcpts[i], false)) {
			kept[n++] = rcpts[i];
			continue;
		}
		log_quote(q, sizeof(q), rcpts[i] != NULL ? rcpts[i] : "", rcpts[i] != NULL ? strlen(rcpts[i]) : 0, 320);
		snprintf(detail, sizeof(detail), "%s: recipient %s dropped: not a valid address",
			 db_outbound_kind_name(kind), q);
		log_warn("event=mail.rcpt_dropped tenant=%" PRId64 " ticket_id=%" PRId64 " kind=%s rcpt=%s", tenant_id,
			 ticket_id, db_outbound_kind_name(kind), q);
		if (desk_event(db, tenant_id, ticket_id, "mail.rcpt_dropped", "mail", detail, error_r) < 0) {
			free(kept);
			return -1;
		}
	}
	*kept_r = kept;
	return (ssize_t)n;
}

int desk_queue(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
	       enum db_outbound_kind kind, const char *envelope_from, const char *const *rcpts, size_t n_rcpts, const char *data, size_t len,
	       const char *message_id, char **error_r)
{
	const char **kept = NULL;
	ssize_t n_kept = rcpts_usable(db, tenant_id, ticket_id, kind, rcpts, n_rcpts, &kept, error_r);
	struct db_outbound_in o = {
		.tenant_id = tenant_id, .ticket_id = ticket_id, .kind = kind, .envelope_from = envelope_from,
		.rcpts = kept, .n_rcpts = n_kept > 0 ? (size_t)n_kept : 0, .data = data, .len = len,
		.message_id = message_id,
	};
	char detail[300];
	int capped, ret;

	if (n_kept <= 0) {
		free(kept);
		return n_kept < 0 ? -1 : desk_event(db, tenant_id, ticket_id, "mail.not_sent", "mail",
						    "no valid recipient left", error_r);
	}
	if ((capped = desk_auto_capped(db, s, tenant_id, ticket_id, kind, kept, o.n_rcpts, detail, sizeof(detail),
				       error_r)) != 0)
		ret = capped < 0 ? -1 : desk_event(db, tenant_id, ticket_id, "mail.capped", "mail", detail, error_r);
	else
		/* The outbound row is the record of the mail (kind, recipients,
		 * state): no event besides it, one statement less per mail. */
		ret = db_outbound_enqueue(db, &o, NULL, error_r);
	free(kept);
	return ret;
}

int desk_team_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_notice *n,
		     const struct desk_agent *a, char **error_r)
{
	char *msgid = desk_message_id(s, tenant_id, n->ticket_number);
	const char *names[] = { "Auto-Submitted", "X-Auto-Response-Suppress", AGENT_LOOP_HEADER };
	const char *values[] = { "auto-replied", "All", s->hostname };
	struct mime_compose_addr to = { a->name, a->email };
	struct mime_compose c = {
		.from = { n->team_name, n->team_alias }, .to = &to, .n_to = 1, .subject = n->subject,
		.date = (int64_t)time(NULL), .message_id = msgid, .in_reply_to = n->in_reply_to,
		.text = n->body, .extra_names = names, .extra_values = values, .n_extra = 3,
	};
	const char *rcpts[1] = { a->email };
	size_t len;
	char *data = mime_compose(&c, &len);
	int ret = desk_queue(db, s, tenant_id, n->ticket_id, DB_OUTBOUND_EXPLANATION, "", rcpts, 1, data, len, msgid,
			     error_r);

	free(data);
	free(msgid);
	return ret;
}

int desk_agent_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct desk_agent *a, const char *subject_prefix, const char *body, const char *in_reply_to,
		      char **error_r)
{
	char *subject = desk_subject(t, subject_prefix);
	struct desk_notice n = { .ticket_id = t->id, .ticket_number = t->number, .team_name = t->team_name,
				 .team_alias = t->team_alias, .subject = subject, .body = body,
				 .in_reply_to = in_reply_to };
	int ret = desk_team_notice(db, s, tenant_id, &n, a, error_r);

	free(subject);
	return ret;
}
