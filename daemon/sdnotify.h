#ifndef MD_SDNOTIFY_H
#define MD_SDNOTIFY_H
/* Talking to the service manager while running (sd_notify(3)): the watchdog
 * heartbeat and a one-line status. Both come from a timer on the event loop,
 * so a loop that hangs stops the heartbeat and systemd restarts the daemon
 * (WatchdogSec= in the unit). Without NOTIFY_SOCKET nothing is sent. */
#include <uv.h>

/* Starts the timer on loop: every half of the watchdog interval (when
 * WatchdogSec= is set; else every 10 s) it sends WATCHDOG=1 (watchdog only)
 * and STATUS=<sessions> sessions open, read from *n_sessions. The timer is
 * unref'd, so it never keeps the loop alive; uv_walk() closing every handle
 * at exit closes it too. Does nothing when no service manager listens. */
void sdnotify_start(uv_loop_t *loop, const unsigned *n_sessions);

/* Stops the timer (at shutdown); says STATUS=stopping. Safe to call twice
 * and when sdnotify_start() did nothing. */
void sdnotify_stop(void);

#endif
