#ifndef MD_DAEMON_IMAP_SECRET_H
#define MD_DAEMON_IMAP_SECRET_H
/* An IMAP channel's secret, read when a session starts and forgotten
 * after the login: the database holds only where to find it. Both
 * functions block (a file read, a child process). */

/* Refuses what should not hold a password: a missing or not regular file,
 * or one that others (not owner, not group) may read, write or execute.
 * Returns 0, or -1 with *error_r a malloc'd line ("... chmod o-rwx F"). */
int imap_secret_file_check(const char *path, char **error_r);
/* The password: the file's first line (imap_secret_file_check first).
 * Returns 0 with *password_r malloc'd, or -1 with *error_r. */
int imap_secret_password(const char *path, char **password_r, char **error_r);
/* An XOAUTH2 access token: runs command (split at blanks, no shell, stdin
 * /dev/null) and takes its standard output, one line; the command must
 * exit 0 within 15 s (else it is killed). Returns 0 with *token_r malloc'd, or -1 with *error_r. */
int imap_secret_token(const char *command, char **token_r, char **error_r);

#endif
