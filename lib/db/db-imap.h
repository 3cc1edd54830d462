#ifndef MD_DB_IMAP_H
#define MD_DB_IMAP_H
/* IMAP channels (sql/019_imap_channels.sql, issue 15): a team's mailbox at
 * a provider that maildeskd fetches. maildeskctl adds and changes them;
 * the daemon leases them (one daemon per channel at a time), records their
 * status and, inside each delivery's transaction, their position
 * (db_imap_position_set, called by lib/desk). No secret is stored: only
 * the path of a password file or an XOAUTH2 token command.
 *
 * Errors as in db.h: -1 with *error_r a malloc'd line. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Settings of a channel. In db_imap_channel_set, NULL (and port 0) keeps a
 * value; password_file and oauth2_command replace each other. */
struct db_imap_settings {
	const char *host;
	unsigned port;
	const char *tls;            /* "implicit" | "starttls" */
	const char *ca_file;        /* "" = the system's CA store */
	const char *username;
	const char *password_file;  /* exactly one of these two */
	const char *oauth2_command;
	const char *folder;
	const char *done_action;    /* "move" | "delete" | "flag" */
	const char *done_folder;    /* for move */
	const char *hold_folder;    /* where messages that cannot be stored go */
};

/* Adds a channel of a team. Returns 0 with *id_r, or -1 (also when the
 * schema's checks refuse a value). */
int db_imap_channel_add(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_imap_settings *s,
			int64_t *id_r, char **error_r);
/* Changes the settings given (config_version grows, so the daemon working
 * the channel starts a new session with them). 1 changed, 0 no such
 * channel, -1. */
int db_imap_channel_set(struct db *db, int64_t id, const struct db_imap_settings *s, char **error_r);
/* Pauses (paused true: the lease is given up too) or resumes a channel.
 * 1 changed, 0 no such channel, -1. */
int db_imap_channel_pause(struct db *db, int64_t id, bool paused, char **error_r);
/* Removes a channel. 1 removed, 0 no such channel, -1. */
int db_imap_channel_remove(struct db *db, int64_t id, char **error_r);
/* maildeskctl's listing (tenant_id 0: all tenants), columns
 * id tenant team host port tls username folder done paused status
 * last_error: DB_IMAP_LIST_KINDS for ctl_output_rows. 0 with *t_r. */
#define DB_IMAP_LIST_KINDS "isssissssbss"
int db_imap_channel_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);
/* One channel with everything but secrets (there are none stored), for
 * "channel show" (ending in held, stuck_uid, stuck_attempts, stuck_error:
 * messages moved to the hold folder, the one being retried):
 * DB_IMAP_SHOW_KINDS. 1 with *t_r, 0 none, -1. */
#define DB_IMAP_SHOW_KINDS "issssisssssssssbsstiistiiiis"
int db_imap_channel_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r);

/* A channel as the daemon (and "channel test") works it; strings owned. */
struct db_imap_channel {
	int64_t id, tenant_id, team_id;
	char *host, *tls, *ca_file, *username, *password_file, *oauth2_command, *folder, *done_action,
		*done_folder, *hold_folder;
	unsigned port;
	int64_t uidvalidity, last_uid;
	int config_version;
	char *alias; /* the team's first alias: the recipient fetched mail gets */
};
/* Frees the strings of c and zeroes it; NULL ignored. */
void db_imap_channel_clear(struct db_imap_channel *c);
/* One channel by id. 1 with *c filled (clear it), 0 none, -1. */
int db_imap_channel_get(struct db *db, int64_t id, struct db_imap_channel *c, char **error_r);

/* The lease: takes every channel that is not paused and whose lease is
 * free, expired or already holder's, for lease_s seconds from now, at most
 * max of them (renewing holder's own first). Returns 0 with *c_r (n_r
 * entries, malloc'd; clear each and free the array), or -1. */
int db_imap_lease(struct db *db, const char *holder, unsigned lease_s, size_t max, struct db_imap_channel **c_r,
		  size_t *n_r, char **error_r);
/* Gives up holder's lease of a channel (a clean stop), so another daemon
 * may take it at once. Returns 0 or -1. */
int db_imap_lease_release(struct db *db, const char *holder, int64_t id, char **error_r);

/* Records what the holder's session saw: status (a short word, "ok",
 * "idle", "polling", "auth-failed", "tls-failed", "connect-failed",
 * "folder-missing", "error") and last_error ("" clears it). Only while
 * holder holds the lease. Returns 0 or -1. */
int db_imap_status_set(struct db *db, const char *holder, int64_t id, const char *status, const char *last_error,
		       char **error_r);
/* The mailbox was recreated (UIDVALIDITY changed): the channel's position
 * starts again at uid 0 of uidvalidity. Returns 0 or -1. */
int db_imap_position_reset(struct db *db, int64_t id, int64_t uidvalidity, char **error_r);
/* Inside the transaction that stores a fetched message (desk_deliver):
 * the channel's uidvalidity becomes pos->uidvalidity and its last_uid
 * pos->uid, never lower than before under the same uidvalidity, and a
 * stuck count of that uid is cleared. Fails (-1) when pos->holder no
 * longer holds the channel's lease, so the caller's transaction rolls
 * back. Returns 0 or -1 (in a pipelined transaction the failure may come
 * at COMMIT). */
int db_imap_position_set(struct db *db, const struct db_channel_pos *pos, char **error_r);
/* A delivery of uid failed (error: why, for "channel show"): the count of
 * failed attempts of that uid grows (a different uid starts again at 1).
 * 1 with *attempts_r, 0 holder no longer holds the lease, -1. */
int db_imap_attempt_failed(struct db *db, const char *holder, int64_t id, int64_t uid, const char *error,
			   unsigned *attempts_r, char **error_r);
/* The message pos->uid was moved to the hold folder: counted in held and
 * the position passes it, in one transaction of its own. 1 done, 0 the
 * lease is not pos->holder's, -1. */
int db_imap_held(struct db *db, const struct db_channel_pos *pos, char **error_r);

#endif
