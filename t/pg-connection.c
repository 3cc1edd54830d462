/* Providers and brands (lib/desk/desk-connection.c over
 * lib/db/db-connection.c) against a private PostgreSQL. The one check of
 * who may act on a ticket, state by state: a brand's agent on its own and
 * on a provider-handled ticket, the provider's delegate on a ticket its
 * connection handles or not, after a disconnect and a reconnect, out of
 * the provider team; routing of a new ticket (and a request to a provider
 * that does not exist); the handlers notified; owner changes with and
 * without moving open tickets; refusals of add and reconnect; a brand's
 * own agent of the same address is never taken over by a delegate.
 * Fixtures from t/pg-rules-lib.c (the brand is the fixture's tenant). */
#include "config.h"
#include "pg-lib.h"
#include "pg-rules-lib.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db-connection.h"
#include "desk/desk-connection.h"

/* The provider: a tenant with team ops (pia) and team floor (fred). */
static int64_t provider, ops, pia, fred;

/* Makes the provider tenant. */
static void provider_new(void)
{
	char name[64];

	snprintf(name, sizeof(name), "provider-of-%lld", (long long)tenant);
	provider = qid("INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, name);
	ops = qid("INSERT INTO teams (tenant_id, name) VALUES ($1, 'ops') RETURNING id", 1, I(provider));
	int64_t floor_team = qid("INSERT INTO teams (tenant_id, name) VALUES ($1, 'floor') RETURNING id", 1,
				 I(provider));
	pia = qid("INSERT INTO agents (tenant_id, email, name) VALUES ($1, 'pia@wh.example', 'Pia') RETURNING id", 1,
		  I(provider));
	fred = qid("INSERT INTO agents (tenant_id, email, name) VALUES ($1, 'fred@wh.example', 'Fred') RETURNING id",
		   1, I(provider));
	free(q("INSERT INTO team_agents VALUES ($1, $2, $3)", 3, I(provider), I(ops), I(pia)));
	free(q("INSERT INTO team_agents VALUES ($1, $2, $3)", 3, I(provider), I(floor_team), I(fred)));
}

/* Connects the brand to the provider (support owner owner, team ops). */
static int64_t connect_brand(const char *owner)
{
	struct db_connection_fields f = { .support_owner = owner, .provider_team_id = ops, .monthly_orders = -1 };
	char *error = NULL;
	int64_t id = 0;

	ck_assert(db_begin(db, &error) == 0);
	ck_assert_msg(desk_connection_add(db, tenant, provider, &f, "test", &id, &error) == 0, "%s", error);
	ck_assert(db_commit(db, &error) == 0);
	return id;
}

/* The delegate row of a provider agent in the brand (0: none). */
static int64_t delegate_of(int64_t provider_agent)
{
	char *v = q("SELECT id FROM agents WHERE tenant_id = $1 AND provider_agent_id = $2", 2, I(tenant),
		    I(provider_agent));
	int64_t id = v != NULL ? strtoll(v, NULL, 10) : 0;

	free(v);
	return id;
}

/* desk_agent_may_act() must say may (1) or not (0, the reason containing
 * why_part). */
static void assert_may(int64_t ticket, int64_t agent, int may, const char *why_part)
{
	char *why = NULL, *error = NULL;
	int got = desk_agent_may_act(db, tenant, ticket, agent, &why, &error);

	ck_assert_msg(got == may, "agent %lld ticket %lld: %d (%s)", (long long)agent, (long long)ticket, got,
		      why != NULL ? why : error != NULL ? error : "");
	if (may == 0)
		ck_assert_msg(strstr(why, why_part) != NULL, "\"%s\" lacks \"%s\"", why, why_part);
	free(why);
}

/* A new ticket routed as the delivery does. */
static int64_t routed_ticket(const char *subject, bool to_provider, int expect)
{
	int64_t t = ticket_new(support, subject);
	char *error = NULL;
	int ret = desk_connection_route(db, tenant, t, to_provider, &error);

	ck_assert_msg(ret == expect, "route: %d %s", ret, error != NULL ? error : "");
	free(error);
	return t;
}

/* Disconnects (false) or reconnects (true) in a transaction. */
static int activate(int64_t id, bool active, char **error_r)
{
	int ret;

	ck_assert(db_begin(db, error_r) == 0);
	ret = desk_connection_activate(db, tenant, id, active, "test", error_r);
	if (ret == 0)
		ck_assert(db_commit(db, error_r) == 0);
	else
		db_rollback(db);
	return ret;
}

START_TEST(test_may_act)
{
	char *error = NULL, expected[200];
	int64_t own, handled, c, d;

	provider_new();
	own = routed_ticket("before any connection", false, 0);
	assert_may(own, ana, 1, NULL);
	c = connect_brand("provider");
	d = delegate_of(pia);
	ck_assert_int_ne(d, 0);
	ck_assert_int_eq(delegate_of(fred), 0);
	/* Made before the connection: still the brand's. */
	assert_may(own, d, 0, "not handled by provider");
	handled = routed_ticket("after", false, 0);
	assert_ticket(handled, "handled_by", I(c));
	snprintf(expected, sizeof(expected),
		 "connection.routed|mail|handled by provider \"provider-of-%lld\" (connection %lld, support owner provider)",
		 (long long)tenant, (long long)c);
	assert_events(handled, expected);
	assert_may(handled, ana, 0, "read-only");
	assert_may(handled, d, 1, NULL);
	/* Disconnected: the provider acts on nothing, the brand on all. */
	ck_assert_msg(activate(c, false, &error) == 0, "%s", error);
	assert_may(handled, d, 0, "disconnected");
	assert_may(handled, ana, 1, NULL);
	assert_ticket(routed_ticket("meanwhile", false, 0), "coalesce(handled_by, 0)", "0");
	ck_assert_int_eq(activate(c, false, &error), -1);
	ck_assert_msg(strstr(error, "is disconnected already") != NULL, "%s", error);
	free(error);
	error = NULL;
	ck_assert_msg(activate(c, true, &error) == 0, "%s", error);
	assert_may(handled, d, 1, NULL);
	/* Out of the provider team: the delegate acts on nothing. */
	free(q("DELETE FROM team_agents WHERE tenant_id = $1 AND agent_id = $2", 2, I(provider), I(pia)));
	assert_may(handled, d, 0, "no longer in the team");
}
END_TEST

START_TEST(test_route_and_handlers)
{
	char *error = NULL;
	int64_t *ids = NULL, t, c;
	size_t n = 0;

	provider_new();
	/* A request to a provider the brand does not have is refused. */
	t = ticket_new(support, "request");
	ck_assert_int_eq(desk_connection_route(db, tenant, t, true, &error), -1);
	ck_assert_str_eq(error, "the brand has no active connection to a provider");
	free(error);
	error = NULL;
	c = connect_brand("brand");
	/* Owner brand: mail stays with the brand, a request goes over. */
	assert_ticket(routed_ticket("mail", false, 0), "coalesce(handled_by, 0)", "0");
	t = routed_ticket("request", true, 0);
	assert_ticket(t, "handled_by", I(c));
	ck_assert(desk_connection_handlers(db, tenant, t, &ids, &n, &error) == 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], delegate_of(pia));
	free(ids);
	/* Fred joins ops: notified at once (the delegates are made fresh). */
	free(q("INSERT INTO team_agents VALUES ($1, $2, $3)", 3, I(provider), I(ops), I(fred)));
	ck_assert(desk_connection_handlers(db, tenant, t, &ids, &n, &error) == 0);
	ck_assert_int_eq(n, 2);
	free(ids);
	/* The brand's own ticket has no handlers of the provider. */
	ck_assert(desk_connection_handlers(db, tenant, ticket_new(support, "own"), &ids, &n, &error) == 0);
	ck_assert_int_eq(n, 0);
	free(ids);
}
END_TEST

