#ifndef MAILDESK_METRICS_HTTP_H
#define MAILDESK_METRICS_HTTP_H

struct metrics_http;

/* Serves GET /metrics on listen ("HOST:PORT", an IPv4 or IPv6 literal) from
 * libmicrohttpd's own thread, never the libuv loop; the database gauges are
 * read per scrape on a connection owned by that thread (conninfo, with
 * timeout_s as connect and statement timeout). listen "" = off: returns 0
 * with *m_r NULL. Returns 0, or -1 with *error_r set (free it). */
int metrics_http_start(const char *listen, const char *conninfo, unsigned timeout_s, struct metrics_http **m_r,
		       char **error_r);
/* Stops the thread and frees; NULL-safe, sets *m to NULL. */
void metrics_http_stop(struct metrics_http **m);

#endif
