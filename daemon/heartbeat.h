#ifndef MAILDESK_HEARTBEAT_H
#define MAILDESK_HEARTBEAT_H

struct heartbeat;

/* Starts a thread of its own (never the libuv loop) that upserts this
 * daemon's row in the daemons table at once and then every interval_s
 * seconds, with its version and counters; a failed write is logged and
 * retried at the next beat. Never fails (a thread that cannot start is
 * logged; the daemon runs without heartbeats). */
struct heartbeat *heartbeat_start(const char *conninfo, unsigned timeout_s, unsigned interval_s);
/* Wakes and joins the thread, deletes the row (a clean exit), frees;
 * NULL-safe, sets *h to NULL. */
void heartbeat_stop(struct heartbeat **h);

#endif