START_TEST(test_owner_change)
{
	struct db_connection_fields to_brand = { .support_owner = "brand", .monthly_orders = -2 };
	struct db_connection_fields to_provider = { .support_owner = "provider", .monthly_orders = -2 };
	char *error = NULL;
	int64_t c, open_t, solved_t, moved = -1;

	provider_new();
	c = connect_brand("provider");
	open_t = routed_ticket("open", false, 0);
	solved_t = routed_ticket("solved", false, 0);
	free(q("UPDATE tickets SET status = 'solved' WHERE id = $1", 1, I(solved_t)));
	ck_assert(db_begin(db, &error) == 0);
	ck_assert_msg(desk_connection_set(db, tenant, c, &to_brand, true, "test", &moved, &error) == 0, "%s", error);
	ck_assert(db_commit(db, &error) == 0);
	ck_assert_int_eq(moved, 1);
	assert_ticket(open_t, "coalesce(handled_by, 0)", "0");
	assert_ticket(solved_t, "handled_by", I(c));
	ck_assert(db_begin(db, &error) == 0);
	ck_assert_msg(desk_connection_set(db, tenant, c, &to_provider, false, "test", &moved, &error) == 0, "%s",
		      error);
	ck_assert(db_commit(db, &error) == 0);
	ck_assert_int_eq(moved, 0);
	assert_ticket(open_t, "coalesce(handled_by, 0)", "0");
	assert_q("support_owner|provider -> brand, 1 open tickets moved\n"
		 "support_owner|brand -> provider, open tickets left where they were",
		 "SELECT string_agg(kind || '|' || detail, E'\\n' ORDER BY id) FROM connection_events"
		 " WHERE tenant_id = $1 AND kind = 'support_owner'",
		 1, I(tenant), NULL);
}
END_TEST

