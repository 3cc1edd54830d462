/* Requests (lib/desk/desk-request*.c over lib/db/db-request.c) against a
 * private PostgreSQL: reasons are unique per tenant ignoring case (UTF-8
 * too) and are retired only when no open request has them; a request
 * opens a ticket with order, reason, the reason's team and priority and
 * its first message (raw bytes, attachment) through the delivery
 * pipeline; the same order and reason while the ticket is not closed
 * joins it (event "deduplicated", a pending ticket reopened), after
 * closing opens anew; and the conflict path itself: a request whose twin
 * is inserted but not committed in another session waits for it and then
 * joins its ticket (or inserts, when the twin rolls back), never a second
 * ticket. Fixtures from t/pg-rules-lib.c. */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db-request.h"
#include "desk/desk-request.h"
#include "mime/mime-compose.h"

/* Billing gets an alias: requests are mail to a team's address. */
static void billing_alias(void)
{
	char alias[96];

	snprintf(alias, sizeof(alias), "billing-%ld-%lld@demo.example", (long)getpid(), (long long)tenant);
	free(q("INSERT INTO team_aliases (tenant_id, team_id, address) VALUES ($1, $2, $3)", 3, I(tenant), I(billing),
	       alias));
}

/* Opens a request from carla; must succeed. */
static struct desk_request_result open_request(const char *order, const char *reason)
{
	static const unsigned char pdf[] = "%PDF-1.4 not really\n";
	const struct mime_compose_attachment att = { "label.pdf", "application/pdf", pdf, sizeof(pdf) - 1 };
	const struct desk_request rq = {
		.tenant_id = tenant, .order = order, .reason = reason, .from = "carla@customer.example",
		.text = "Where is my parcel?\n", .len = 20, .attachments = &att, .n_attachments = 1,
		.actor = "maildeskctl",
	};
	struct desk_request_result res;
	char *error = NULL;

	ck_assert_msg(desk_request_open(db, &settings, &rq, &res, &error) == 0, "desk_request_open: %s", error);
	return res;
}

/* The ticket row id of a number. */
static int64_t ticket_of(int64_t number)
{
	return qid("SELECT id FROM tickets WHERE number = $1", 1, I(number));
}

START_TEST(test_reasons)
{
	struct db_reason r;
	char *error = NULL;

	ck_assert_msg(desk_reason_add(db, tenant, "Cambiar dirección", 0, -1, &error) == 0, "%s", error);
	ck_assert_int_eq(desk_reason_add(db, tenant, "CAMBIAR DIRECCIÓN", 0, -1, &error), -1);
	ck_assert_str_eq(error, "reason \"CAMBIAR DIRECCIÓN\" exists already (names are compared ignoring case)");
	free(error);
	error = NULL;
	ck_assert_int_eq(desk_reason_add(db, tenant, "bad\nname", 0, -1, &error), -1);
	free(error);
	ck_assert_int_eq(db_reason_find(db, tenant, "cambiar DIRECCIÓN", &r, &error), 1);
	ck_assert_str_eq(r.name, "Cambiar dirección");
	ck_assert_int_eq(r.team_id, 0);
	ck_assert_int_eq(r.priority, -1);
	db_reason_free(&r);
	ck_assert_int_eq(db_reason_find(db, tenant, "Cambiar", &r, &error), 0);
	/* Removed: no longer found, its name free again. */
	ck_assert_msg(desk_reason_remove(db, tenant, "cambiar dirección", &error) == 1, "%s", error);
	ck_assert_int_eq(db_reason_find(db, tenant, "Cambiar dirección", &r, &error), 0);
	ck_assert_int_eq(desk_reason_remove(db, tenant, "Cambiar dirección", &error), 0);
	ck_assert_str_eq(error, "reason \"Cambiar dirección\" not found");
	free(error);
	error = NULL;
	ck_assert_msg(desk_reason_add(db, tenant, "Cambiar dirección", billing, 3, &error) == 0, "%s", error);
	assert_q("2 1", "SELECT count(*) || ' ' || count(*) FILTER (WHERE retired_at IS NULL) FROM reasons WHERE tenant_id = $1",
		 1, I(tenant), NULL);
}
END_TEST

