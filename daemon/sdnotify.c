/* The watchdog heartbeat and STATUS= lines for systemd (contract in
 * sdnotify.h). */
#include "config.h"
#include "sdnotify.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#define STATUS_EVERY_MS 10000

static uv_timer_t tick;
static bool running;
static bool watchdog;
static const unsigned *sessions;

/* One heartbeat (when the watchdog is on) and the current status line. */
static void on_tick(uv_timer_t *t)
{
	(void)t;
	sd_notifyf(0, "%sSTATUS=%u sessions open", watchdog ? "WATCHDOG=1\n" : "", *sessions);
}

/* Contract in sdnotify.h. */
void sdnotify_start(uv_loop_t *loop, const unsigned *n_sessions)
{
	uint64_t usec = 0, every_ms = STATUS_EVERY_MS;
	const char *sock = getenv("NOTIFY_SOCKET");

	if (running || sock == NULL || sock[0] == '\0')
		return;
	/* WATCHDOG_USEC (and WATCHDOG_PID when set) name this process: beat
	 * twice per interval, as sd_watchdog_enabled(3) recommends. */
	watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
	if (watchdog)
		every_ms = usec / 2000 > 0 ? usec / 2000 : 1;
	sessions = n_sessions;
	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 0, every_ms);
	uv_unref((uv_handle_t *)&tick);
	running = true;
}

/* Contract in sdnotify.h. */
void sdnotify_stop(void)
{
	if (!running)
		return;
	running = false;
	uv_timer_stop(&tick);
	sd_notify(0, "STATUS=stopping: finishing the sessions in flight");
}
