#include "config.h"
#include "metrics-http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-metrics.h"
#include "db/db.h"
#include "metrics.h"

struct metrics_http {
	struct MHD_Daemon *d;
	char *conninfo;
	unsigned timeout_s;
	struct db *db; /* used only by MHD's single internal thread */
};

/* Reads the cluster-wide gauges; reconnects on the next scrape after a failure. */
static bool read_gauges(struct metrics_http *m, struct metrics_db_gauges *g)
{
	char *error = NULL;

	if (m->db == NULL && db_connect(m->conninfo, m->timeout_s, &m->db, &error) < 0) {
		free(error);
		return false;
	}
	if (db_metrics_gauges(m->db, g->queue, &g->oldest_deferred_s, &g->snoozed, &error) < 0) {
		free(error);
		db_close(&m->db);
		return false;
	}
	return true;
}

/* Sends a short plain-text reply with the given status. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /metrics only: 405 for another method, 404 for another path. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct metrics_http *m = cls;
	struct metrics_db_gauges g;
	struct buf b;
	bool have;
	size_t len;

	(void)version, (void)upload_data, (void)upload_data_size, (void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, xstrdup("method not allowed\n"), 19);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, xstrdup("not found\n"), 10);
	memset(&g, 0, sizeof(g));
	have = read_gauges(m, &g);
	buf_init(&b, 0);
	metrics_render(&b, have ? &g : NULL);
	len = b.len;
	return reply(conn, MHD_HTTP_OK, buf_steal(&b, &len), len);
}

/* Parses "HOST:PORT" or "[V6]:PORT" into sa; returns 0 or -1. */
static int parse_listen(const char *s, struct sockaddr_storage *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t hl;
	char *end;
	long port;

	if (colon == NULL || colon == s)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']')
		s++, hl -= 2;
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -1;
}

int metrics_http_start(const char *listen, const char *conninfo, unsigned timeout_s, struct metrics_http **m_r,
		       char **error_r)
{
	struct sockaddr_storage sa;
	struct metrics_http *m;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	*m_r = NULL;
	if (listen == NULL || *listen == '\0')
		return 0;
	if (parse_listen(listen, &sa) < 0) {
		*error_r = xasprintf("metrics_listen: \"%s\" is not IP:PORT", listen);
		return -1;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m = xcalloc(1, sizeof(*m));
	m->conninfo = xstrdup(conninfo);
	m->timeout_s = timeout_s;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (m->d == NULL) {
		*error_r = xasprintf("metrics_listen: cannot listen on %s", listen);
		free(m->conninfo);
		free(m);
		return -1;
	}
	*m_r = m;
	return 0;
}

void metrics_http_stop(struct metrics_http **mp)
{
	struct metrics_http *m = *mp;

	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	db_close(&m->db);
	free(m->conninfo);
	free(m);
	*mp = NULL;
}