START_TEST(test_open_join_close)
{
	struct desk_request_result a, b, c;
	char *error = NULL;
	int64_t t;

	billing_alias();
	ck_assert_msg(desk_reason_add(db, tenant, "Pedido no recibido", billing, 2, &error) == 0, "%s", error);
	a = open_request("1042", "pedido no recibido");
	ck_assert(!a.joined);
	t = ticket_of(a.number);
	assert_q("t", "SELECT team_id = $2 FROM tickets WHERE id = $1", 2, I(t), I(billing));
	assert_ticket(t, "order_ref || '|' || priority || '|' || subject || '|' || status || '|' || (request_ref IS NULL)",
		      "1042|2|Order 1042: Pedido no recibido|open|true");
	assert_q("Pedido no recibido", "SELECT r.name FROM tickets t JOIN reasons r ON r.id = t.reason_id WHERE t.id = $1", 1,
		 I(t), NULL);
	assert_q("in|customer|request|carla@customer.example|Where is my parcel?\n|1|1",
		 "SELECT m.direction || '|' || m.kind || '|' || m.match_reason || '|' || m.from_addr || '|' || m.text_body"
		 " || '|' || (SELECT count(*) FROM attachments x WHERE x.message_id = m.id AND x.filename = 'label.pdf')"
		 " || '|' || (SELECT count(*) FROM raw_messages w WHERE w.sha256 = m.raw_sha256)"
		 " FROM messages m WHERE m.ticket_id = $1",
		 1, I(t), NULL);
	assert_events(t, "created|maildeskctl|request by carla@customer.example for order 1042: Pedido no recibido");
	/* fay (Billing, online) is notified as for customer mail. */
	assert_q("1", "SELECT count(*) FROM outbound WHERE ticket_id = $1 AND kind = 'notification'"
		      " AND 'fay@demo.example' = ANY (rcpts)", 1, I(t), NULL);

	/* Pending: the same order and reason joins and reopens it. */
	free(q("UPDATE tickets SET status = 'pending' WHERE id = $1", 1, I(t)));
	b = open_request("1042", "Pedido no recibido");
	ck_assert(b.joined);
	ck_assert_int_eq(b.number, a.number);
	assert_q("2", "SELECT count(*) FROM messages WHERE ticket_id = $1", 1, I(t), NULL);
	assert_events(t, "created|maildeskctl|request by carla@customer.example for order 1042: Pedido no recibido\n"
			 "deduplicated|maildeskctl|request by carla@customer.example for order 1042: Pedido no recibido"
			 " joined this open request\nreopened|maildeskctl|a new request joined");
	assert_ticket(t, "status", "open");
	/* The reason is in use: it cannot be removed. */
	ck_assert_int_eq(desk_reason_remove(db, tenant, "Pedido no recibido", &error), -1);
	ck_assert_str_eq(error, "reason \"Pedido no recibido\" is used by 1 open request: close it first");
	free(error);
	error = NULL;

	/* Closed: the next request is a new ticket; the reason may go. */
	ck_assert_int_eq(desk_ticket_close(db, tenant, t, "maildeskctl", NULL, &error), 1);
	c = open_request("1042", "Pedido no recibido");
	ck_assert(!c.joined);
	ck_assert_int_ne(c.number, a.number);
	ck_assert_int_eq(desk_ticket_close(db, tenant, ticket_of(c.number), "maildeskctl", NULL, &error), 1);
	ck_assert_msg(desk_reason_remove(db, tenant, "Pedido no recibido", &error) == 1, "%s", error);
	assert_q("Pedido no recibido", "SELECT r.name FROM tickets t JOIN reasons r ON r.id = t.reason_id WHERE t.id = $1", 1,
		 I(t), NULL);
}
END_TEST

START_TEST(test_reference)
{
	struct desk_request_result a;
	char *error = NULL;
	int64_t t, plain = ticket_new(support, "no request");

	ck_assert_msg(desk_reason_add(db, tenant, "Roto", 0, -1, &error) == 0, "%s", error);
	a = open_request("7", "Roto");
	t = ticket_of(a.number);
	assert_q("t", "SELECT team_id = $2 FROM tickets WHERE id = $1", 2, I(t), I(support));
	assert_ticket(t, "priority", "1");
	ck_assert_msg(desk_request_set_reference(db, a.number, "CLAIM-9", "ana@demo.example", &error) == 1, "%s", error);
	ck_assert_int_eq(desk_request_set_reference(db, a.number, "CLAIM-9", "ana@demo.example", &error), 0);
	ck_assert_int_eq(desk_request_set_reference(db, a.number, "", "maildeskctl", &error), 1);
	assert_ticket(t, "request_ref IS NULL", "true");
	assert_q("reference|ana@demo.example|set to CLAIM-9\nreference|maildeskctl|cleared",
		 "SELECT string_agg(kind || '|' || actor || '|' || detail, E'\\n' ORDER BY id) FROM ticket_events"
		 " WHERE ticket_id = $1 AND kind = 'reference'",
		 1, I(t), NULL);
	ck_assert_int_eq(desk_request_set_reference(db, qid("SELECT number FROM tickets WHERE id = $1", 1, I(plain)), "X",
						    "maildeskctl", &error),
			 -1);
	ck_assert_ptr_nonnull(strstr(error, "is no request"));
	free(error);
}
END_TEST

