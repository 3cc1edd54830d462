#include "config.h"
#include "heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-metrics.h"
#include "db/db.h"
#include "metrics.h"

struct heartbeat {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char *conninfo;
	unsigned timeout_s, interval_s;
	char host[256];
	long pid;
	int64_t started_at;
	struct db *db; /* the thread's own */
};

/* One beat: (re)connects if needed and writes the row with the counters. */
static void beat(struct heartbeat *h)
{
	char *error = NULL;
	struct buf b;
	size_t len;
	char *text;

	if (h->db == NULL && db_connect(h->conninfo, h->timeout_s, &h->db, &error) < 0)
		goto fail;
	buf_init(&b, 0);
	metrics_render_counters(&b);
	buf_append(&b, "", 1);
	text = buf_steal(&b, &len);
	if (db_heartbeat(h->db, h->host, h->pid, PACKAGE_VERSION, h->started_at, text, &error) < 0) {
		free(text);
		db_close(&h->db);
		goto fail;
	}
	free(text);
	return;
fail:
	log_warn("event=heartbeat.failed error=\"%s\"", error != NULL ? error : "");
	free(error);
}

/* Beats until told to stop, sleeping on a condition so a stop is prompt. */
static void *heartbeat_main(void *arg)
{
	struct heartbeat *h = arg;
	struct timespec until;
	char *error = NULL;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		pthread_mutex_unlock(&h->lock);
		beat(h);
		pthread_mutex_lock(&h->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += h->interval_s;
		while (!h->stop && pthread_cond_timedwait(&h->cond, &h->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&h->lock);
	if (h->db != NULL && db_heartbeat_delete(h->db, h->host, h->pid, &error) < 0) {
		log_warn("event=heartbeat.failed error=\"%s\"", error);
		free(error);
	}
	db_close(&h->db);
	return NULL;
}

struct heartbeat *heartbeat_start(const char *conninfo, unsigned timeout_s, unsigned interval_s)
{
	struct heartbeat *h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->conninfo = xstrdup(conninfo);
	h->timeout_s = timeout_s;
	h->interval_s = interval_s;
	if (gethostname(h->host, sizeof(h->host) - 1) < 0)
		snprintf(h->host, sizeof(h->host), "localhost");
	h->pid = (long)getpid();
	h->started_at = (int64_t)time(NULL);
	if (pthread_create(&h->thread, NULL, heartbeat_main, h) != 0) {
		log_warn("event=heartbeat.failed error=\"cannot start the thread\"");
		free(h->conninfo);
		free(h);
		return NULL;
	}
	return h;
}

void heartbeat_stop(struct heartbeat **hp)
{
	struct heartbeat *h = *hp;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->conninfo);
	free(h);
	*hp = NULL;
}
