#ifndef MD_DAEMON_RUNTIME_H
#define MD_DAEMON_RUNTIME_H
/* The daemon's runtime snapshot: every setting a job of the thread pool
 * reads (database, secret, recipient delimiters, host name, the desk
 * settings), made once from a configuration and never changed after.
 * A reload publishes a new snapshot; jobs already queued keep the one
 * they took.
 *
 * Lifetime (counted references, thread-safe):
 *   - runtime_new() returns a snapshot with one reference, the caller's;
 *   - runtime_publish() takes that reference: the module holds the current
 *     snapshot until the next publish or runtime_shutdown();
 *   - runtime_get() (any thread) returns a new reference to the current
 *     one; a job takes it when it is queued and drops it with
 *     runtime_unref() when it is done, so a snapshot lives as long as the
 *     last job made under it. The workers (workers.h) hold one more per
 *     connection made from it.
 * Compiled rules stay in lib/desk (desk_rules_changed() reloads them on
 * NOTIFY) and DKIM keys are read per signature: neither is cached here. */
#include "base/conf.h"
#include "desk/desk.h"

struct runtime {
	unsigned generation; /* 1 for the first snapshot, +1 per publish */
	char *conninfo;      /* database */
	unsigned db_timeout;
	char *secret;        /* secret_file's contents; NULL when none */
	char *delimiters;    /* recipient_delimiter */
	char *hostname;
	char *authserv_id;
	char *shared_domain; /* "" when none */
	char *key_dir;       /* dkim_key_dir */
	struct desk_settings desk; /* its strings point into this snapshot */
};

/* A snapshot of cfg and secret (both copied; secret may be NULL). */
struct runtime *runtime_new(const struct md_config *cfg, const char *secret);
/* Makes rt (the caller's reference, taken) the current snapshot and drops
 * the module's reference to the one it replaces. Loop thread. */
void runtime_publish(struct runtime *rt);
/* A new reference to the current snapshot (NULL before the first
 * publish). Any thread. */
struct runtime *runtime_get(void);
/* A new reference to rt. */
struct runtime *runtime_ref(struct runtime *rt);
/* Drops a reference, freeing the snapshot with the last; *rt set to NULL;
 * NULL ignored. Any thread. */
void runtime_unref(struct runtime **rt);
/* Drops the module's reference to the current snapshot (at exit). */
void runtime_shutdown(void);

#endif
