/* The delivery pipeline: one received message for one team, from the first
 * statement to COMMIT, in the order desk.h lists. lib/db only stores;
 * lib/thread decides; this file is the only one that runs the sequence. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-request-private.h"
#include "desk/desk-connection.h"
#include "desk/desk-intake-private.h"

#include <stdlib.h>
#include <string.h>

#include "db/db-deliver.h"
#include "db/db-imap.h"

/* The contact's address: From, else the envelope sender, else "unknown"
 * (a contact's email is never empty). */
static const char *contact_email(const struct db_message_in *m)
{
	if (m->from_addr != NULL && m->from_addr[0] != '\0')
		return m->from_addr;
	if (m->envelope_from != NULL && m->envelope_from[0] != '\0')
		return m->envelope_from;
	return "unknown";
}

/* Step 3: threading, or a request's own placement (rq not NULL). */
static int place_only(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		 const struct db_message_in *m, const struct db_delivery_start *st, const struct desk_request_place *rq,
		 struct db_delivery_result *r, bool *add_participants_r, char **error_r)
{
	if (rq != NULL && rq->intake != NULL)
		return desk_intake_place_run(db, tenant_id, team_id, m, rq->intake, r->sender_contact_id, r, error_r);
	if (rq != NULL)
		return desk_request_place_run(db, tenant_id, team_id, m, rq, r->sender_contact_id, r, error_r);
	return desk_thread_place(db, s, tenant_id, team_id, m, &st->settings, r->sender_contact_id, r,
				 add_participants_r, error_r);
}

/* Step 3 and, for the HTTP API, the Idempotency-Key's record of where it
 * went, in the same transaction. */
static int place(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		 const struct db_message_in *m, const struct db_delivery_start *st, const struct desk_request_place *rq,
		 struct db_delivery_result *r, bool *add_participants_r, char **error_r)
{
	if (place_only(db, s, tenant_id, team_id, m, st, rq, r, add_participants_r, error_r) < 0)
		return -1;
	return rq != NULL ? desk_request_idem_store(db, rq->idem, r, error_r) : 0;
}

/* Steps 3-5 for a message not stored before for this team. */
static int store_new(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		     const char *rcpt, const struct db_message_in *m, const struct db_delivery_start *st,
		     const struct desk_request_place *rq, struct db_delivery_result *r, char **error_r)
{
	bool add_participants = false;

	r->sender_contact_id = st->contact_id;
	r->skip_ack = !st->settings.team_autoack;
	r->skip_sla = !st->settings.team_sla;
	r->order_patterns_version = st->settings.order_patterns_version;
	bool to_provider = rq != NULL && rq->to_provider;

	/* A new ticket of a connected brand may be its provider's
	 * (desk-connection.h); a request to a provider is refused without. */
	if (place(db, s, tenant_id, team_id, m, st, rq, r, &add_participants, error_r) < 0 ||
	    (r->new_ticket && (st->settings.brand_connected || to_provider) &&
	     desk_connection_route(db, tenant_id, r->ticket_id, to_provider, error_r) < 0) ||
	    db_message_store(db, tenant_id, team_id, r->ticket_id, rcpt, m, r->match_reason, r->match_detail,
			     &r->message_id, error_r) < 0 ||
	    (add_participants && desk_participants_add(db, s, tenant_id, r->ticket_id, m, error_r) < 0))
		return -1;
	for (size_t i = 0; i < m->n_attachments; i++)
		if (db_attachment_store(db, tenant_id, r->message_id, &m->attachments[i], error_r) < 0)
			return -1;
	return desk_react(db, s, tenant_id, team_id, m, r, error_r);
}

/* A duplicate fetched over IMAP still moves its channel's position on
 * (nothing else of the attempt is kept): its own short transaction, as
 * the message's was committed before. */
static int position_only(struct db *db, const struct db_channel_pos *pos, char **error_r)
{
	if (db_begin(db, error_r) < 0)
		return -1;
	if (db_imap_position_set(db, pos, error_r) < 0 || db_commit(db, error_r) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/* One attempt at the whole delivery inside BEGIN .. COMMIT, pipelined:
 * what nobody reads travels with the next statement that waits. */
static int deliver_once(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			const char *rcpt, const struct db_message_in *m, const struct desk_request_place *rq,
			struct db_delivery_result *r, char **error_r)
{
	struct db_delivery_start st;

	memset(r, 0, sizeof(*r));
	if (db_begin_pipelined(db, error_r) < 0)
		return -1;
	if (db_delivery_start(db, tenant_id, team_id, m->raw, m->raw_len, m->raw_sha256_hex, contact_email(m),
			      m->from_name, m->from_addr, &st, error_r) < 0)
		goto fail;
	r->duplicate = st.duplicate;
	if (r->duplicate) {
		/* Stored before: nothing of this attempt is kept. */
		r->message_id = st.message_id;
		r->ticket_number = st.ticket_number;
		db_rollback(db);
		return m->channel_pos != NULL ? position_only(db, m->channel_pos, error_r) : 0;
	}
	/* A message fetched over IMAP: its channel's position commits with it. */
	if (store_new(db, s, tenant_id, team_id, rcpt, m, &st, rq, r, error_r) < 0 ||
	    (m->channel_pos != NULL && db_imap_position_set(db, m->channel_pos, error_r) < 0) ||
	    db_commit(db, error_r) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* One attempt, and one more when it may succeed. */
static int deliver(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		   const char *rcpt, const struct db_message_in *m, const struct desk_request_place *rq,
		   struct db_delivery_result *r, char **error_r)
{
	char *first_error = NULL;

	if (deliver_once(db, s, tenant_id, team_id, rcpt, m, rq, r, &first_error) == 0)
		return 0;
	if (db_delivery_retryable(db)) {
		free(first_error);
		first_error = NULL;
		if (deliver_once(db, s, tenant_id, team_id, rcpt, m, rq, r, &first_error) == 0)
			return 0;
	}
	memset(r, 0, sizeof(*r));
	if (error_r != NULL)
		*error_r = first_error;
	else
		free(first_error);
	return -1;
}

/* Contract in desk.h. */
int desk_deliver(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id, const char *rcpt,
		 const struct db_message_in *m, struct db_delivery_result *r, char **error_r)
{
	return deliver(db, s, tenant_id, team_id, rcpt, m, NULL, r, error_r);
}

/* Contract in desk-request-private.h. */
int desk_deliver_request(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			 const char *rcpt, const struct db_message_in *m, const struct desk_request_place *p,
			 struct db_delivery_result *r, char **error_r)
{
	return deliver(db, s, tenant_id, team_id, rcpt, m, p, r, error_r);
}
