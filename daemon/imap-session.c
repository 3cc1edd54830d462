/* An IMAP session with libetpan's client (contract in imap-session.h). */
#include "config.h"
#include "imap-session.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "imap-secret.h"
#include "tls-peer.h"

struct imap_session {
	mailimap *imap;
	int64_t uidvalidity;
	bool has_idle, has_move, has_uidplus;
};

/* Contract in imap-session.h. */
const char *imap_fail_status(enum imap_fail f)
{
	static const char *const words[] = {
		[IMAP_OK] = "ok",
		[IMAP_FAIL_CONFIG] = "config-failed",
		[IMAP_FAIL_CONNECT] = "connect-failed",
		[IMAP_FAIL_TLS] = "tls-failed",
		[IMAP_FAIL_AUTH] = "auth-failed",
		[IMAP_FAIL_FOLDER] = "folder-missing",
		[IMAP_FAIL_PROTOCOL] = "error",
	};
	return words[f];
}

/* The server's last words (its response text), for an error line. */
static const char *server_text(const mailimap *imap)
{
	const char *t = imap != NULL ? imap->imap_response : NULL;

	return t != NULL ? t : "";
}

/* One failure: its class, and the line that says it. */
static enum imap_fail fail(enum imap_fail f, char **error_r, const char *what, const mailimap *imap, int r)
{
	const char *text = server_text(imap);
	const char *how = f == IMAP_FAIL_CONNECT ? "connection failed" : f == IMAP_FAIL_TLS ? "failed" : "refused";

	*error_r = xasprintf("%s: %s%s%s (libetpan error %d)", what, how, text[0] != '\0' ? ": " : "", text, r);
	return f;
}

/* libetpan's TLS (GnuTLS in Debian) checks nothing: the chain must lead to
 * a CA of ca_file (or the system's store) and name host. Before the login,
 * so no secret goes to a server that is not the one named. */
static enum imap_fail cert_verify(mailstream *stream, const struct imap_target *t, char **error_r)
{
	const char *why;

	if (tls_peer_verify(stream, t->host, t->ca_file, &why))
		return IMAP_OK;
	*error_r = xasprintf("the certificate of %s:%u does not verify%s%s: %s", t->host, t->port,
			     t->ca_file[0] != '\0' ? " against " : "", t->ca_file, why);
	return IMAP_FAIL_TLS;
}

/* TCP, TLS (implicit or STARTTLS) and the certificate check. */
static enum imap_fail connect_tls(struct imap_session *s, const struct imap_target *t, char **error_r)
{
	int r;

	if (t->implicit_tls) {
		r = mailimap_ssl_connect(s->imap, t->host, (uint16_t)t->port);
		if (r == MAILIMAP_ERROR_SSL)
			return fail(IMAP_FAIL_TLS, error_r, "TLS handshake", s->imap, r);
	} else {
		r = mailimap_socket_connect(s->imap, t->host, (uint16_t)t->port);
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED || r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
			r = mailimap_socket_starttls(s->imap);
			if (r != MAILIMAP_NO_ERROR)
				return fail(IMAP_FAIL_TLS, error_r, "STARTTLS", s->imap, r);
			r = MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
		}
	}
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		char what[300];

		snprintf(what, sizeof(what), "connect to %s:%u", t->host, t->port);
		return fail(r == MAILIMAP_ERROR_SSL ? IMAP_FAIL_TLS : IMAP_FAIL_CONNECT, error_r, what, s->imap, r);
	}
	return cert_verify(s->imap->imap_stream, t, error_r);
}

/* LOGIN with the password file's password, or AUTHENTICATE XOAUTH2. */
static enum imap_fail login(struct imap_session *s, const struct imap_target *t, char **error_r)
{
	char *secret = NULL;
	int r;

