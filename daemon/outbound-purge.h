#ifndef MD_DAEMON_OUTBOUND_PURGE_H
#define MD_DAEMON_OUTBOUND_PURGE_H
/* Outbound retention: sent and failed outbound rows older than
 * outbound_retention lose their message bytes (db_outbound_purge; the rows
 * stay). The same job runs the tenants' inbound retention (raw mail and
 * attachment contents, db_privacy_purge; sql/026), logged apart
 * (event=inbound.purged) and counted in maildesk_inbound_purged_total,
 * and deletes the HTTP API's Idempotency-Key records older than
 * http_idempotency_ttl (db_http_idem_purge_batches; event=
 * http.idempotency_purged). A purge runs at start and then at most once an hour, as a job in
 * libuv's thread pool on a connection of the workers (workers.h), in
 * batches of DB_OUTBOUND_PURGE_BATCH rows each
 * committed on its own; a job stops after a bounded number of batches and
 * the next one follows at once, so a stop waits for one job at most.
 * Several daemons may purge at once: each batch skips the rows another one
 * has locked. Started and stopped by the sender (outbound.c). Loop thread
 * only. */
#include <uv.h>

#include "base/conf.h"

struct outbound_purge;

/* Threads of the pool it may occupy at once (one job). */
unsigned outbound_purge_threads(void);

/* Starts on loop with cfg's outbound_retention (copied). Never fails; its
 * timer is unref'd. */
struct outbound_purge *outbound_purge_start(uv_loop_t *loop, const struct md_config *cfg);
/* SIGHUP: takes the new outbound_retention for the next purge. NULL
 * ignored. */
void outbound_purge_configure(struct outbound_purge *p, const struct md_config *cfg);
/* Stops: no new job; one in flight finishes. Frees itself once idle; *p
 * set to NULL at once. NULL ignored. */
void outbound_purge_stop(struct outbound_purge **p);

#endif
