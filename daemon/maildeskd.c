/* maildeskd: receives mail over LMTP and SMTP and turns it into tickets. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <uv.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "conn.h"
#include "db/db.h"
#include "delivery.h"
#include "desk/desk-dkim.h"
#include "heartbeat.h"
#include "metrics-http.h"
#include "http-server.h"
#include "mime/mime.h"
#include "outbound.h"
#include "runtime.h"
#include "sdnotify.h"
#include "server.h"
#include "timers.h"
#include "imap-channel.h"
#include "tls.h"
#include "workers.h"

#define DEFAULT_CONFIG SYSCONFDIR "/maildesk/maildesk.conf"
#define SHUTDOWN_GRACE_MS 30000

/* Configurations replaced by a reload stay alive until exit: sessions
 * started under them still point at their strings. */
struct retired_config {
	struct md_config cfg;
	struct retired_config *next;
};
static struct retired_config *retired_configs;
/* The outbound queue's sender; NULL once stopped. */
static struct outbound *outbound;
/* Snooze wake-ups and SLA breaches; NULL once stopped. */
static struct timers *timers;
static struct imap_channels *imap_channels;
static struct metrics_http *metrics;
static struct http_server *http_api;
static struct heartbeat *heartbeat;

/* A delivery may have queued mail: send it now, not at the next poll. */
static void kick_outbound(void *arg)
{
	(void)arg;
	outbound_kick(outbound);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: maildeskd [-c FILE] [-n] [-N] [-V] [-h]\n"
		   "  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
		   "  -n       check the configuration and exit (0 valid, 1 not)\n"
		   "  -N       print every key's effective value (defaults marked) and exit\n"
		   "  -V       print the version and exit\n"
		   "  -h       print this help and exit\n");
}

/* Loads and fully checks a configuration: syntax, TLS files, secret file. */
static int load_config(const char *path, struct md_config *cfg, struct tls_server **tls_r, char **secret_r)
{
	char *error = NULL, quoted[1024];

	config_defaults(cfg);
	if (config_load(path, cfg, &error) < 0)
		goto fail;
	if ((cfg->tls_cert_file[0] != '\0') != (cfg->tls_key_file[0] != '\0')) {
		error = xasprintf("%s: tls_cert_file and tls_key_file must be set together", path);
		goto fail;
	}
	if (cfg->tls_cert_file[0] != '\0' &&
	    (*tls_r = tls_server_new(cfg->tls_cert_file, cfg->tls_key_file, &error)) == NULL)
		goto fail;
	if (cfg->agent_reply_require_dkim && cfg->authserv_id[0] == '\0') {
		error = xasprintf("%s: agent_reply_require_dkim needs authserv_id (the id your mail server writes "
				  "in Authentication-Results)",
				  path);
		goto fail;
	}
	if (config_read_secret(cfg->secret_file, secret_r, &error) < 0)
		goto fail;
	return 0;
fail:
	tls_server_free(tls_r);
	fprintf(stderr, "maildeskd: %s\n", error);
	log_error("event=config.error error=%s", log_quote(quoted, sizeof(quoted), error, strlen(error), 400));
	free(error);
	config_free(cfg);
	return -1;
}

static bool strlist_equal(const struct md_strlist *a, const struct md_strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return false;
	return true;
}

