#ifndef MD_DAEMON_WEBHOOK_H
#define MD_DAEMON_WEBHOOK_H
/* The webhook sender (issue 13): a thread of its own with its own
 * PostgreSQL connection (never the libuv loop or its pool) that claims due
 * deliveries (lib/db/db-webhook.h: FOR UPDATE SKIP LOCKED, one at a time
 * per webhook and ticket, so several daemons never send one twice at once
 * and a ticket's events arrive in order), sends each (webhook-send.h) and
 * records the outcome: delivered, again after a doubling wait from
 * webhook_retry_min (at most 1 hour), or failed (a permanent refusal, or
 * past webhook_lifetime). It looks for due rows every second and at once
 * after a batch that filled its claim. Each attempt is logged with the
 * delivery and webhook ids, never the secret. */
#include "base/conf.h"

struct webhook_sender;
/* Starts the thread with cfg's database and webhook_* settings (copied).
 * Never fails: a thread that cannot start is logged (no webhooks are sent
 * by this daemon); a database that cannot be reached is retried. */
struct webhook_sender *webhook_sender_start(const struct md_config *cfg);
/* SIGHUP: the new webhook_* settings apply from the next claim; new
 * database settings make the thread's connection anew. NULL ignored. */
void webhook_sender_configure(struct webhook_sender *w, const struct md_config *cfg);
/* Stops: the request in flight finishes and is recorded, rows claimed but
 * not yet sent are given back; joins and frees. NULL-safe; *w set NULL. */
void webhook_sender_stop(struct webhook_sender **w);
#endif
