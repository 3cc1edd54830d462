#ifndef MD_DAEMON_LISTEN_H
#define MD_DAEMON_LISTEN_H
/* A PostgreSQL LISTEN connection watched on the libuv loop, shared by the
 * outbound sender (maildesk_outbound) and the timers (maildesk_timers,
 * maildesk_rules). Connecting and subscribing block, so they run in the
 * thread pool; the socket is then watched with a uv_poll handle. A lost
 * connection is logged and tried again every 5 seconds. One channel per
 * connection: lib/db says that something arrived, not on which channel.
 * Loop thread only. */
#include <stdbool.h>
#include <uv.h>

#include "db/db-listen.h"

struct listen;

struct listen_ops {
	const char *name;        /* log lines: event=NAME.listen */
	enum db_channel channel; /* LISTENed on in the pool, on each fresh connection */
	/* On the loop: one or more notifications arrived. */
	void (*on_notify)(void *arg);
	/* On the loop: the connection is up (true: catch up on what was
	 * missed meanwhile) or was lost (false). May be NULL. */
	void (*on_state)(void *arg, bool up);
};

/* Starts connecting (conninfo copied). ops must outlive the object;
 * callbacks get arg and are never called after listen_stop() nor from
 * within listen_start(). Its handles are unref'd. Never fails. */
struct listen *listen_start(uv_loop_t *loop, const char *conninfo, unsigned timeout_s,
			    const struct listen_ops *ops, void *arg);
/* Whether the LISTEN connection is up now (NULL: false). */
bool listen_is_up(const struct listen *l);
/* Stops: no callback is made any more; the object frees itself once its
 * handles are closed and a connect in flight is done. *l set to NULL;
 * NULL ignored. */
void listen_stop(struct listen **l);

#endif
