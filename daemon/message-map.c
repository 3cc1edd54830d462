#include "config.h"
#include "message-map.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

/* Address lists are shared by pointer; only the array is new. */
static struct db_address *map_addresses(const struct mime_address_list *l)
{
	struct db_address *a = xcalloc(l->n ? l->n : 1, sizeof(*a));

	for (size_t i = 0; i < l->n; i++) {
		a[i].name = l->items[i].name;
		a[i].addr = l->items[i].addr;
	}
	return a;
}

static void map_attachments(struct message_map *map, const struct mime_message *m)
{
	size_t n = m->n_attachments;

	map->attachments = xcalloc(n ? n : 1, sizeof(*map->attachments));
	map->attachment_hashes = xcalloc(n ? n : 1, sizeof(*map->attachment_hashes));
	for (size_t i = 0; i < n; i++) {
		const struct mime_attachment *src = &m->attachments[i];
		struct db_attachment_in *dst = &map->attachments[i];

		for (size_t k = 0; k < 32; k++)
			snprintf(map->attachment_hashes[i] + 2 * k, 3, "%02x", src->sha256[k]);
		dst->filename = src->filename;
		dst->content_type = src->content_type;
		dst->content_id = src->content_id;
		dst->is_inline = src->is_inline;
		dst->data = src->data;
		dst->size = src->size;
		dst->sha256_hex = map->attachment_hashes[i];
	}
}

void message_map_init(struct message_map *map, const struct mime_message *m, const char *raw, size_t raw_len,
		      const char *envelope_from)
{
	struct db_message_in *in = &map->in;

	mime_sha256_hex(raw, raw_len, map->raw_sha256);
	mime_defects_str(m->defects, map->defects, sizeof(map->defects));
	map->to = map_addresses(&m->to);
	map->cc = map_addresses(&m->cc);
	map->reply_to = map_addresses(&m->reply_to);
	map_attachments(map, m);
	*in = (struct db_message_in){
		.raw = raw,
		.raw_len = raw_len,
		.raw_sha256_hex = map->raw_sha256,
		.envelope_from = envelope_from,
		.from_name = m->from.name,
		.from_addr = m->from.addr,
		.from_count = m->from_count,
		.to = map->to,
		.n_to = m->to.n,
		.cc = map->cc,
		.n_cc = m->cc.n,
		.reply_to = map->reply_to,
		.n_reply_to = m->reply_to.n,
		.subject = m->subject,
		.date = m->date,
		.message_id = m->message_id,
		.in_reply_to = m->in_reply_to,
		.references = (const char *const *)m->references,
		.n_references = m->n_references,
		.header_block = m->header_block,
		.text_body = m->text_body,
		.html_body = m->html_body,
		.attachments = map->attachments,
		.n_attachments = m->n_attachments,
		.content_type = m->content_type,
		.defects = m->defects,
		.defects_str = map->defects,
		.dsn = m->dsn,
	};
}

void message_map_free(struct message_map *map)
{
	free(map->to);
	free(map->cc);
	free(map->reply_to);
	free(map->attachments);
	free(map->attachment_hashes);
	map->to = map->cc = map->reply_to = NULL;
	map->attachments = NULL;
	map->attachment_hashes = NULL;
}
