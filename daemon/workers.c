/* The pool threads' connections (contract in workers.h): one record per
 * thread, reached through a thread-local pointer by the thread itself and
 * through a list by the loop thread; a mutex per record says whether a
 * job holds its connection. */
#include "config.h"
#include "workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db.h"
#include "desk/desk.h"

struct worker {
	pthread_mutex_t lock; /* guards busy, db and rt against the loop thread */
	bool busy;            /* a job holds db */
	struct db *db;
	struct runtime *rt;   /* what db is bound to (a reference); NULL with db */
	struct worker *next;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *workers; /* under list_lock */
static __thread struct worker *self;

/* The calling thread's record, made and listed at its first job. */
static struct worker *worker_self(void)
{
	if (self != NULL)
		return self;
	self = xcalloc(1, sizeof(*self));
	pthread_mutex_init(&self->lock, NULL);
	pthread_mutex_lock(&list_lock);
	self->next = workers;
	workers = self;
	pthread_mutex_unlock(&list_lock);
	return self;
}

/* Whether a connection made for a must be made anew for b. */
static bool settings_differ(const struct runtime *a, const struct runtime *b)
{
	return a == NULL || strcmp(a->conninfo, b->conninfo) != 0 || a->db_timeout != b->db_timeout;
}

/* Closes w's connection and drops its snapshot (w not busy, or its own
 * thread). */
static void worker_close(struct worker *w)
{
	db_close(&w->db);
	runtime_unref(&w->rt);
}

/* The snapshot a worker's jobs read (lib/desk takes the settings from it
 * per call; the connection itself carries none). */
static void worker_bind(struct worker *w, struct runtime *rt)
{
	if (w->rt == rt)
		return;
	runtime_unref(&w->rt);
	w->rt = runtime_ref(rt);
}

/* Contract in workers.h. */
struct db *workers_acquire(struct runtime *rt, char **error_r)
{
	struct worker *w = worker_self();

	pthread_mutex_lock(&w->lock);
	w->busy = true;
	pthread_mutex_unlock(&w->lock);
	if (w->db != NULL && settings_differ(w->rt, rt))
		worker_close(w);
	if (w->db == NULL && db_connect(rt->conninfo, rt->db_timeout, &w->db, error_r) < 0)
		return NULL;
	worker_bind(w, rt);
	return w->db;
}

/* Contract in workers.h. */
void workers_release(struct db **db)
{
	struct worker *w = self;
	struct runtime *now = runtime_get();

	*db = NULL;
	if (w == NULL) {
		runtime_unref(&now);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (w->db != NULL && now != NULL && w->rt != now && settings_differ(w->rt, now))
		worker_close(w);
	w->busy = false;
	pthread_mutex_unlock(&w->lock);
	runtime_unref(&now);
}

/* Contract in workers.h. */
unsigned workers_reload(void)
{
	struct runtime *now = runtime_get();
	unsigned closed = 0;

	pthread_mutex_lock(&list_lock);
	for (struct worker *w = workers; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->lock);
		if (!w->busy && w->db != NULL && now != NULL && settings_differ(w->rt, now)) {
			worker_close(w);
			closed++;
		}
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_unlock(&list_lock);
	runtime_unref(&now);
	return closed;
}

/* Contract in workers.h. */
unsigned workers_connections(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&list_lock);
	for (struct worker *w = workers; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->lock);
		n += w->db != NULL;
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_unlock(&list_lock);
	return n;
}

/* Contract in workers.h. */
void workers_shutdown(void)
{
	struct worker *w;

	pthread_mutex_lock(&list_lock);
	while ((w = workers) != NULL) {
		workers = w->next;
		worker_close(w);
		pthread_mutex_destroy(&w->lock);
		free(w);
	}
	pthread_mutex_unlock(&list_lock);
}
