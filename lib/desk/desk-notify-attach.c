/* The customer's attachments in a notification to the agents: listed
 * (name, type, size, the id that fetches each) and carried, bytes
 * unchanged, while together they stay within the team's limit
 * (teams.notify_attach_max, "team set --notify-attach-max"). */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-attach.h"
#include "mime/mime-compose.h"

/* The bidirectional controls (U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069) that make "gpj.exe" read as "exe.jpg"; lib/mime already
 * replaced the C0 and C1 controls, '/' and '\\'. Returns their length at
 * p (3), or 0. */
static size_t bidi_control_len(const unsigned char *p)
{
	if (p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* A stranger's file name as an agent reads it: bidi controls become '_',
 * an empty name "(unnamed)". */
static void name_append(struct buf *b, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (name[0] == '\0') {
		buf_append_str(b, "(unnamed)");
		return;
	}
	while (*p != '\0') {
		size_t n = bidi_control_len(p);

		buf_append(b, n > 0 ? "_" : (const char *)p, 1);
		p += n > 0 ? n : 1;
	}
}

/* The list, then whether they came along or how to fetch them. */
static char *list_text(const struct db_attach_row *rows, size_t n, uint64_t total, int64_t max, bool carried,
		       const char *team_name)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "Attachments (%zu, %" PRIu64 " bytes):\n", n, total);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "  [id %" PRId64 "] ", rows[i].id);
		name_append(&b, rows[i].filename);
		buf_printf(&b, "  %s  %" PRId64 " bytes\n", rows[i].content_type, rows[i].size);
	}
	if (carried)
		buf_append_str(&b, "They are attached to this mail.\n");
	else if (max == 0)
		buf_printf(&b, "Team \"%s\" sends no attachments with notifications (--notify-attach-max 0).\n",
			   team_name);
	else
		buf_printf(&b, "They are not attached: together they are over team \"%s\"'s limit of %" PRId64
			       " bytes for notifications.\n", team_name, max);
	if (!carried)
		buf_append_str(&b, "Fetch one with: maildeskctl attachment get ID -o FILE\n");
	return buf_steal(&b, NULL);
}

/* Contract in desk-private.h. */
int desk_notify_attach_load(struct db *db, int64_t tenant_id, const struct desk_ticket *t, int64_t message_id,
			    const struct db_message_in *m, struct desk_notify_attach *na, char **error_r)
{
	struct db_attach_row *rows = NULL;
	uint64_t total = 0;
	int64_t max = 0;
	size_t n = 0;

	memset(na, 0, sizeof(*na));
	if (m->n_attachments == 0)
		return 0;
	if (db_attach_notify_list(db, tenant_id, t->team_id, message_id, &max, &rows, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < m->n_attachments; i++)
		total += m->attachments[i].size;
	bool carry = max > 0 && total <= (uint64_t)max;
	na->text = list_text(rows, n, total, max, carry, t->team_name);
	if (carry) {
		na->carry = xcalloc(m->n_attachments, sizeof(*na->carry));
		for (size_t i = 0; i < m->n_attachments; i++) {
			const struct db_attachment_in *a = &m->attachments[i];
			na->carry[i] = (struct mime_compose_attachment){ a->filename, a->content_type, a->data,
									  a->size };
		}
		na->n_carry = m->n_attachments;
	}
	db_attach_rows_free(&rows, n);
	return 0;
}

void desk_notify_attach_free(struct desk_notify_attach *na)
{
	free(na->text);
	free(na->carry);
	memset(na, 0, sizeof(*na));
}