	if (t->oauth2_command[0] != '\0') {
		if (imap_secret_token(t->oauth2_command, &secret, error_r) < 0)
			return IMAP_FAIL_CONFIG;
		r = mailimap_oauth2_authenticate(s->imap, t->username, secret);
	} else {
		if (imap_secret_password(t->password_file, &secret, error_r) < 0)
			return IMAP_FAIL_CONFIG;
		r = mailimap_login(s->imap, t->username, secret);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	if (r == MAILIMAP_ERROR_STREAM)
		return fail(IMAP_FAIL_CONNECT, error_r, "login", s->imap, r);
	if (r != MAILIMAP_NO_ERROR)
		return fail(IMAP_FAIL_AUTH, error_r, "login", s->imap, r);
	return IMAP_OK;
}

/* The capabilities after login (they may differ from the greeting's). */
static void capabilities_read(struct imap_session *s)
{
	struct mailimap_capability_data *caps = NULL;

	if (mailimap_capability(s->imap, &caps) == MAILIMAP_NO_ERROR && caps != NULL)
		mailimap_capability_data_free(caps);
	s->has_idle = mailimap_has_idle(s->imap) != 0;
	s->has_move = mailimap_has_extension(s->imap, "MOVE") != 0;
	s->has_uidplus = mailimap_has_extension(s->imap, "UIDPLUS") != 0;
}

/* Contract in imap-session.h. */
enum imap_fail imap_session_open(const struct imap_target *t, struct imap_session **s_r, char **error_r)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	enum imap_fail f;
	int r;

	*s_r = NULL;
	if ((s->imap = mailimap_new(0, NULL)) == NULL)
		abort();
	mailimap_set_timeout(s->imap, (time_t)t->timeout_s);
	if ((f = connect_tls(s, t, error_r)) != IMAP_OK || (f = login(s, t, error_r)) != IMAP_OK) {
		imap_session_close(&s);
		return f;
	}
	capabilities_read(s);
	r = mailimap_select(s->imap, t->folder);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "folder \"%.200s\" (SELECT)", t->folder);
		f = fail(r == MAILIMAP_ERROR_STREAM ? IMAP_FAIL_CONNECT : IMAP_FAIL_FOLDER, error_r, what, s->imap, r);
		imap_session_close(&s);
		return f;
	}
	s->uidvalidity = s->imap->imap_selection_info != NULL ? s->imap->imap_selection_info->sel_uidvalidity : 0;
	*s_r = s;
	return IMAP_OK;
}

int64_t imap_session_uidvalidity(const struct imap_session *s)
{
	return s->uidvalidity;
}

bool imap_session_has_idle(const struct imap_session *s)
{
	return s->has_idle;
}

/* A failure of a command in the selected state: a broken stream is a
 * lost connection, anything else the server's refusal. */
static enum imap_fail cmd_fail(struct imap_session *s, const char *what, int r, char **error_r)
{
	return fail(r == MAILIMAP_ERROR_STREAM ? IMAP_FAIL_CONNECT : IMAP_FAIL_PROTOCOL, error_r, what, s->imap, r);
}

/* Sorts UIDs ascending. */
static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH key (freed here): the UIDs in after+1..upto (upto 0: no
 * bound; "*" is the highest UID even when that is not above after, so
 * each is compared), ascending, at most max of them: the lowest, or the
 * highest when highest. */
static enum imap_fail uids_search(struct imap_session *s, struct mailimap_search_key *key, int64_t after,
				  int64_t upto, size_t max, bool highest, uint32_t **uids_r, size_t *n_r,
				  char **error_r)
{
	clist *result = NULL;
	size_t n = 0;
	int r = mailimap_uid_search(s->imap, NULL, key, &result);

	mailimap_search_key_free(key);
	*uids_r = NULL;
	*n_r = 0;
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(s, "UID SEARCH", r, error_r);
	*uids_r = xcalloc((size_t)clist_count(result) + 1, sizeof(**uids_r));
	for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);

		if ((int64_t)uid > after && (upto == 0 || (int64_t)uid <= upto))
			(*uids_r)[n++] = uid;
	}
	mailimap_search_result_free(result);
	qsort(*uids_r, n, sizeof(**uids_r), uid_cmp);
	if (highest && n > max)
		memmove(*uids_r, *uids_r + (n - max), max * sizeof(**uids_r));
	*n_r = n < max ? n : max;
	return IMAP_OK;
}