START_TEST(test_refusals)
{
	struct db_connection_fields f = { .support_owner = "brand", .monthly_orders = -1 };
	char *error = NULL;
	int64_t id = 0, other, c;

	provider_new();
	ck_assert_int_eq(desk_connection_add(db, tenant, tenant, &f, "test", &id, &error), -1);
	ck_assert_str_eq(error, "a tenant cannot be its own provider");
	free(error);
	error = NULL;
	c = connect_brand("brand");
	other = qid("INSERT INTO tenants (name) VALUES ('other-' || $1) RETURNING id", 1, I(tenant));
	ck_assert(db_begin(db, &error) == 0);
	ck_assert_int_eq(desk_connection_add(db, tenant, other, &f, "test", &id, &error), -1);
	ck_assert_msg(strstr(error, "disconnect that first") != NULL, "%s", error);
	db_rollback(db);
	free(error);
	error = NULL;
	/* Connected to the other once the first is disconnected; the first
	 * cannot be reconnected while the other is active. */
	ck_assert(activate(c, false, &error) == 0);
	ck_assert(db_begin(db, &error) == 0);
	ck_assert_msg(desk_connection_add(db, tenant, other, &f, "test", &id, &error) == 0, "%s", error);
	ck_assert(db_commit(db, &error) == 0);
	ck_assert_int_eq(activate(c, true, &error), -1);
	ck_assert_str_eq(error, "the brand has another active connection: disconnect that first");
	free(error);
}
END_TEST

START_TEST(test_own_agent_kept)
{
	int64_t provider_ana;

	provider_new();
	/* The provider has an agent of the same address as the brand's ana. */
	provider_ana = qid("INSERT INTO agents (tenant_id, email) VALUES ($1, 'ana@demo.example') RETURNING id", 1,
			   I(provider));
	free(q("INSERT INTO team_agents VALUES ($1, $2, $3)", 3, I(provider), I(ops), I(provider_ana)));
	connect_brand("provider");
	assert_q(NULL, "SELECT provider_agent_id FROM agents WHERE tenant_id = $1 AND id = $2", 2, I(tenant), I(ana));
	assert_may(routed_ticket("x", false, 0), ana, 0, "read-only");
}
END_TEST

/* The cases above, each in a fresh tenant. */
static Suite *connection_suite(void)
{
	Suite *s = suite_create("pg-connection");
	TCase *tc = tcase_create("connections");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_may_act);
	tcase_add_test(tc, test_route_and_handlers);
	tcase_add_test(tc, test_owner_change);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_own_agent_kept);
	suite_add_tcase(s, tc);
	return s;
}

/* Needs MD_DATABASE from t/test-env. */
int main(void)
{
	return pg_main("pg-connection", connection_suite);
}
