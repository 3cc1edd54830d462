/* The webhook sender's thread (contracts in webhook.h). */
#include "config.h"
#include "webhook.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-webhook.h"
#include "db/db.h"
#include "metrics.h"
#include "webhook-send.h"

/* Rows claimed at once; the claim's lease covers sending them all. */
#define CLAIM_MAX 4
/* The longest wait between two retries. */
#define RETRY_MAX_S 3600

struct webhook_sender {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char *conninfo; /* under lock, as the next two */
	unsigned db_timeout_s;
	bool reconnect; /* a reload changed the database settings */
	unsigned lifetime_s, timeout_s, retry_min_s; /* under lock */
	char claimer[300];
	struct db *db; /* the thread's own */
};

/* The settings now, read under the lock (SIGHUP may change them). */
static void settings_get(struct webhook_sender *w, unsigned *lifetime_r, unsigned *timeout_r, unsigned *retry_r)
{
	pthread_mutex_lock(&w->lock);
	*lifetime_r = w->lifetime_s;
	*timeout_r = w->timeout_s;
	*retry_r = w->retry_min_s;
	pthread_mutex_unlock(&w->lock);
}

static bool stopping(struct webhook_sender *w)
{
	bool s;

	pthread_mutex_lock(&w->lock);
	s = w->stop;
	pthread_mutex_unlock(&w->lock);
	return s;
}

/* The wait before attempt n + 1: retry_min doubled n - 1 times, capped. */
static unsigned backoff_s(unsigned retry_min, int attempts)
{
	unsigned long long s = retry_min;

	for (int i = 1; i < attempts && s < RETRY_MAX_S; i++)
		s *= 2;
	return s > RETRY_MAX_S ? RETRY_MAX_S : (unsigned)s;
}

/* Sends one claimed delivery and records what came of it. */
static void job_run(struct webhook_sender *w, const struct db_webhook_job *j)
{
	unsigned lifetime, timeout, retry_min;
	struct webhook_request req;
	struct webhook_response res;
	char status[16] = "", *error = NULL;
	int found;

	settings_get(w, &lifetime, &timeout, &retry_min);
	req = (struct webhook_request){ .url = j->url, .body = j->payload, .event = j->event,
					.event_id = j->event_id, .delivery_id = j->id, .secret = j->secret,
					.old_secret = j->old_secret, .timeout_s = timeout };
	webhook_send(&req, &res);
	struct db_webhook_outcome o = { .delivered = res.delivered, .permanent = res.permanent, .code = res.code,
					.error = res.error, .retry_in_s = backoff_s(retry_min, j->attempts),
					.lifetime_s = lifetime };
	found = db_webhook_result(w->db, j, w->claimer, &o, status, &error);
	if (found < 0) {
		log_warn("event=webhook.record-failed delivery=%lld webhook=%lld error=\"%s\"", (long long)j->id,
			 (long long)j->webhook_id, error);
		free(error);
		db_close(&w->db);
		return;
	}
	if (found == 0)
		snprintf(status, sizeof(status), "lost-claim");
	metrics_count_webhook(strcmp(status, "pending") == 0 ? "retry"
			      : strcmp(status, "delivered") == 0 ? "delivered"
			      : strcmp(status, "failed") == 0 ? "failed" : NULL);
	log_msg(res.delivered ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"event=webhook.attempt delivery=%lld webhook=%lld tenant=%lld ticket=%lld type=%s attempt=%d code=%ld"
		" result=%s%s%s%s",
		(long long)j->id, (long long)j->webhook_id, (long long)j->tenant_id, (long long)j->ticket_id, j->event,
		j->attempts, res.code, status, res.error[0] != '\0' ? " error=\"" : "", res.error,
		res.error[0] != '\0' ? "\"" : "");
}

/* Whether a reload changed the database settings since the last call
 * (then the thread's connection is made anew). */
