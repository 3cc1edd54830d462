#ifndef MD_DAEMON_IMAP_CHANNEL_H
#define MD_DAEMON_IMAP_CHANNEL_H
/* IMAP channels (issue 15): maildeskd fetches mail of teams hosted
 * elsewhere. Every few seconds a lease (db_imap_lease, a row lease renewed
 * by its holder) tells which channels this daemon works; another daemon
 * takes a channel over once the holder stopped renewing. For each channel
 * one session (imap-session.h) whose blocking calls run in libuv's pool,
 * one job at a time, and at most imap_max_jobs of all channels' jobs in
 * the pool at once (the others wait in line):
 *   - new UIDs are fetched by UID and each message is delivered exactly as
 *     an LMTP delivery to the team's first alias (delivery_data_start:
 *     dedupe, rules, notifications), its channel position committed in the
 *     message's own transaction;
 *   - only after that commit the message is moved (or deleted or flagged)
 *     on the server; a crash in between fetches it again and the dedupe
 *     stores it once;
 *   - then IDLE when offered (the socket watched on the loop, no pool
 *     thread waits), else a look every imap_poll_interval;
 *   - failures (connect, TLS, login, folder, protocol) give one log line
 *     per change, a status in "channel show" and exponential backoff.
 * Loop thread only. */
#include <uv.h>

#include "base/conf.h"

struct imap_channels;

/* Threads of the pool the channels may occupy at once (imap_max_jobs,
 * to add to UV_THREADPOOL_SIZE); more jobs wait for one of them. */
unsigned imap_channels_threads(const struct md_config *cfg);
/* Starts the lease on loop; holder names this daemon (host:pid). Never
 * fails; handles are unref'd. */
struct imap_channels *imap_channels_start(uv_loop_t *loop, const struct md_config *cfg);
/* SIGHUP: takes imap_poll_interval. NULL ignored. */
void imap_channels_configure(struct imap_channels *m, const struct md_config *cfg);
/* Stops every session (messages being delivered finish, then are moved)
 * and gives the leases up; frees itself once idle. *m set to NULL at
 * once; NULL ignored. */
void imap_channels_stop(struct imap_channels **m);

#endif
