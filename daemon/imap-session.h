#ifndef MD_DAEMON_IMAP_SESSION_H
#define MD_DAEMON_IMAP_SESSION_H
/* One IMAP session with a channel's server (issue 15), over libetpan's
 * IMAP client. Blocking: every call but imap_session_idle_fd() runs on a
 * pool thread (maildeskd) or in maildeskctl, one call at a time per
 * session. TLS is libetpan's (GnuTLS in Debian's build), which checks no
 * certificate itself: after the handshake the chain is verified here with
 * OpenSSL against the channel's CA file (or the system's store) and the
 * host name, before the password or token is sent.
 *
 * Errors: each call returns IMAP_OK or the class of failure, with
 * *error_r a malloc'd line for the log and "channel show". After any
 * failure but IMAP_FAIL_MESSAGE the session is unusable: close it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_fail {
	IMAP_OK = 0,
	IMAP_FAIL_CONFIG,   /* the password file or token command is unusable */
	IMAP_FAIL_CONNECT,  /* no connection, or it broke */
	IMAP_FAIL_TLS,      /* handshake or certificate check failed */
	IMAP_FAIL_AUTH,     /* the server refused the login */
	IMAP_FAIL_FOLDER,   /* the folder cannot be selected (vanished) */
	IMAP_FAIL_PROTOCOL, /* any other refused or garbled command */
};
/* The status word "channel show" prints for a failure class. */
const char *imap_fail_status(enum imap_fail f);

/* Where and how to connect; strings borrowed for the call. */
struct imap_target {
	const char *host;
	unsigned port;
	bool implicit_tls;      /* else STARTTLS on the plain port */
	const char *ca_file;    /* "" = the system's store */
	const char *username;
	const char *password_file;  /* "" when oauth2_command is used */
	const char *oauth2_command; /* argv split at blanks, run without a shell */
	const char *folder;
	unsigned timeout_s;     /* connecting and each wait for a reply */
};

struct imap_session;

/* Connects, verifies TLS, logs in and selects the folder. IMAP_OK with
 * *s_r, else *s_r NULL. */
enum imap_fail imap_session_open(const struct imap_target *t, struct imap_session **s_r, char **error_r);
/* The selected folder's UIDVALIDITY. */
int64_t imap_session_uidvalidity(const struct imap_session *s);
/* Whether the server offers IDLE (RFC 2177). */
bool imap_session_has_idle(const struct imap_session *s);
/* The UIDs above after, ascending, at most max of them (*uids_r malloc'd,
 * *n_r of them; the lowest first). */
enum imap_fail imap_session_search(struct imap_session *s, int64_t after, size_t max, uint32_t **uids_r,
				   size_t *n_r, char **error_r);
/* The UIDs at or below upto that are not flagged \Seen, ascending, at
 * most max of them (the highest). */
enum imap_fail imap_session_search_unseen(struct imap_session *s, int64_t upto, size_t max, uint32_t **uids_r,
					  size_t *n_r, char **error_r);
/* The sizes (RFC822.SIZE) of n UIDs in one command: sizes_r[i] for
 * uids[i], 0 for one that vanished meanwhile. */
enum imap_fail imap_session_sizes(struct imap_session *s, const uint32_t *uids, size_t n, uint32_t *sizes_r,
				  char **error_r);
/* The raw message of uid (BODY.PEEK[], so nothing is flagged), at most
 * max + 1 bytes of it (more than max: the message is over the limit):
 * *msg_r malloc'd with *len_r bytes; NULL when the message vanished
 * meanwhile. */
enum imap_fail imap_session_fetch(struct imap_session *s, uint32_t uid, size_t max, char **msg_r, size_t *len_r,
				  char **error_r);
/* What happens to stored messages on the server: action "move" (UID MOVE
 * when offered, else UID COPY, \Deleted and UID EXPUNGE; done_folder is
 * created when missing), "delete" (\Deleted and expunged) or "flag"
 * (\Seen). */
enum imap_fail imap_session_done(struct imap_session *s, const uint32_t *uids, size_t n, const char *action,
				 const char *done_folder, char **error_r);
/* Enters IDLE. IMAP_OK with *fd_r the socket to watch for readability and
 * *pending_r true when the server already sent something (look at once). */
enum imap_fail imap_session_idle_start(struct imap_session *s, int *fd_r, bool *pending_r, char **error_r);
/* Leaves IDLE (DONE and its answer). */
enum imap_fail imap_session_idle_done(struct imap_session *s, char **error_r);
/* Logs out (when connected) and frees; *s set to NULL; NULL ignored. */
void imap_session_close(struct imap_session **s);

#endif
