/* The messages lib/desk writes and threads on (contract in
 * db-desk-mail.h). Bytes travel as hex text, since db_exec() sends text
 * parameters only. */
#include "config.h"
#include "db/db-desk-mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-private.h"

/* data as lower-case hex text (malloc'd), for decode($n, 'hex'). */
static char *hex_encode(const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = xmalloc(len * 2 + 1);

	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[data[i] >> 4];
		hex[2 * i + 1] = digits[data[i] & 15];
	}
	hex[len * 2] = '\0';
	return hex;
}

/* Splits "a b c" into malloc'd words appended to r->refs. */
static void refs_split(const char *text, struct db_desk_thread_ref *r)
{
	char *copy = xstrdup(text);

	for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		r->refs = xrealloc(r->refs, (r->n_refs + 1) * sizeof(*r->refs));
		r->refs[r->n_refs++] = xstrdup(tok);
	}
	free(copy);
}

int db_desk_latest_customer_message(struct db *db, int64_t tenant_id, int64_t ticket_id,
				    struct db_desk_thread_ref *r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	struct db_table *res = NULL;
	int found;

	memset(r, 0, sizeof(*r));
	if (db_exec(db,
		    "SELECT message_id, array_to_string(refs, ' ') FROM messages WHERE tenant_id = $1"
		    " AND ticket_id = $2 AND direction = 'in' AND kind = 'customer' AND message_id IS NOT NULL"
		    " ORDER BY received_at DESC, id DESC LIMIT 1",
		    2, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found) {
		r->message_id = db_cell_str(res, 0, 0);
		if (db_table_get(res, 0, 1) != NULL)
			refs_split(db_table_get(res, 0, 1), r);
	}
	db_table_free(&res);
	return found;
}

void db_desk_thread_ref_free(struct db_desk_thread_ref *r)
{
	for (size_t i = 0; i < r->n_refs; i++)
		free(r->refs[i]);
	free(r->refs);
	free(r->message_id);
	memset(r, 0, sizeof(*r));
}

int db_desk_participants(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_desk_contact **contacts_r,
			 size_t *n_r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT c.email, coalesce(c.name, '') FROM ticket_participants p JOIN contacts c"
		    " ON c.tenant_id = p.tenant_id AND c.id = p.contact_id WHERE p.tenant_id = $1"
		    " AND p.ticket_id = $2 ORDER BY c.email",
		    2, params, &res, error_r) < 0)
		return -1;
	*n_r = res->n_rows;
	*contacts_r = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(**contacts_r));
	for (size_t i = 0; i < res->n_rows; i++)
		(*contacts_r)[i] = (struct db_desk_contact){ db_cell_str(res, i, 0), db_cell_str(res, i, 1) };
	db_table_free(&res);
	return 0;
}

void db_desk_contacts_free(struct db_desk_contact **contacts, size_t n)
{
	if (*contacts == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*contacts)[i].email);
		free((*contacts)[i].name);
	}
	free(*contacts);
	*contacts = NULL;
}

int db_desk_raw_keep(struct db *db, int64_t tenant_id, const char *data, size_t len, const char *sha256_hex,
		     char **error_r)
{
	struct db_num tn;
	char *hex = hex_encode((const unsigned char *)data, len);
	const char *params[3] = { db_num(&tn, tenant_id), sha256_hex, hex };
	struct db_table *res = NULL;
	int ret;

	ret = db_exec(db,
		      "INSERT INTO raw_messages (tenant_id, sha256, size, data) SELECT $1, lower($2), length(d), d"
		      " FROM (SELECT decode($3, 'hex') AS d) x ON CONFLICT DO NOTHING RETURNING 1",
		      3, params, &res, error_r);
	free(hex);
	if (ret < 0)
		return -1;
	ret = res->n_rows > 0;
	db_table_free(&res);
	return ret;
}

/* Keeps an attachment of a sent mail like a received one: the content
 * once per hash in blobs, a row per message in attachments. */