/* SIGHUP: a new configuration replaces the old one only when it is valid. */
static void server_reload(struct server *srv)
{
	struct md_config cfg;
	struct tls_server *tls = NULL;
	struct retired_config *old;
	char *secret = NULL;
	unsigned closed;

	sd_notify(0, "RELOADING=1");
	if (load_config(srv->config_path, &cfg, &tls, &secret) < 0) {
		log_warn("event=reload status=failed detail=\"keeping the running configuration\"");
		sd_notify(0, "READY=1");
		return;
	}
	if (!strlist_equal(&cfg.lmtp_listen, &srv->cfg.lmtp_listen) ||
	    !strlist_equal(&cfg.smtp_listen, &srv->cfg.smtp_listen) ||
	    !strlist_equal(&cfg.trusted_listeners, &srv->cfg.trusted_listeners) ||
	    strcmp(cfg.lmtp_socket_group, srv->cfg.lmtp_socket_group) != 0)
		log_warn("event=reload detail=\"lmtp_listen, smtp_listen, trusted_listeners and lmtp_socket_group changes "
			 "take effect after a restart\"");
	if (cfg.db_workers != srv->cfg.db_workers)
		log_warn("event=reload detail=\"db_workers changes take effect after a restart\"");
	old = xcalloc(1, sizeof(*old));
	old->cfg = srv->cfg;
	old->next = retired_configs;
	retired_configs = old;
	srv->cfg = cfg;
	/* New sessions use the new TLS settings (none when removed); live
	 * TLS sessions hold their own reference to the old context. */
	tls_server_free(&srv->tls);
	srv->tls = tls;
	log_init("maildeskd", cfg.log_level);
	runtime_publish(runtime_new(&cfg, secret));
	closed = workers_reload(); /* before counting what is left open */
	log_info("event=workers.reload closed=%u open=%u", closed, workers_connections());
	outbound_configure(outbound, &srv->cfg);
	timers_configure(timers, &srv->cfg);
	imap_channels_configure(imap_channels, &srv->cfg);
	free(srv->secret);
	srv->secret = secret;
	log_info("event=reload status=ok");
	sd_notify(0, "READY=1");
}

