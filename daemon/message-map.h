#ifndef MD_DAEMON_MESSAGE_MAP_H
#define MD_DAEMON_MESSAGE_MAP_H
/* Bridges the two modules that must not know each other: the parsed
 * message of lib/mime becomes the storage input of lib/db. The map borrows
 * from the mime_message and the raw bytes; it owns only its arrays. */
#include "db/db.h"
#include "mime/mime.h"

struct message_map {
	struct db_message_in in;
	struct db_address *to, *cc, *reply_to;
	struct db_attachment_in *attachments;
	char (*attachment_hashes)[65];
	char raw_sha256[65];
	char defects[256];
};

/* Fills map from m (which must outlive the map) and the raw message. */
void message_map_init(struct message_map *map, const struct mime_message *m, const char *raw, size_t raw_len,
		      const char *envelope_from);
void message_map_free(struct message_map *map);

#endif
