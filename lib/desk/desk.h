#ifndef MD_DESK_H
#define MD_DESK_H
/* The helpdesk's reactions to mail, run inside the delivery transaction
 * (the db_after_store_fn hook), so every mail it queues commits together
 * with the message that caused it:
 *   - a customer's message: agents are notified (the assignee, else the
 *     team's agents who are online or asked to be mailed while offline),
 *     unless the message is automatic mail (RFC 3834: bounces, lists,
 *     auto-replies, our own mail), so two systems never loop;
 *   - a mail to a reply address whose verified token names an agent, from
 *     that agent's own address: the agent's answer. Commands at its top are
 *     applied, the quoted notification is cut, the signature appended, and
 *     the answer is queued to the requester (participants on Cc) from the
 *     team's alias, threaded onto the customer's conversation. From any
 *     other address it is stored as untrusted, nothing reaches the
 *     customer, and the agent is told.
 * The module reads and writes through lib/db only (SQL with parameters). */
#include <stdint.h>

#include "db/db.h"

struct desk_settings {
	const char *secret;    /* signs reply addresses and Message-IDs */
	const char *hostname;  /* right-hand side of our Message-IDs */
	char delimiter;        /* recipient delimiter for reply addresses */
};

/* The hook; ctx is a struct desk_settings that outlives the connection. */
int desk_after_inbound(void *ctx, struct db *db, int64_t tenant_id, int64_t team_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r);

#endif
