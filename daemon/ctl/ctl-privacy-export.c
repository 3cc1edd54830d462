/* "maildeskctl contact export ADDR --tenant T [--output FILE]": everything
 * stored about a customer (lib/db/db-privacy.h) as one zip: contact.json,
 * tickets.json (each ticket with its messages and their attachments),
 * messages.mbox and raw/ID.eml (the raw mail), outbound.mbox (the mail
 * sent to them), attachments/ID-NAME (each content byte for byte). A
 * stranger's text (attachment names) only ever becomes the last part of a
 * name inside the zip (ctl_attach_file_name). */
#include "config.h"
#include "ctl.h"
#include "ctl-privacy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zip.h>

#include "base/buf.h"
#include "base/mbox.h"
#include "base/xalloc.h"
#include "db/db-attach.h"
#include "db/db-privacy.h"

/* The kinds of each table's columns (ctl_output_row_json). */
#define KINDS_CONTACT "ssti"
#define KINDS_TICKET "iisssissttt"
#define KINDS_MESSAGE "iissssjjsttsssb"
#define KINDS_ATTACHMENT "iissisb"
#define KINDS_OUTBOUND "iissttb"

/* Adds data (malloc'd; the zip takes it) as name. Returns 0, or prints
 * why and fails. */
static int zip_put(zip_t *z, const char *name, char *data, size_t len)
{
	zip_source_t *src = zip_source_buffer(z, data, len, 1);

	if (src == NULL) {
		free(data);
		return ctl_fail("zip: %s: %s", name, zip_strerror(z));
	}
	if (zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		return ctl_fail("zip: %s: %s", name, zip_strerror(z));
	}
	return 0;
}

/* Adds a JSON value (released) as name. */
static int zip_put_json(zip_t *z, const char *name, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	json_decref(j);
	return zip_put(z, name, text, strlen(text));
}

/* An ISO 8601 UTC timestamp of the tables as a time (0 when unreadable). */
static time_t iso_time(const char *iso)
{
	struct tm tm = { 0 };

	return iso != NULL && strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL ? timegm(&tm) : 0;
}

/* The attachments of message id as JSON objects; each content goes into
 * attachments/ID-NAME. Returns 0, or prints why and fails. */
static int attachments_put(struct ctl *ctl, zip_t *z, int64_t tenant_id, const struct db_privacy_export *e,
			   const char *message_id, json_t *list)
{
	const struct db_table *t = e->attachments;

	for (size_t r = 0; r < t->n_rows; r++) {
		const char *id = db_table_get(t, r, 0);
		char *data = NULL, *name = NULL, *error = NULL, *safe, *path;
		size_t len = 0;
		int found;

		if (strcmp(db_table_get(t, r, 1), message_id) != 0)
			continue;
		json_t *o = ctl_output_row_json(t, r, KINDS_ATTACHMENT);
		found = db_attach_get(ctl->db, tenant_id, ctl_id(id), &data, &len, &name, &error);
		if (found < 0) {
			json_decref(o);
			return ctl_db_fail(error);
		}
		bool kept = found == 1 && db_table_get(t, r, 6)[0] != 't';
		safe = ctl_attach_file_name(found == 1 ? name : "", id);
		path = xasprintf("attachments/%s-%s", id, safe);
		json_object_set_new(o, "file", kept ? json_string(path) : json_null());
		json_array_append_new(list, o);
		if (kept)
			found = zip_put(z, path, data, len) != 0 ? -1 : 1;
		else
			free(data);
		free(name);
		free(safe);
		free(path);
		if (found < 0)
			return CTL_EXIT_FAIL;
	}
	return 0;
}

/* One message: its JSON (into the ticket's list), its raw mail into the
 * mbox and raw/ID.eml, its attachments. Returns 0, or prints and fails. */
static int message_put(struct ctl *ctl, zip_t *z, int64_t tenant_id, const struct db_privacy_export *e, size_t r,
		       json_t *list, struct buf *mbox)
{
	const struct db_table *m = e->messages;
	const char *id = db_table_get(m, r, 0);
	json_t *o = ctl_output_row_json(m, r, KINDS_MESSAGE), *atts = json_array();
	char *data = NULL, *error = NULL;
	size_t len = 0;
	int found = 0;

	json_object_set_new(o, "attachments", atts);
	json_array_append_new(list, o);
	if (db_table_get(m, r, 14)[0] == 't' &&
	    (found = db_attach_message_raw(ctl->db, tenant_id, ctl_id(id), &data, &len, &error)) < 0)
		return ctl_db_fail(error);
	if (found == 1) {
		char *path = xasprintf("raw/%s.eml", id);

		json_object_set_new(o, "raw", json_string(path));
		mbox_append(mbox, db_table_get(m, r, 5), iso_time(db_table_get(m, r, 10)), data, len);
		found = zip_put(z, path, data, len);
		free(path);
		if (found != 0)
			return found;
	}
	return attachments_put(ctl, z, tenant_id, e, id, atts);
}