static void on_shutdown_deadline(uv_timer_t *t)
{
	struct server *srv = t->data;

	log_warn("event=shutdown.forced sessions=%u", srv->n_conns);
	for (struct conn *c = srv->conns; c != NULL; c = c->next) {
		c->close_requested = true;
		c->close_reason = "shutdown deadline";
		conn_flush(c);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct server *srv = h->data;

	if (signum == SIGHUP) {
		server_reload(srv);
		return;
	}
	sd_notify(0, "STOPPING=1");
	sdnotify_stop();
	server_shutdown(srv);
	outbound_stop(&outbound);
	timers_stop(&timers);
	imap_channels_stop(&imap_channels);
	http_server_stop_accepting(http_api);
	/* Signals and the deadline must not keep the loop alive by themselves. */
	uv_unref((uv_handle_t *)&srv->sig_term);
	uv_unref((uv_handle_t *)&srv->sig_int);
	uv_unref((uv_handle_t *)&srv->sig_hup);
	uv_timer_start(&srv->shutdown_timer, on_shutdown_deadline, SHUTDOWN_GRACE_MS, 0);
	uv_unref((uv_handle_t *)&srv->shutdown_timer);
}

static void setup_signals(struct server *srv)
{
	uv_signal_init(srv->loop, &srv->sig_term);
	uv_signal_init(srv->loop, &srv->sig_int);
	uv_signal_init(srv->loop, &srv->sig_hup);
	uv_timer_init(srv->loop, &srv->shutdown_timer);
	srv->sig_term.data = srv->sig_int.data = srv->sig_hup.data = srv->shutdown_timer.data = srv;
	uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
	uv_signal_start(&srv->sig_int, on_signal, SIGINT);
	uv_signal_start(&srv->sig_hup, on_signal, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Mail is signed with keys from dkim_key_dir: refuse to start when others
 * could read them (only once a sending domain exists). */
static int dkim_check(const struct md_config *cfg, char **error_r)
{
	struct db *db = NULL;
	int ret;

	if (db_connect(cfg->database, cfg->db_timeout, &db, error_r) < 0)
		return -1;
	ret = desk_dkim_startup_check(db, cfg->dkim_key_dir, error_r);
	db_close(&db);
	return ret;
}

/* Why the daemon cannot start, logged and printed; error is freed.
 * Returns the exit status. */
static int start_refused(const char *event, char *error)
{
	log_error("event=%s error=\"%s\"", event, error);
	fprintf(stderr, "maildeskd: %s\n", error);
	free(error);
	return 1;
}

/* Runs the loop until every session is done, then releases everything. */
static int server_run(struct server *srv)
{
	char env[32];
	char *error = NULL;

	snprintf(env, sizeof(env), "%u", srv->cfg.db_workers + outbound_threads(&srv->cfg) + timers_threads() +
		 imap_channels_threads());
	setenv("UV_THREADPOOL_SIZE", env, 1);
	runtime_publish(runtime_new(&srv->cfg, srv->secret));
	if (delivery_check_database(srv->cfg.database, srv->cfg.db_timeout, &error) < 0)
		return start_refused("database.error", error);
	if (dkim_check(&srv->cfg, &error) < 0)
		return start_refused("dkim.error", error);
	if (metrics_http_start(srv->cfg.metrics_listen, srv->cfg.database, srv->cfg.db_timeout, &metrics, &error) < 0)
		return start_refused("metrics.error", error);
	srv->loop = uv_default_loop();
	setup_signals(srv);
	if (http_server_start(srv->loop, &srv->cfg, &http_api, &error) < 0)
		return start_refused("http.error", error);
	if (server_listen(srv) < 0) {
		server_close_listeners(srv);
		return 1;
	}
	outbound = outbound_start(srv->loop, &srv->cfg);
	delivery_set_stored_hook(kick_outbound, NULL);
	timers = timers_start(srv->loop, &srv->cfg, kick_outbound, NULL);
	imap_channels = imap_channels_start(srv->loop, &srv->cfg);
	heartbeat = heartbeat_start(srv->cfg.database, srv->cfg.db_timeout, 10);
	log_info("event=ready hostname=%s workers=%u", srv->cfg.hostname, srv->cfg.db_workers);
	sd_notify(0, "READY=1");
	sdnotify_start(srv->loop, &srv->n_conns);
	uv_run(srv->loop, UV_RUN_DEFAULT);
	outbound_stop(&outbound); /* in case the loop ended without a signal */
	timers_stop(&timers);
	imap_channels_stop(&imap_channels);
	http_server_stop_accepting(http_api);
	metrics_http_stop(&metrics);
	heartbeat_stop(&heartbeat);
	uv_run(srv->loop, UV_RUN_DEFAULT);
	uv_walk(srv->loop, close_walk_cb, NULL);
	uv_run(srv->loop, UV_RUN_DEFAULT);
	http_server_free(&http_api);
	log_info("event=workers.closed connections=%u", workers_connections());
	/* Closing the signal handles restored the default action: a second
	 * SIGTERM while the process winds down (an init system or a script
	 * repeating itself; the leak check under ASan takes a while) must not
	 * turn a clean exit into death by signal. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if (uv_loop_close(srv->loop) != 0)
		log_warn("event=exit detail=\"handles left open\"");
	log_info("event=exit status=0");
	return 0;
}

/* -N: the effective configuration, as postconf -n / doveconf -n show it. */
static int print_effective_config(const char *path)
{
	char *error = NULL;

	if (config_print(path, stdout, &error) < 0) {
		fprintf(stderr, "maildeskd: %s\n", error);
		free(error);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct server srv;
	const char *path = DEFAULT_CONFIG;
	bool check_only = false, print_config = false;
	int opt, ret;

	memset(&srv, 0, sizeof(srv));
	log_init("maildeskd", LOG_LEVEL_INFO);
	while ((opt = getopt(argc, argv, "c:nNVh")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'n': check_only = true; break;
		case 'N': print_config = true; break;
		case 'V': printf("maildeskd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (print_config)
		return print_effective_config(path);
	if (load_config(path, &srv.cfg, &srv.tls, &srv.secret) < 0)
		return 1;
	if (check_only) {
		printf("maildeskd: %s is valid\n", path);
		config_free(&srv.cfg);
		tls_server_free(&srv.tls);
		free(srv.secret);
		return 0;
	}
	log_init("maildeskd", srv.cfg.log_level);
	srv.config_path = xstrdup(path);
	/* Session ids: a random start, then consecutive, so that ids of
	 * different runs and hosts do not collide in a shared log. */
	if (getrandom(&srv.next_session_id, sizeof(srv.next_session_id), 0) != sizeof(srv.next_session_id))
		srv.next_session_id = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	mime_init();
	ret = server_run(&srv);
	/* No job runs any more: the pool's connections and the snapshot go. */
	workers_shutdown();
	runtime_shutdown();
	config_free(&srv.cfg);
	tls_server_free(&srv.tls);
	while (retired_configs != NULL) {
		struct retired_config *next = retired_configs->next;
		config_free(&retired_configs->cfg);
		free(retired_configs);
		retired_configs = next;
	}
	free(srv.config_path);
	free(srv.secret);
	mime_shutdown();
	return ret;
}
