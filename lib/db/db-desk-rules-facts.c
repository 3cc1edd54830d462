/* The message a rule sees, read for lib/desk's rule facts (contract in
 * db-desk-rules.h; the ticket is db-desk-facts.c's). */
#include "config.h"
#include "db/db-desk-rules.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-private.h"

/* Row 0 the message (kind 0), then its attachments (kind 1: filename in
 * the from column, type in the rcpt column); the header block is asked
 * for only when the caller has no parsed fields. */
#define MESSAGE_SQL(headers)                                                                                   \
	"SELECT 0 AS k, 0::bigint AS o, coalesce(nullif(lower(m.from_addr), ''), lower(m.envelope_from)),"     \
	" m.rcpt, m.subject, m.text_body, m.envelope_from, m.from_addr, " headers                             \
	" FROM messages m WHERE m.tenant_id = $1 AND m.id = $2"                                                \
	" UNION ALL SELECT 1, a.id, a.filename, a.content_type, NULL, NULL, NULL, NULL, NULL"                  \
	" FROM attachments a WHERE a.tenant_id = $1 AND a.message_id = $2 ORDER BY 1, 2"

enum { MS_KIND, MS_ORDER, MS_FROM, MS_RCPT, MS_SUBJECT, MS_BODY, MS_ENVELOPE, MS_FROM_ADDR, MS_HEADERS };

/* A cell copied, SQL NULL kept as NULL. */
static char *cell_dup(const struct db_table *res, size_t row, size_t col)
{
	const char *v = db_table_get(res, row, col);

	return v != NULL ? xstrdup(v) : NULL;
}

/* Fills m from the rows of MESSAGE_SQL (row 0 is the message). */
static void message_from_rows(const struct db_table *res, bool with_headers, struct db_rules_message *m)
{
	*m = (struct db_rules_message){
		.from = cell_dup(res, 0, MS_FROM), .rcpt = cell_dup(res, 0, MS_RCPT),
		.subject = cell_dup(res, 0, MS_SUBJECT), .body = cell_dup(res, 0, MS_BODY),
		.envelope_from = cell_dup(res, 0, MS_ENVELOPE), .from_addr = cell_dup(res, 0, MS_FROM_ADDR),
		.headers = with_headers ? db_cell_str(res, 0, MS_HEADERS) : NULL,
		.n_attachments = res->n_rows - 1,
	};
	m->attachments = xcalloc(m->n_attachments + 1, sizeof(*m->attachments));
	for (size_t i = 0; i < m->n_attachments; i++)
		m->attachments[i] = (struct db_rules_attachment){ db_cell_str(res, i + 1, MS_FROM),
								  db_cell_str(res, i + 1, MS_RCPT) };
}

int db_rules_message_get(struct db *db, int64_t tenant_id, int64_t message_id, bool with_headers,
			 struct db_rules_message *m, char **error_r)
{
	struct db_num tn, ms;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&ms, message_id) };
	struct db_table *res = NULL;

	if (db_exec(db, with_headers ? MESSAGE_SQL("m.headers") : MESSAGE_SQL("NULL::text"), 2, params, &res,
		    error_r) < 0)
		return -1;
	if (res->n_rows == 0 || strcmp(db_table_get(res, 0, MS_KIND), "0") != 0) {
		db_table_free(&res);
		return 0;
	}
	message_from_rows(res, with_headers, m);
	db_table_free(&res);
	return 1;
}

void db_rules_message_free(struct db_rules_message *m)
{
	free(m->from);
	free(m->rcpt);
	free(m->subject);
	free(m->body);
	free(m->envelope_from);
	free(m->from_addr);
	free(m->headers);
	for (size_t i = 0; i < m->n_attachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].content_type);
	}
	free(m->attachments);
	memset(m, 0, sizeof(*m));
}

int db_rules_latest_customer_mail(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t *message_id_r,
				  char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db,
		    "SELECT id FROM messages WHERE tenant_id = $1 AND ticket_id = $2 AND direction = 'in'"
		    " AND kind = 'customer' ORDER BY received_at DESC, id DESC LIMIT 1",
		    2, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*message_id_r = db_cell_int(res, 0, 0);
	db_table_free(&res);
	return found;
}