/* Contract in imap-session.h. UID SEARCH UID after+1:*. */
enum imap_fail imap_session_search(struct imap_session *s, int64_t after, size_t max, uint32_t **uids_r,
				   size_t *n_r, char **error_r)
{
	struct mailimap_set *from_after = mailimap_set_new_interval((uint32_t)after + 1, 0);

	return uids_search(s, mailimap_search_key_new_uid(from_after), after, 0, max, false, uids_r, n_r, error_r);
}

/* Contract in imap-session.h. UID SEARCH UID 1:upto UNSEEN. */
enum imap_fail imap_session_search_unseen(struct imap_session *s, int64_t upto, size_t max, uint32_t **uids_r,
					  size_t *n_r, char **error_r)
{
	struct mailimap_search_key *key = mailimap_search_key_new_multiple_empty();
	struct mailimap_search_key *unseen =
		mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNSEEN, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
					NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
					NULL, NULL, NULL);

	*uids_r = NULL;
	*n_r = 0;
	if (upto <= 0) {
		mailimap_search_key_free(key);
		mailimap_search_key_free(unseen);
		return IMAP_OK;
	}
	mailimap_search_key_multiple_add(key, mailimap_search_key_new_uid(mailimap_set_new_interval(1, (uint32_t)upto)));
	mailimap_search_key_multiple_add(key, unseen);
	return uids_search(s, key, 0, upto, max, true, uids_r, n_r, error_r);
}

/* The UID, size and body section of one FETCH answer (each left alone
 * when absent). */
static void att_read(struct mailimap_msg_att *att, uint32_t *uid_r, uint32_t *size_r,
		     const struct mailimap_msg_att_body_section **body_r)
{
	for (clistiter *it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid_r = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
			*size_r = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
			*body_r = st->att_data.att_body_section;
	}
}

/* The set of n UIDs. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n);

/* Contract in imap-session.h. */
enum imap_fail imap_session_sizes(struct imap_session *s, const uint32_t *uids, size_t n, uint32_t *sizes_r,
				  char **error_r)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *type;
	clist *result = NULL;
	int r;

	memset(sizes_r, 0, n * sizeof(*sizes_r));
	if (n == 0)
		return IMAP_OK;
	set = uid_set(uids, n);
	type = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_rfc822_size());
	r = mailimap_uid_fetch(s->imap, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(s, "UID FETCH RFC822.SIZE", r, error_r);
	for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_body_section *body = NULL;
		uint32_t uid = 0, size = 0;

		att_read(clist_content(it), &uid, &size, &body);
		for (size_t i = 0; i < n; i++)
			if (uids[i] == uid)
				sizes_r[i] = size;
	}
	mailimap_fetch_list_free(result);
	return IMAP_OK;
}

/* Contract in imap-session.h. BODY.PEEK[]<0.max+1>: a server that says
 * one size and sends more cannot make us hold more than max + 1 bytes. */