/* In a child process with its own connection: db_request_ticket() for the
 * same order and reason as the parent's uncommitted insert. Exits 10 when
 * it joined ticket_id, 11 when it inserted, 1 on an error. */
static void twin_child(int64_t reason_id, int64_t ticket_id)
{
	struct db *db2 = NULL;
	char *error = NULL;
	const struct db_request_ticket_in in = { .tenant_id = tenant, .team_id = support, .requester_id = carla,
						 .reason_id = reason_id, .priority = 1, .order = "R-1", .subject = "twin" };
	struct db_request_ticket_out out;

	if (db_connect(pg_conninfo, PG_TIMEOUT_S, &db2, &error) < 0 || db_request_ticket(db2, &in, &out, &error) < 0) {
		fprintf(stderr, "twin: %s\n", error);
		_exit(1);
	}
	_exit(out.created ? 11 : out.ticket_id == ticket_id ? 10 : 1);
}

/* Runs the twin while this session's insert is open, waits until the
 * twin is blocked on it (a lock not granted: no timing), then ends this
 * transaction (commit or roll back) and returns the twin's exit status. */
static int twin_race(bool commit, int64_t *ticket_id_r)
{
	const struct db_request_ticket_in in = { .tenant_id = tenant, .team_id = support, .requester_id = carla,
						 .reason_id = qid("SELECT id FROM reasons WHERE tenant_id = $1", 1, I(tenant)),
						 .priority = 1, .order = "R-1", .subject = "first" };
	struct db_request_ticket_out out;
	struct db *watch = pg_connect();
	char *error = NULL, *waiting = NULL;
	int status = 0;
	pid_t pid;

	ck_assert(db_begin(db, &error) == 0);
	ck_assert_msg(db_request_ticket(db, &in, &out, &error) == 0, "%s", error);
	ck_assert(out.created);
	*ticket_id_r = out.ticket_id;
	if ((pid = fork()) == 0)
		twin_child(in.reason_id, out.ticket_id);
	ck_assert_int_gt(pid, 0);
	do {
		free(waiting);
		waiting = pg_value(watch, "SELECT count(*) FROM pg_locks WHERE NOT granted", 0, NULL);
	} while (strcmp(waiting, "0") == 0 && waitpid(pid, &status, WNOHANG) == 0);
	free(waiting);
	if (commit)
		ck_assert(db_commit(db, &error) == 0);
	else
		db_rollback(db);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	db_close(&watch);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_conflict_waits_and_joins)
{
	char *error = NULL;
	int64_t first;

	ck_assert_msg(desk_reason_add(db, tenant, "Twin", 0, -1, &error) == 0, "%s", error);
	/* The twin joins the committed ticket: one ticket. */
	ck_assert_int_eq(twin_race(true, &first), 10);
	assert_q("1", "SELECT count(*) FROM tickets WHERE tenant_id = $1 AND order_ref = 'R-1'", 1, I(tenant), NULL);
	/* The unique index itself refuses a second open request. */
	ck_assert_int_eq(pg_try(db,
				"INSERT INTO tickets (tenant_id, team_id, subject, requester_id, order_ref, reason_id)"
				" SELECT tenant_id, team_id, 'x', requester_id, order_ref, reason_id FROM tickets WHERE id = $1",
				1, (const char *const[]){ I(first) }, NULL, &error),
			 -1);
	ck_assert(db_last_error_was_duplicate(db));
	free(error);
	error = NULL;
	/* Closed, then a rolled-back first: the twin inserts its own. */
	ck_assert_int_eq(desk_ticket_close(db, tenant, first, "maildeskctl", NULL, &error), 1);
	ck_assert_int_eq(twin_race(false, &first), 11);
	assert_q("1 1", "SELECT count(*) FILTER (WHERE status = 'closed') || ' ' || count(*) FILTER (WHERE status = 'open')"
		 " FROM tickets WHERE tenant_id = $1 AND order_ref = 'R-1'", 1, I(tenant), NULL);
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *request_suite(void)
{
	Suite *s = suite_create("pg-request");
	TCase *tc = tcase_create("requests");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_open_join_close);
	tcase_add_test(tc, test_reference);
	tcase_add_test(tc, test_conflict_waits_and_joins);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-request", request_suite);
}
