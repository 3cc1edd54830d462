/* What threading reads and writes inside the delivery transaction: the
 * candidate tickets a token, the References or a subject tag point at, the
 * tenant's and team's threading settings, and the few writes that apply
 * lib/desk's decision. No decision is taken here. */
#include "config.h"
#include "db/db-private.h"
#include "db/db-deliver.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define MERGE_HOPS_MAX 16

/* Contract in db-deliver.h. */
int db_ticket_candidate(struct db *db, int64_t tenant_id, bool by_number, int64_t key, int64_t sender_contact_id,
			struct db_ticket_candidate *c_r, char **error_r)
{
	struct db_num t, k, s;

	memset(c_r, 0, sizeof(*c_r));
	for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
		const char *values[3] = { db_num(&t, tenant_id), db_num(&k, key), db_num(&s, sender_contact_id) };
		PGresult *res;
		int64_t merged_into;

		if (db_stmt_run(db, by_number ? DB_STMT_TICKET_BY_NUMBER : DB_STMT_TICKET_BY_ID, values, NULL,
				NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
			return -1;
		if (PQntuples(res) == 0) {
			PQclear(res);
			return 0;
		}
		c_r->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(c_r->status, sizeof(c_r->status), "%s", PQgetvalue(res, 0, 1));
		c_r->closed_at = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		merged_into = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		c_r->number = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
		c_r->sender_is_participant = PQgetvalue(res, 0, 5)[0] == 't';
		PQclear(res);
		if (merged_into == 0)
			return 1;
		by_number = false;
		key = merged_into;
	}
	memset(c_r, 0, sizeof(*c_r));
	return 0; /* a merge cycle: no candidate */
}

/* Contract in db-deliver.h. */
int db_outbound_ticket(struct db *db, int64_t tenant_id, int64_t outbound_id, int64_t *ticket_id_r,
		       char **error_r)
{
	struct db_num t, o;
	const char *values[2] = { db_num(&t, tenant_id), db_num(&o, outbound_id) };
	PGresult *res;
	int found;

	*ticket_id_r = 0;
	if (db_stmt_run(db, DB_STMT_OUTBOUND_TICKET, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	found = PQntuples(res) > 0;
	if (found)
		*ticket_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return found;
}

/* Contract in db-deliver.h. */
int db_references_ticket(struct db *db, int64_t tenant_id, const char *const *msgids, size_t n,
			 int64_t sender_contact_id, int64_t *ticket_id_r, char **error_r)
{
	json_t *ids = json_array();
	char *json;
	struct db_num t, s;
	PGresult *res;

	*ticket_id_r = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_string(msgids[i]);
		if (v != NULL)
			json_array_append_new(ids, v);
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return 0;
	}
	json = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	const char *values[3] = { db_num(&t, tenant_id), json, db_num(&s, sender_contact_id) };
	if (db_stmt_run(db, DB_STMT_REFS_FIND, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0) {
		free(json);
		return -1;
	}
	free(json);
	for (size_t i = 0; i < n && *ticket_id_r == 0; i++)
		for (int row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), msgids[i]) == 0) {
				*ticket_id_r = strtoll(PQgetvalue(res, row, 1), NULL, 10);
				break;
			}
	PQclear(res);
	return 0;
}

/* Contract in db-private.h. */
int db_thread_settings_read(PGresult *res, struct db_thread_settings *s_r, char **error_r)
{
	memset(s_r, 0, sizeof(*s_r));
	if (PQntuples(res) == 0) {
		*error_r = xstrdup("tenant or team not found");
		return -1;
	}
	snprintf(s_r->subject_tag_format, sizeof(s_r->subject_tag_format), "%s", PQgetvalue(res, 0, 0));
	s_r->reopen_days = (unsigned)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	s_r->require_authenticated_requester = PQgetvalue(res, 0, 2)[0] == 't';
	s_r->sender_is_agent = PQgetvalue(res, 0, 3)[0] == 't';
	s_r->team_autoack = PQgetvalue(res, 0, 4)[0] == 't';
	s_r->team_sla = PQgetvalue(res, 0, 5)[0] == 't';
	s_r->order_patterns_version = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	s_r->brand_connected = PQgetvalue(res, 0, 7)[0] == 't';
	return 0;
}

/* Contract in db-deliver.h. */
int db_ticket_event(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *actor,
		    const char *detail, char **error_r)
{
	struct db_num t, tk;
	const char *values[5] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), kind, actor, detail };

	return db_stmt_run(db, DB_STMT_EVENT_INSERT, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
}

/* Contract in db-deliver.h. */
int db_ticket_open_new(struct db *db, int64_t tenant_id, int64_t team_id, const char *subject,
		       int64_t requester_id, int64_t *ticket_id_r, int64_t *number_r, char **error_r)
{
	struct db_num t, tm, c;
	const char *values[4] = { db_num(&t, tenant_id), db_num(&tm, team_id), subject, db_num(&c, requester_id) };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_TICKET_INSERT, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	*ticket_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*number_r = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

/* Contract in db-deliver.h. */
int db_ticket_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, bool reopen, int64_t *number_r,
		    bool *reopened_r, char **error_r)
{
	struct db_num t, tk;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), reopen ? "t" : "f" };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_TICKET_TOUCH, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		*error_r = xstrdup("ticket vanished while a message was added");
		return -1;
	}
	*number_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (reopened_r != NULL)
		*reopened_r = reopen && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	return 0;
}

/* Contract in db-deliver.h. */
int db_ticket_link(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t linked_ticket_id, char **error_r)
{
	struct db_num t, tk, lk;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), db_num(&lk, linked_ticket_id) };

	return db_stmt_run(db, DB_STMT_TICKET_LINK, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
}

/* Contract in db-deliver.h. */
int db_participants_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_participant_in *addrs,
			size_t n, char **error_r)
{
	json_t *arr = json_array();
	struct db_num t, tk;
	char *json;
	int ret;

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_string(addrs[i].email), *b = json_string(addrs[i].base);
		if (e == NULL || b == NULL) {
			json_decref(e);
			json_decref(b);
			continue;
		}
		json_array_append_new(arr, json_pack("{s:o,s:o}", "e", e, "b", b));
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return 0;
	}
	json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), json };
	ret = db_stmt_run(db, DB_STMT_PARTICIPANTS_ADD, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
	free(json);
	return ret;
}
