#include "config.h"
#include "server.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "activation.h"
#include "base/xalloc.h"
#include "conn.h"

static void on_connection(uv_stream_t *s, int status)
{
	struct listener *l = s->data;

	if (status < 0) {
		log_warn("event=accept.error listener=%s error=\"%s\"", l->name, uv_strerror(status));
		return;
	}
	conn_accept(l);
}

/* Listens on a socket the service manager passed for la's address, if
 * any: 1 when it did, 0 when there is none, -1 after logging an error. */
static int listener_open_passed(struct server *srv, struct listener *l, const struct md_listen *la)
{
	int fd = activation_take(la), r;
	struct stat st;

	if (fd < 0)
		return 0;
	l->activated = true;
	if (la->is_unix) {
		uv_pipe_init(srv->loop, &l->h.pipe, 0);
		r = uv_pipe_open(&l->h.pipe, fd);
		/* Its mode is the socket unit's (SocketMode=); say when it lets
		 * every local user write mail in our name. */
		if (r == 0 && stat(la->path, &st) == 0 && (st.st_mode & 0006) != 0)
			log_warn("event=listen.warning listener=%s detail=\"the passed socket is mode %03o: every local "
				 "user can connect; set SocketMode=0660 and SocketGroup=postfix\"",
				 l->name, (unsigned)(st.st_mode & 0777));
	} else {
		uv_tcp_init(srv->loop, &l->h.tcp);
		r = uv_tcp_open(&l->h.tcp, fd);
	}
	if (r == 0)
		r = uv_listen(&l->h.stream, 511, on_connection);
	if (r != 0) {
		log_error("event=listen.error listener=%s error=\"passed socket: %s\"", l->name, uv_strerror(r));
		return -1;
	}
	return 1;
}

