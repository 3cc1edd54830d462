#ifndef MD_DESK_WEBHOOK_H
#define MD_DESK_WEBHOOK_H
/* Webhooks out (issue 13): the one way anything queues an event for the
 * tenant's webhooks. Call it inside the transaction of the change it tells
 * about, so the delivery rows commit (or roll back) with the change; the
 * daemon's sender (daemon/webhook.c) sends them, signed, in order per
 * ticket. Events: ticket.created, message.received, agent.replied,
 * ticket.status_changed, ticket.assigned (a new kind needs no schema
 * change: webhooks name the kinds they want). */
#include <stdint.h>

#include "db/db.h"

struct json_t;

/* Queues event about ticket ticket_id (0: about no ticket) of the tenant
 * for every webhook of the tenant that wants it. The payload is one JSON
 * object: {"type", "id" (evt_ + 32 hex, the same for every webhook),
 * "occurred_at" (ISO 8601 UTC), "tenant", "ticket": {number, subject,
 * status, priority, team, assignee, requester {email, name}, order, tags}}
 * plus every member of extra (borrowed, may be NULL), such as "message" or
 * "change". Nothing is read or built when no webhook wants the event.
 * Returns 0, or -1 with *error_r (the caller's transaction is then lost:
 * roll it back). */
int desk_webhook_emit(struct db *db, int64_t tenant_id, const char *event, int64_t ticket_id,
		      struct json_t *extra, char **error_r);

/* A ticket event kind as desk_event() records it ("created", "closed",
 * "assigned", ...): the webhook event it is ("ticket.created",
 * "ticket.status_changed", "ticket.assigned"), or NULL for none. */
const char *desk_webhook_event_of(const char *kind);

/* The message part of a payload: {"id", "from", "subject", "summary" (the
 * text's first 500 bytes, cut at a character, trailing blanks dropped),
 * "attachments"}; any string
 * may be NULL. New reference. */
struct json_t *desk_webhook_message(int64_t message_id, const char *from, const char *subject, const char *text,
				    size_t n_attachments);
#endif