static int attachment_store(struct db *db, const char *tn, const char *msg_row, const struct db_desk_attachment *att,
			    char **error_r)
{
	char *h = hex_encode(att->data, att->size);
	const char *blob_params[2] = { tn, h };
	const char *params[5] = { tn, msg_row, att->filename, att->content_type, h };
	int ret;

	ret = db_exec(db,
		      "INSERT INTO blobs (tenant_id, sha256, size, data) SELECT $1, encode(sha256(d), 'hex'),"
		      " length(d), d FROM (SELECT decode($2, 'hex') AS d) x ON CONFLICT (tenant_id, sha256)"
		      " DO UPDATE SET data = EXCLUDED.data, purged_at = NULL, created_at = now()"
		      " WHERE blobs.purged_at IS NOT NULL",
		      2, blob_params, NULL, error_r);
	if (ret == 0)
		ret = db_exec(db,
			      "INSERT INTO attachments (tenant_id, message_id, filename, content_type, size, sha256)"
			      " SELECT $1, $2, $3, $4, length(d), encode(sha256(d), 'hex')"
			      " FROM (SELECT decode($5, 'hex') AS d) x",
			      5, params, NULL, error_r);
	free(h);
	return ret;
}

int db_desk_outgoing_store(struct db *db, const struct db_desk_outgoing *o, int64_t *message_id_r,
			   char **error_r)
{
	struct db_num tn, tk, tm, ag;
	const char *params[12] = { db_num(&tn, o->tenant_id), db_num(&tk, o->ticket_id), db_num(&tm, o->team_id),
				   o->sha256_hex,		 o->from_addr,	    o->from_name,	o->subject,
				   o->message_id, o->in_reply_to,   o->text_body,	db_num(&ag, o->agent_id),
				   o->detail };
	struct db_table *res = NULL;
	int ret = 0;

	if (db_raw_store(db, o->tenant_id, o->data, o->len, o->sha256_hex, error_r) < 0)
		return -1;
	if (db_exec(db,
		    "INSERT INTO messages (tenant_id, ticket_id, team_id, direction, raw_sha256, envelope_from,"
		    " from_name, from_addr, subject, sent_at, message_id, in_reply_to, text_body, match_reason,"
		    " match_detail, kind, agent_id, search_config) VALUES ($1, $2, $3, 'out', $4, $5, $6, $5, $7, now(),"
		    " $8, $9, $10, 'agent', $12, 'reply', $11, " DB_SEARCH_CONFIG ") RETURNING id",
		    12, params, &res, error_r) < 0)
		return -1;
	for (size_t i = 0; i < o->n_attachments && ret == 0; i++)
		ret = attachment_store(db, tn.s, db_table_get(res, 0, 0), &o->attachments[i], error_r);
	if (ret == 0 && message_id_r != NULL)
		*message_id_r = db_cell_int(res, 0, 0);
	db_table_free(&res);
	return ret;
}

int db_desk_note_add(struct db *db, const struct db_desk_note *n, char **error_r)
{
	struct db_num tn, tk, tm, ag;
	const char *params[9] = { db_num(&tn, n->tenant_id), db_num(&tk, n->ticket_id), db_num(&tm, n->team_id),
				  n->from_name, n->from_addr, n->text, n->reason, n->detail,
				  n->agent_id != 0 ? db_num(&ag, n->agent_id) : NULL };

	return db_exec(db,
		       "INSERT INTO messages (tenant_id, ticket_id, team_id, direction, from_name, from_addr,"
		       " text_body, match_reason, match_detail, kind, agent_id, search_config)"
		       " VALUES ($1, $2, $3, 'in', $4, $5, $6, $7, $8, 'note', $9, " DB_SEARCH_CONFIG ")",
		       9, params, NULL, error_r);
}

int db_desk_message_mark(struct db *db, int64_t tenant_id, int64_t message_id, const char *kind, int64_t agent_id,
			 char **error_r)
{
	struct db_num tn, id, ag;
	const char *params[4] = { db_num(&tn, tenant_id), db_num(&id, message_id), kind,
				  agent_id != 0 ? db_num(&ag, agent_id) : NULL };

	return db_exec(db, "UPDATE messages SET kind = $3, agent_id = $4 WHERE tenant_id = $1 AND id = $2", 4, params,
		       NULL, error_r);
}