enum imap_fail imap_session_fetch(struct imap_session *s, uint32_t uid, size_t max, char **msg_r, size_t *len_r,
				  char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *section = mailimap_section_new(NULL); /* the whole message */
	uint32_t want = max < UINT32_MAX ? (uint32_t)max + 1 : UINT32_MAX;
	clist *result = NULL;
	int r;

	*msg_r = NULL;
	*len_r = 0;
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(type,
						   mailimap_fetch_att_new_body_peek_section_partial(section, 0, want));
	r = mailimap_uid_fetch(s->imap, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(s, "UID FETCH", r, error_r);
	for (clistiter *it = clist_begin(result); it != NULL && *msg_r == NULL; it = clist_next(it)) {
		const struct mailimap_msg_att_body_section *body = NULL;
		uint32_t got = 0, size = 0;

		att_read(clist_content(it), &got, &size, &body);
		if (got == uid && body != NULL) {
			*msg_r = xmalloc(body->sec_length + 1);
			memcpy(*msg_r, body->sec_body_part != NULL ? body->sec_body_part : "", body->sec_length);
			(*msg_r)[body->sec_length] = '\0';
			*len_r = body->sec_length;
		}
	}
	mailimap_fetch_list_free(result);
	return IMAP_OK;
}

/* The set of n UIDs. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();

	for (size_t i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	return set;
}

/* UID STORE +FLAGS.SILENT (flag). */
static int flag_add(struct imap_session *s, struct mailimap_set *set, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *att;
	int r;

	mailimap_flag_list_add(fl, flag);
	att = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(s->imap, set, att);
	mailimap_store_att_flags_free(att);
	return r;
}

/* \Deleted, then away: UID EXPUNGE (UIDPLUS) touches only these. */
static int expunge(struct imap_session *s, struct mailimap_set *set)
{
	int r = flag_add(s, set, mailimap_flag_new_deleted());

	if (r != MAILIMAP_NO_ERROR)
		return r;
	return s->has_uidplus ? mailimap_uid_expunge(s->imap, set) : mailimap_expunge(s->imap);
}

/* UID MOVE when offered, else COPY and expunge. */
static int move_once(struct imap_session *s, struct mailimap_set *set, const char *folder)
{
	int r;

	if (s->has_move)
		return mailimap_uid_move(s->imap, set, folder);
	r = mailimap_uid_copy(s->imap, set, folder);
	return r != MAILIMAP_NO_ERROR ? r : expunge(s, set);
}

/* Contract in imap-session.h. */
enum imap_fail imap_session_done(struct imap_session *s, const uint32_t *uids, size_t n, const char *action,
				 const char *done_folder, char **error_r)
{
	struct mailimap_set *set;
	int r;

	if (n == 0)
		return IMAP_OK;
	set = uid_set(uids, n);
	if (strcmp(action, "delete") == 0)
		r = expunge(s, set);
	else if (strcmp(action, "flag") == 0)
		r = flag_add(s, set, mailimap_flag_new_seen());
	else if ((r = move_once(s, set, done_folder)) != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_STREAM &&
		 mailimap_create(s->imap, done_folder) == MAILIMAP_NO_ERROR)
		r = move_once(s, set, done_folder); /* the folder was missing */
	mailimap_set_free(set);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : cmd_fail(s, action, r, error_r);
}

/* Contract in imap-session.h. */
enum imap_fail imap_session_idle_start(struct imap_session *s, int *fd_r, bool *pending_r, char **error_r)
{
	int r = mailimap_idle(s->imap);

	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(s, "IDLE", r, error_r);
	*fd_r = mailimap_idle_get_fd(s->imap);
	*pending_r = s->imap->imap_stream != NULL && s->imap->imap_stream->read_buffer_len > 0;
	return IMAP_OK;
}

/* Contract in imap-session.h. */
enum imap_fail imap_session_idle_done(struct imap_session *s, char **error_r)
{
	int r = mailimap_idle_done(s->imap);

	return r == MAILIMAP_NO_ERROR ? IMAP_OK : cmd_fail(s, "IDLE DONE", r, error_r);
}

/* Contract in imap-session.h. */
void imap_session_close(struct imap_session **s)
{
	if (*s == NULL)
		return;
	if ((*s)->imap->imap_stream != NULL)
		mailimap_logout((*s)->imap);
	mailimap_free((*s)->imap);
	free(*s);
	*s = NULL;
}
