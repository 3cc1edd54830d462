/* GET /v1/tickets?requester=ADDR[&status=open|awaiting|solved][&limit=N]
 * [&offset=N] (issue 13, intake 5; scope read): a requester's tickets as
 * the requester sees them ("maildeskctl find requester"), of the key's
 * tenant only, a page at a time. */
#include "config.h"
#include "http-routes.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/db-find.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define OFFSET_MAX 100000

/* A number parameter in [0, max]: 0 ok (*v_r; def when absent), -1 answered. */
static int number_param(struct http_exchange *ex, const char *name, unsigned def, unsigned min, unsigned max,
			unsigned *v_r)
{
	bool twice;
	const char *s = http_exchange_query(ex, name, &twice);
	char *end;
	unsigned long v;

	*v_r = def;
	if (s == NULL && !twice)
		return 0;
	v = s != NULL && s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
	if (s == NULL || twice || *end != '\0' || v < min || v > max) {
		char detail[96];
		snprintf(detail, sizeof(detail), "%s is a number from %u to %u, given once", name, min, max);
		http_reply_problem(ex, HTTP_PROBLEM_BAD_QUERY, detail, name);
		return -1;
	}
	*v_r = (unsigned)v;
	return 0;
}

/* The filter from the query: 0, or -1 answered (400 naming the parameter). */
static int tickets_filter(struct http_exchange *ex, struct db_requester_filter *f)
{
	bool twice;
	const char *status;

	f->tenant_id = ex->tenant_id;
	f->address = http_exchange_query(ex, "requester", &twice);
	if (f->address == NULL || f->address[0] == '\0' || strchr(f->address, '@') == NULL) {
		http_reply_problem(ex, HTTP_PROBLEM_BAD_QUERY, "requester=ADDRESS is required (once)", "requester");
		return -1;
	}
	status = f->state = http_exchange_query(ex, "status", &twice);
	if (twice || (status != NULL && strcmp(status, "open") != 0 && strcmp(status, "awaiting") != 0 &&
		      strcmp(status, "solved") != 0)) {
		http_reply_problem(ex, HTTP_PROBLEM_BAD_QUERY, "status is open, awaiting or solved", "status");
		return -1;
	}
	if (number_param(ex, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &f->limit) < 0 ||
	    number_param(ex, "offset", 0, 0, OFFSET_MAX, &f->offset) < 0)
		return -1;
	return 0;
}

/* One row as JSON (the columns of db_find_requester_tickets). */
static json_t *ticket_json(const struct db_table *t, size_t row)
{
	json_t *o = json_object();

	json_object_set_new(o, "number", json_integer(strtoll(db_table_get(t, row, 0), NULL, 10)));
	json_object_set_new(o, "order", json_string(db_table_get(t, row, 1)));
	json_object_set_new(o, "status", json_string(db_table_get(t, row, 2)));
	json_object_set_new(o, "state", json_string(db_table_get(t, row, 3)));
	json_object_set_new(o, "subject", json_string(db_table_get(t, row, 4)));
	json_object_set_new(o, "created", json_string(db_table_get(t, row, 5)));
	json_object_set_new(o, "last_activity", json_string(db_table_get(t, row, 6)));
	return o;
}

/* GET /v1/tickets. */
static void tickets_get(struct http_exchange *ex)
{
	struct db_requester_filter f = { 0 };
	struct db_table *t = NULL;
	char *error = NULL;
	json_t *o, *arr;
	size_t n;

	if (tickets_filter(ex, &f) < 0)
		return;
	f.limit++; /* one more row says whether a next page exists */
	if (db_find_requester_tickets(ex->db, &f, &t, &error) < 0) {
		log_warn("event=http.tickets id=%s error=\"%s\"", ex->request_id, error);
		free(error);
		http_reply_problem(ex, HTTP_PROBLEM_UNAVAILABLE, "the tickets could not be read", NULL);
		return;
	}
	f.limit--;
	n = t->n_rows < f.limit ? t->n_rows : f.limit;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, ticket_json(t, i));
	o = json_object();
	json_object_set_new(o, "tickets", arr);
	json_object_set_new(o, "limit", json_integer(f.limit));
	json_object_set_new(o, "offset", json_integer(f.offset));
	json_object_set_new(o, "next_offset", t->n_rows > f.limit ? json_integer(f.offset + f.limit) : json_null());
	db_table_free(&t);
	http_exchange_outcome(ex, "tickets=%zu", n);
	http_reply_json(ex, 200, o);
}

const struct http_route http_routes_tickets[] = {
	{ "GET", "/v1/tickets", HTTP_SCOPE_READ, NULL, false, tickets_get, NULL },
	{ 0 },
};