/* Binds one TCP address; host names are not resolved, only literals. */
static int listener_bind_tcp(struct server *srv, struct listener *l, const struct md_listen *la)
{
	struct sockaddr_storage ss;
	int r;

	if ((r = listener_open_passed(srv, l, la)) != 0)
		return r < 0 ? -1 : 0;
	if (uv_ip4_addr(la->host, (int)la->port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(la->host, (int)la->port, (struct sockaddr_in6 *)&ss) != 0) {
		log_error("event=listen.error listener=%s error=\"not an IP address\"", l->name);
		return -1;
	}
	uv_tcp_init(srv->loop, &l->h.tcp);
	r = uv_tcp_bind(&l->h.tcp, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen(&l->h.stream, 511, on_connection);
	if (r != 0) {
		log_error("event=listen.error listener=%s error=\"%s\"", l->name, uv_strerror(r));
		return -1;
	}
	return 0;
}

/* The group lmtp_socket_group names: 0 and *gid_r, or -1 after logging why
 * (a group that does not exist stops the start: the socket would be open
 * to the wrong group or to nobody). "" is our own group. */
static int socket_group(const struct server *srv, const struct listener *l, gid_t *gid_r)
{
	const char *name = srv->cfg.lmtp_socket_group;
	struct group *gr;

	*gid_r = getegid();
	if (name[0] == '\0')
		return 0;
	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL) {
		log_error("event=listen.error listener=%s error=\"lmtp_socket_group: no group named %s on this system%s%s\"",
			  l->name, name, errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		return -1;
	}
	*gid_r = gr->gr_gid;
	return 0;
}

/* Binds a unix socket, replacing a stale one left by an earlier run. Only
 * its owner and lmtp_socket_group (Postfix's) may connect: mode 0660, set
 * before listen() so nobody else ever gets in. */
static int listener_bind_unix(struct server *srv, struct listener *l, const struct md_listen *la)
{
	struct stat st;
	gid_t gid;
	int r;

	if ((r = listener_open_passed(srv, l, la)) != 0)
		return r < 0 ? -1 : 0;
	uv_pipe_init(srv->loop, &l->h.pipe, 0); /* first: the handle is closed even on error */
	if (socket_group(srv, l, &gid) < 0)
		return -1;
	if (lstat(la->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(la->path);
	r = uv_pipe_bind(&l->h.pipe, la->path);
	if (r == 0 && chown(la->path, (uid_t)-1, gid) != 0) {
		log_error("event=listen.error listener=%s error=\"lmtp_socket_group: cannot give the socket to group "
			  "%s: %s\"",
			  l->name, srv->cfg.lmtp_socket_group, strerror(errno));
		return -1;
	}
	if (r == 0 && chmod(la->path, 0660) != 0)
		r = uv_translate_sys_error(errno);
	if (r == 0)
		r = uv_listen(&l->h.stream, 511, on_connection);
	if (r != 0) {
		log_error("event=listen.error listener=%s error=\"%s\"", l->name, uv_strerror(r));
		return -1;
	}
	return 0;
}

static int server_add_listener(struct server *srv, const char *spec, enum smtp_protocol proto)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	struct md_listen la;
	const char *err;
	int r;

	if (config_listen_parse(spec, &la, &err) < 0) {
		log_error("event=listen.error listener=%s error=\"%s\"", spec, err);
		free(l);
		return -1;
	}
	l->server = srv;
	l->protocol = proto;
	l->is_unix = la.is_unix;
	l->trusted = config_listener_trusted(&srv->cfg, spec, proto == SMTP_PROTOCOL_LMTP);
	l->name = xasprintf("%s:%s", proto == SMTP_PROTOCOL_LMTP ? "lmtp" : "smtp", spec);
	r = la.is_unix ? listener_bind_unix(srv, l, &la) : listener_bind_tcp(srv, l, &la);
	config_listen_free(&la);
	l->h.handle.data = l;
	l->next = srv->listeners;
	srv->listeners = l; /* kept even on error, so it gets closed */
	if (r == 0)
		log_info("event=listen listener=%s trusted=%s%s", l->name, l->trusted ? "yes" : "no",
			 l->activated ? " activated=yes" : "");
	return r;
}

int server_listen(struct server *srv)
{
	const struct md_config *cfg = &srv->cfg;
	int stray;

	activation_collect();
	for (size_t i = 0; i < cfg->lmtp_listen.n; i++)
		if (server_add_listener(srv, cfg->lmtp_listen.items[i], SMTP_PROTOCOL_LMTP) < 0)
			return -1;
	for (size_t i = 0; i < cfg->smtp_listen.n; i++)
		if (server_add_listener(srv, cfg->smtp_listen.items[i], SMTP_PROTOCOL_SMTP) < 0)
			return -1;
	if (srv->listeners == NULL) {
		log_error("event=listen.error error=\"neither lmtp_listen nor smtp_listen is set\"");
		return -1;
	}
	if ((stray = activation_unclaimed()) >= 0) {
		log_error("event=listen.error error=\"a socket passed by the service manager (fd %d) has an address "
			  "that no lmtp_listen or smtp_listen names\"",
			  stray);
		return -1;
	}
	return 0;
}

/* The listener's memory, once nothing refers to it. */
static void listener_free(struct listener *l)
{
	free(l->name);
	free(l);
}

/* The handle is closed; sessions accepted on it may still be running. */
static void on_listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;

	l->closed = true;
	if (l->n_conns == 0)
		listener_free(l);
}

/* Contract in server.h. */
void server_listener_release(struct listener *l)
{
	if (--l->n_conns == 0 && l->closed)
		listener_free(l);
}

void server_close_listeners(struct server *srv)
{
	struct listener *l = srv->listeners, *next;

	srv->listeners = NULL;
	for (; l != NULL; l = next) {
		next = l->next;
		if (!uv_is_closing(&l->h.handle))
			uv_close(&l->h.handle, on_listener_closed);
	}
}

void server_shutdown(struct server *srv)
{
	if (srv->shutting_down)
		return;
	srv->shutting_down = true;
	log_info("event=shutdown sessions=%u", srv->n_conns);
	/* Stop accepting now; sessions in flight finish their command first. */
	server_close_listeners(srv);
	for (struct conn *c = srv->conns; c != NULL; c = c->next) {
		if (c->session != NULL && !c->closing) {
			smtp_session_shutdown(c->session);
			conn_flush(c);
		}
	}
}
