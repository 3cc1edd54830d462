/* The runtime snapshot (contract in runtime.h): a counted, immutable
 * object behind one pointer that a mutex guards. */
#include "config.h"
#include "runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/xalloc.h"

struct runtime_private {
	struct runtime pub;
	atomic_uint refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime_private *current; /* under lock */
static unsigned generations;            /* loop thread */

/* The desk settings point into the snapshot's own strings. */
static void runtime_desk_fill(struct runtime *rt, const struct md_config *cfg)
{
	rt->desk = (struct desk_settings){
		.secret = rt->secret, .hostname = rt->hostname, .delimiter = rt->delimiters[0],
		.auto_per_ticket_hour = cfg->auto_mail_per_ticket_hour,
		.auto_per_address_hour = cfg->auto_mail_per_address_hour,
		.auto_per_team_hour = cfg->auto_mail_per_team_hour,
		.require_dkim = cfg->agent_reply_require_dkim, .authserv_id = rt->authserv_id,
		.agent_token_lifetime_s = cfg->agent_token_lifetime,
		.autoack_window_s = cfg->autoack_window, .shared_domain = rt->shared_domain,
		.rule_match_limit = cfg->rule_match_limit, .delimiters = rt->delimiters,
	};
}

/* Contract in runtime.h. */
struct runtime *runtime_new(const struct md_config *cfg, const char *secret)
{
	struct runtime_private *p = xcalloc(1, sizeof(*p));
	struct runtime *rt = &p->pub;

	atomic_init(&p->refs, 1);
	rt->conninfo = xstrdup(cfg->database);
	rt->db_timeout = cfg->db_timeout;
	rt->secret = secret != NULL ? xstrdup(secret) : NULL;
	rt->delimiters = xstrdup(cfg->recipient_delimiter);
	rt->hostname = xstrdup(cfg->hostname);
	rt->authserv_id = xstrdup(cfg->authserv_id);
	rt->shared_domain = xstrdup(cfg->shared_domain);
	rt->key_dir = xstrdup(cfg->dkim_key_dir);
	runtime_desk_fill(rt, cfg);
	return rt;
}

/* Contract in runtime.h. */
void runtime_publish(struct runtime *rt)
{
	struct runtime_private *old;

	rt->generation = ++generations;
	pthread_mutex_lock(&lock);
	old = current;
	current = (struct runtime_private *)rt;
	pthread_mutex_unlock(&lock);
	if (old != NULL)
		runtime_unref(&(struct runtime *){ &old->pub });
}

/* Contract in runtime.h. */
struct runtime *runtime_get(void)
{
	struct runtime *rt = NULL;

	pthread_mutex_lock(&lock);
	if (current != NULL)
		rt = runtime_ref(&current->pub);
	pthread_mutex_unlock(&lock);
	return rt;
}

/* Contract in runtime.h. */
struct runtime *runtime_ref(struct runtime *rt)
{
	atomic_fetch_add(&((struct runtime_private *)rt)->refs, 1);
	return rt;
}

/* Contract in runtime.h. */
void runtime_unref(struct runtime **rtp)
{
	struct runtime *rt = *rtp;

	*rtp = NULL;
	if (rt == NULL || atomic_fetch_sub(&((struct runtime_private *)rt)->refs, 1) != 1)
		return;
	free(rt->conninfo);
	free(rt->secret);
	free(rt->delimiters);
	free(rt->hostname);
	free(rt->authserv_id);
	free(rt->shared_domain);
	free(rt->key_dir);
	free(rt);
}

/* Contract in runtime.h. */
void runtime_shutdown(void)
{
	struct runtime_private *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	if (old != NULL)
		runtime_unref(&(struct runtime *){ &old->pub });
}
