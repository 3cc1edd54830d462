/* Helpers of the t/pg-rules test program: a private tenant per test,
 * SQL that must succeed, rule sets, runs and assertions. */
#include "config.h"
#include "pg-rules-lib.h"
#include "pg-lib.h"

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "mime/mime.h"

struct db *db;
int64_t tenant, support, billing, carla;
int64_t ana, bob, cy, dee, eve, fay;
const struct desk_settings settings = {
	.secret = "test-secret", .hostname = "desk.example", .delimiter = '+', .autoack_window_s = 3600,
};

/* An id as text, in one of a ring of buffers (enough for one statement). */
const char *I(int64_t v)
{
	static char ring[16][24];
	static unsigned next;
	char *b = ring[next++ % 16];

	snprintf(b, 24, "%" PRId64, v);
	return b;
}

int64_t qid(const char *sql, size_t n, ...)
{
	va_list ap;
	char *v;
	int64_t id;

	va_start(ap, n);
	v = pg_vq(db, sql, n, ap);
	va_end(ap);
	ck_assert_msg(v != NULL, "%s: no row", sql);
	id = strtoll(v, NULL, 10);
	free(v);
	return id;
}

/* Asserts the first cell of a query (NULL expected: SQL NULL or no row). */
void assert_q(const char *expected, const char *sql, size_t n, const char *p1, const char *p2)
{
	char *v = q(sql, n, p1, p2);

	if (expected == NULL)
		ck_assert_msg(v == NULL, "%s: expected NULL, got '%s'", sql, v);
	else
		ck_assert_msg(v != NULL && strcmp(v, expected) == 0, "%s: expected\n'%s'\ngot\n'%s'", sql, expected,
			      v != NULL ? v : "(null)");
	free(v);
}

int64_t agent_new(int64_t team, const char *email, const char *status)
{
	int64_t id = qid("INSERT INTO agents (tenant_id, email, name, status) VALUES ($1, $2, $2, $3) RETURNING id", 3,
			 I(tenant), email, status);

	free(q("INSERT INTO team_agents (tenant_id, team_id, agent_id) VALUES ($1, $2, $3)", 3, I(tenant), I(team),
	       I(id)));
	return id;
}

/* Every test (each runs in a process of its own) gets a migrated schema
 * and a tenant of its own: teams support and billing, agents ana, bob, cy
 * (online), dee (away), eve (offline) in support, fay in billing, and the
 * customer carla. */
void setup(void)
{
	static unsigned seq;
	char name[64], alias[96];

	db = pg_connect_migrated();
	/* Unique also when Check does not fork (CK_FORK=no under valgrind). */
	seq++;
	snprintf(name, sizeof(name), "rules-%ld-%u", (long)getpid(), seq);
	tenant = qid("INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, name);
	support = qid("INSERT INTO teams (tenant_id, name) VALUES ($1, 'Support') RETURNING id", 1, I(tenant));
	billing = qid("INSERT INTO teams (tenant_id, name) VALUES ($1, 'Billing') RETURNING id", 1, I(tenant));
	snprintf(alias, sizeof(alias), "support-%ld-%u@demo.example", (long)getpid(), seq);
	free(q("INSERT INTO team_aliases (tenant_id, team_id, address) VALUES ($1, $2, $3)", 3, I(tenant), I(support),
	       alias));
	ana = agent_new(support, "ana@demo.example", "online");
	bob = agent_new(support, "bob@demo.example", "online");
	cy = agent_new(support, "cy@demo.example", "online");
	dee = agent_new(support, "dee@demo.example", "away");
	eve = agent_new(support, "eve@demo.example", "offline");
	fay = agent_new(billing, "fay@demo.example", "online");
	carla = qid("INSERT INTO contacts (tenant_id, email, name) VALUES ($1, 'carla@customer.example', 'Carla')"
		    " RETURNING id",
		    1, I(tenant));
	mime_init();
}

void teardown(void)
{
	db_close(&db);
}

int64_t ticket_new(int64_t team, const char *subject)
{
	return qid("INSERT INTO tickets (tenant_id, team_id, subject, requester_id) VALUES ($1, $2, $3, $4) RETURNING id",
		   4, I(tenant), I(team), subject, I(carla));
}

/* A customer message on a ticket (headers: the raw header section). */
int64_t message_new(int64_t ticket, const char *subject, const char *body, const char *headers)
{
	return qid("INSERT INTO messages (tenant_id, ticket_id, team_id, direction, envelope_from, rcpt, from_name,"
		   " from_addr, subject, text_body, headers)"
		   " SELECT $1, $2, team_id, 'in', 'carla@customer.example', 'support@demo.example', 'Carla',"
		   " 'Carla@Customer.example', $3, $4, $5 FROM tickets WHERE tenant_id = $1 AND id = $2 RETURNING id",
		   5, I(tenant), I(ticket), subject, body, headers);
}

/* Stores (or replaces) the rule set of a team (0: tenant-wide). */
void rules_store(int64_t team, const char *source)
{
	free(q("INSERT INTO rule_sets (tenant_id, team_id, source) VALUES ($1, $2, $3)"
	       " ON CONFLICT (tenant_id, coalesce(team_id, 0)) DO UPDATE SET source = EXCLUDED.source,"
	       " version = rule_sets.version + 1, loaded_at = clock_timestamp()",
	       3, I(tenant), team != 0 ? I(team) : NULL, source));
}

/* Runs the rules of one event in a transaction of its own. */
bool run_with(struct desk_rules_cache *cache, enum rules_event ev, int64_t ticket, int64_t message)
{
	struct desk_rules_event e = { .event = ev, .tenant_id = tenant, .ticket_id = ticket, .message_id = message };
	char *error = NULL;
	bool changed = false;

	ck_assert_msg(db_begin(db, &error) == 0, "begin: %s", error);
	ck_assert_msg(desk_rules_run(db, &settings, cache, &e, &changed, &error) == 0, "desk_rules_run: %s", error);
	ck_assert_msg(db_commit(db, &error) == 0, "commit: %s", error);
	return changed;
}

bool run(enum rules_event ev, int64_t ticket, int64_t message)
{
	return run_with(NULL, ev, ticket, message);
}

/* The ticket's events, one "kind|actor|detail" a line. */
void assert_events(int64_t ticket, const char *expected)
{
	assert_q(expected,
		 "SELECT string_agg(kind || '|' || actor || '|' || detail, E'\\n' ORDER BY id) FROM ticket_events"
		 " WHERE tenant_id = $1 AND ticket_id = $2",
		 2, I(tenant), I(ticket));
}

void assert_tags(int64_t ticket, const char *expected)
{
	assert_q(expected,
		 "SELECT string_agg(tag, ' ' ORDER BY tag) FROM ticket_tags WHERE tenant_id = $1 AND ticket_id = $2", 2,
		 I(tenant), I(ticket));
}

/* A column of the ticket, as text. */
void assert_ticket(int64_t ticket, const char *column, const char *expected)
{
	char *sql = xasprintf("SELECT (%s)::text FROM tickets WHERE tenant_id = $1 AND id = $2", column);

	assert_q(expected, sql, 2, I(tenant), I(ticket));
	free(sql);
}