static bool db_settings_take(struct webhook_sender *w)
{
	bool r;

	pthread_mutex_lock(&w->lock);
	r = w->reconnect;
	w->reconnect = false;
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* Connects the thread's own connection with the settings now. */
static int sender_connect(struct webhook_sender *w, char **error_r)
{
	char *conninfo;
	unsigned timeout;
	int ret;

	pthread_mutex_lock(&w->lock);
	conninfo = xstrdup(w->conninfo);
	timeout = w->db_timeout_s;
	pthread_mutex_unlock(&w->lock);
	ret = db_connect(conninfo, timeout, &w->db, error_r);
	free(conninfo);
	return ret;
}

/* One pass: claim and send. Returns how many rows were claimed (-1 on a
 * database failure). */
static int pass(struct webhook_sender *w)
{
	struct db_webhook_job *jobs = NULL;
	unsigned lifetime, timeout, retry_min;
	char *error = NULL;
	size_t n = 0, i;

	if (db_settings_take(w) && w->db != NULL)
		db_close(&w->db);
	if (w->db == NULL && sender_connect(w, &error) < 0)
		goto fail;
	settings_get(w, &lifetime, &timeout, &retry_min);
	if (db_webhook_claim(w->db, w->claimer, CLAIM_MAX * (timeout + 5) + 30, CLAIM_MAX, &jobs, &n, &error) < 0) {
		db_close(&w->db);
		goto fail;
	}
	for (i = 0; i < n && w->db != NULL && !stopping(w); i++)
		job_run(w, &jobs[i]);
	/* Stopping: what was claimed and not sent goes back at once. */
	for (; i < n && w->db != NULL; i++)
		if (db_webhook_release(w->db, &jobs[i], w->claimer, &error) < 0) {
			log_warn("event=webhook.release-failed delivery=%lld error=\"%s\"", (long long)jobs[i].id,
				 error);
			free(error);
			error = NULL;
			break;
		}
	db_webhook_jobs_free(&jobs, n);
	return (int)n;
fail:
	log_warn("event=webhook.claim-failed error=\"%s\"", error != NULL ? error : "");
	free(error);
	return -1;
}

/* Claims and sends until told to stop; sleeps a second when idle (a stop
 * wakes it at once). */
static void *sender_main(void *arg)
{
	struct webhook_sender *w = arg;
	struct timespec until;

	while (!stopping(w)) {
		if (pass(w) == CLAIM_MAX)
			continue;
		pthread_mutex_lock(&w->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&w->lock);
	}
	db_close(&w->db);
	return NULL;
}

/* Contract in webhook.h. */
void webhook_sender_configure(struct webhook_sender *w, const struct md_config *cfg)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->conninfo == NULL || strcmp(w->conninfo, cfg->database) != 0 || w->db_timeout_s != cfg->db_timeout) {
		free(w->conninfo);
		w->conninfo = xstrdup(cfg->database);
		w->db_timeout_s = cfg->db_timeout;
		w->reconnect = true;
	}
	w->lifetime_s = cfg->webhook_lifetime;
	w->timeout_s = cfg->webhook_timeout;
	w->retry_min_s = cfg->webhook_retry_min;
	pthread_mutex_unlock(&w->lock);
}

/* Contract in webhook.h. */
struct webhook_sender *webhook_sender_start(const struct md_config *cfg)
{
	struct webhook_sender *w = xcalloc(1, sizeof(*w));
	char host[256] = "";

	if (webhook_send_init() < 0) {
		log_warn("event=webhook.failed error=\"libcurl could not be set up; no webhooks are sent\"");
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	webhook_sender_configure(w, cfg);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	/* Unique per daemon: a result is recorded only by the claim's holder. */
	snprintf(w->claimer, sizeof(w->claimer), "%s:%ld:%lld", host, (long)getpid(), (long long)time(NULL));
	if (pthread_create(&w->thread, NULL, sender_main, w) != 0) {
		log_warn("event=webhook.failed error=\"cannot start the thread; no webhooks are sent\"");
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w->conninfo);
		free(w);
		return NULL;
	}
	return w;
}

/* Contract in webhook.h. */
void webhook_sender_stop(struct webhook_sender **wp)
{
	struct webhook_sender *w = *wp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->conninfo);
	free(w);
	*wp = NULL;
}