/* tickets.json, messages.mbox and raw/, attachments/. */
static int tickets_put(struct ctl *ctl, zip_t *z, int64_t tenant_id, const struct db_privacy_export *e)
{
	json_t *tickets = json_array();
	struct buf mbox;
	int ret = 0;

	buf_init(&mbox, 0);
	for (size_t i = 0; i < e->tickets->n_rows && ret == 0; i++) {
		json_t *t = ctl_output_row_json(e->tickets, i, KINDS_TICKET), *msgs = json_array();

		json_object_set_new(t, "messages", msgs);
		json_array_append_new(tickets, t);
		for (size_t r = 0; r < e->messages->n_rows && ret == 0; r++)
			if (strcmp(db_table_get(e->messages, r, 1), db_table_get(e->tickets, i, 1)) == 0)
				ret = message_put(ctl, z, tenant_id, e, r, msgs, &mbox);
	}
	if (ret == 0)
		ret = zip_put_json(z, "tickets.json", tickets);
	else
		json_decref(tickets);
	if (ret == 0) {
		size_t len;
		char *data = buf_steal(&mbox, &len);

		return zip_put(z, "messages.mbox", data, len);
	}
	buf_free(&mbox);
	return ret;
}

/* outbound.mbox: the mail sent to them whose bytes are kept; the list
 * (with the purged ones) goes into contact.json. */
static int outbound_put(struct ctl *ctl, zip_t *z, int64_t tenant_id, const struct db_privacy_export *e,
			json_t *list)
{
	struct buf mbox;
	size_t len;
	char *data;

	buf_init(&mbox, 0);
	for (size_t r = 0; r < e->outbound->n_rows; r++) {
		char *bytes = NULL, *error = NULL;
		size_t n = 0;
		int found = db_privacy_outbound_data(ctl->db, tenant_id, ctl_id(db_table_get(e->outbound, r, 0)),
						     &bytes, &n, &error);

		if (found < 0) {
			buf_free(&mbox);
			return ctl_db_fail(error);
		}
		json_array_append_new(list, ctl_output_row_json(e->outbound, r, KINDS_OUTBOUND));
		if (found == 1)
			mbox_append(&mbox, NULL, iso_time(db_table_get(e->outbound, r, 4)), bytes, n);
		free(bytes);
	}
	data = buf_steal(&mbox, &len);
	return zip_put(z, "outbound.mbox", data, len);
}

/* contact.json: who, which tenant, when, and the outbound list. */
static int contact_put(struct ctl *ctl, zip_t *z, int64_t tenant_id, const char *tenant,
		       const struct db_privacy_export *e)
{
	json_t *c = ctl_output_row_json(e->contact, 0, KINDS_CONTACT), *out = json_array();
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	int ret;

	json_object_del(c, "id");
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(c, "tenant", json_string(tenant));
	json_object_set_new(c, "exported", json_string(now));
	json_object_set_new(c, "tickets", json_integer((json_int_t)e->tickets->n_rows));
	json_object_set_new(c, "messages", json_integer((json_int_t)e->messages->n_rows));
	json_object_set_new(c, "outbound", out);
	ret = outbound_put(ctl, z, tenant_id, e, out);
	if (ret == 0)
		return zip_put_json(z, "contact.json", c);
	json_decref(c);
	return ret;
}

/* Writes the zip at path (new, never over a file). */
static int export_write(struct ctl *ctl, const char *path, int64_t tenant_id, const char *tenant,
			const struct db_privacy_export *e)
{
	int zerr = 0, ret;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_EXCL, &zerr);

	if (z == NULL) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, zerr);
		ret = ctl_fail("%s: %s", path, zerr == ZIP_ER_EXISTS ? "exists already (give another --output)"
								   : zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return ret;
	}
	ret = tickets_put(ctl, z, tenant_id, e);
	if (ret == 0)
		ret = contact_put(ctl, z, tenant_id, tenant, e);
	if (ret != 0) {
		zip_discard(z);
		return ret;
	}
	if (zip_close(z) < 0) {
		ret = ctl_fail("%s: %s", path, zip_strerror(z));
		zip_discard(z);
		return ret;
	}
	chmod(path, 0600); /* personal data: the owner's alone */
	return 0;
}

/* Contract in ctl-privacy.h. */
int ctl_contact_export(struct ctl *ctl, const struct ctl_args *a)
{
	struct db_privacy_export e = { 0 };
	const char *addr = a->pos[0], *out = ctl_opt_get(a, "output");
	char *tenant_id = NULL, *tenant = NULL, *error = NULL, *path = NULL;
	int ret = ctl_privacy_target(ctl, a, &tenant_id, &tenant), found;

	if (ret != 0)
		return ret;
	if (out != NULL && out[0] == '\0')
		ret = ctl_usage_error(a, "--output needs a file name");
	else if (db_begin(ctl->db, &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0 && (found = db_privacy_export(ctl->db, ctl_id(tenant_id), addr, &e, &error)) < 0)
		ret = ctl_db_fail(error);
	else if (ret == 0 && found == 0)
		ret = ctl_fail("no contact %s in tenant \"%s\"", addr, tenant);
	if (ret == 0) {
		char *name = ctl_attach_file_name(addr, "contact");

		path = out != NULL ? xstrdup(out) : xasprintf("%s.zip", name);
		free(name);
		ret = export_write(ctl, path, ctl_id(tenant_id), tenant, &e);
	}
	db_rollback(ctl->db);
	if (ret == 0)
		printf("contact %s: %zu tickets, %zu messages, %zu attachments, %zu outbound mails written to %s\n", addr,
		       e.tickets->n_rows, e.messages->n_rows, e.attachments->n_rows, e.outbound->n_rows, path);
	db_privacy_export_free(&e);
	free(path);
	free(tenant_id);
	free(tenant);
	return ret;
}
