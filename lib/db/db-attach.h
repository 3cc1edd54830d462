#ifndef MD_DB_ATTACH_H
#define MD_DB_ATTACH_H
/* Attachments and raw messages as stored (blobs, attachments,
 * raw_messages of 001): what a notification to the agents carries or
 * lists (lib/desk), and what maildeskctl writes out byte for byte
 * ("message show --raw", "attachment get"). Errors as in db.h: -1 with
 * *error_r a malloc'd line. */
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One stored attachment of a message, as a notification lists it.
 * Strings malloc'd, never NULL. */
struct db_attach_row {
	int64_t id;
	char *filename, *content_type;
	int64_t size;
};
/* The team's notify_attach_max (bytes; 0: never carry) and the
 * attachments of message_id in the order they were stored. Returns 0 with
 * *rows_r (free with db_attach_rows_free()) and *n_r, or -1. */
int db_attach_notify_list(struct db *db, int64_t tenant_id, int64_t team_id, int64_t message_id, int64_t *max_r,
			  struct db_attach_row **rows_r, size_t *n_r, char **error_r);
void db_attach_rows_free(struct db_attach_row **rows, size_t n);

/* "team set --notify-attach-max": bytes, 0 or more. Returns 0 or -1. */
int db_attach_team_max_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t max, char **error_r);

/* The raw bytes of message id of the tenant, exactly as received (or, for
 * our own mail, as composed before signing). Returns 1 with *data_r
 * (malloc'd, NUL-terminated past *len_r), 0 when the tenant has no such
 * message or it has no raw bytes (a note; purged by the retention or an
 * erase, sql/026), -1. */
int db_attach_message_raw(struct db *db, int64_t tenant_id, int64_t message_id, char **data_r, size_t *len_r,
			  char **error_r);

/* Attachment id of the tenant: its decoded content and its (already
 * sanitised) file name. Returns 1 with *data_r (malloc'd) and *len_r and
 * *filename_r (malloc'd), 0 when there is no such attachment or its
 * content was purged (sql/026), -1. */
int db_attach_get(struct db *db, int64_t tenant_id, int64_t id, char **data_r, size_t *len_r, char **filename_r,
		  char **error_r);

#endif
