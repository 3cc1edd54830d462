/* IMAP channels' storage (lib/db/db-imap.c, issue 15) against a real
 * PostgreSQL (t/test-env exports MD_DATABASE): the channel position
 * commits in the delivery's own transaction (and only with it), a
 * duplicate still moves it on, a new UIDVALIDITY starts it again; the
 * lease goes to one holder at a time and to another once it expired;
 * status only from the holder; settings changes bump config_version. */
#include "config.h"
#include "pg-lib.h"
#include "db/db-imap.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "desk/desk.h"

static const struct desk_settings desk_test = { .hostname = "pg-imap.test" };
static struct db *db;
static int64_t tenant_id, team_id, channel_id;
static char alias[128];

/* A tenant, a team with an alias and one channel of it, per test. */
static void setup(void)
{
	char *name = pg_unique_name("imap"), tn[24];
	const char *params[3] = { name, tn, NULL };
	struct db_imap_settings s = { .host = "imap.example", .port = 993, .tls = "implicit",
				      .username = "support", .password_file = "/etc/maildesk/imap-pass" };
	char *error = NULL;

	db = pg_connect_migrated();
	tenant_id = pg_int(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params);
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	params[0] = tn;
	params[1] = name;
	team_id = pg_int(db, "INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id", 2, params);
	snprintf(alias, sizeof(alias), "%s@example.org", name);
	params[1] = alias;
	pg_exec(db, "INSERT INTO team_aliases (tenant_id, team_id, address) SELECT $1, max(id), $2 FROM teams"
		    " WHERE tenant_id = $1",
		2, params);
	ck_assert_msg(db_imap_channel_add(db, tenant_id, team_id, &s, &channel_id, &error) == 0, "%s", error);
	free(name);
}

static void teardown(void)
{
	db_close(&db);
}

/* The channel as stored. */
static struct db_imap_channel channel(void)
{
	struct db_imap_channel c;
	char *error = NULL;

	memset(&c, 0, sizeof(c));
	ck_assert_msg(db_imap_channel_get(db, channel_id, &c, &error) == 1, "%s", error);
	return c;
}

/* Position of the channel: "uidvalidity/last_uid". */
static char *position(void)
{
	struct db_imap_channel c = channel();
	char *p = xasprintf("%" PRId64 "/%" PRId64, c.uidvalidity, c.last_uid);

	db_imap_channel_clear(&c);
	return p;
}

/* A message of its own raw bytes (seq makes them differ). */
struct msg {
	struct db_message_in in;
	char raw[200], sha[65];
};
static void msg_init(struct msg *m, unsigned seq, const struct db_channel_pos *pos)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->raw, sizeof(m->raw), "From: c@customer.example\r\nSubject: Lamp %u\r\nX-Pid: %ld\r\n\r\nhi\r\n",
		 seq, (long)getpid());
	snprintf(m->sha, sizeof(m->sha), "%056lX%08X", (unsigned long)getpid() ^ (unsigned long)tenant_id, seq);
	m->in = (struct db_message_in){ .raw = m->raw, .raw_len = strlen(m->raw), .raw_sha256_hex = m->sha,
					.envelope_from = "c@customer.example", .from_addr = "c@customer.example",
					.from_count = 1, .subject = "Lamp", .header_block = "From: x\r\n",
					.text_body = "hi\n", .defects_str = "", .channel_pos = pos };
}

/* desk_deliver: 0 or -1; r filled. */
static int deliver(int64_t team, const struct msg *m, struct db_delivery_result *r)
{
	char *error = NULL;
	int ret = desk_deliver(db, &desk_test, tenant_id, team, alias, &m->in, r, &error);

	free(error);
	return ret;
}

static bool leased(const char *holder);

START_TEST(position_commits_with_the_message)
{
	struct db_channel_pos pos = { .channel_id = channel_id, .holder = "host-a:1", .uidvalidity = 100, .uid = 5 };
	struct db_delivery_result r;
	struct msg m;
	char *p;

	ck_assert(leased("host-a:1"));
	msg_init(&m, 1, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert(!r.duplicate);
	ck_assert_str_eq(p = position(), "100/5");
	free(p);
	/* the same bytes fetched again (a crash before the move): a
	 * duplicate, and the position still moves on */
	pos.uid = 9;
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert(r.duplicate);
	ck_assert_str_eq(p = position(), "100/9");
	free(p);
	/* a lower UID (a rescan) never moves it back */
	pos.uid = 3;
	msg_init(&m, 2, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert_str_eq(p = position(), "100/9");
	free(p);
	/* a new UIDVALIDITY: the position starts again */
	pos.uidvalidity = 200;
	pos.uid = 2;
	msg_init(&m, 3, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert_str_eq(p = position(), "200/2");
	free(p);
}
END_TEST

START_TEST(position_not_without_the_message)
{
	struct db_channel_pos pos = { .channel_id = channel_id, .holder = "host-a:1", .uidvalidity = 100, .uid = 7 };
	struct db_delivery_result r;
	struct msg m;
	char *p;

	ck_assert(leased("host-a:1"));
	/* a delivery that fails (no such team) stores nothing: no position */
	msg_init(&m, 4, &pos);
	ck_assert_int_eq(deliver(team_id + 1000000, &m, &r), -1);
	ck_assert_str_eq(p = position(), "0/0");
	free(p);
	/* and a delivery without a position leaves it alone */
	msg_init(&m, 5, NULL);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert_str_eq(p = position(), "0/0");
	free(p);
}
END_TEST

/* How many channels holder gets from db_imap_lease (ours among them). */
static bool leased(const char *holder)
{
	struct db_imap_channel *c = NULL;
	size_t n = 0;
	char *error = NULL;
	bool ours = false;

	ck_assert_msg(db_imap_lease(db, holder, 30, 1000, &c, &n, &error) == 0, "%s", error);
	for (size_t i = 0; i < n; i++) {
		if (c[i].id == channel_id) {
			ours = true;
			ck_assert_str_eq(c[i].alias, alias);
		}
		db_imap_channel_clear(&c[i]);
	}
	free(c);
	return ours;
}

START_TEST(lease_one_holder_then_takeover)
{
	char id[24], *error = NULL, *v;
	const char *params[1] = { id };

	snprintf(id, sizeof(id), "%" PRId64, channel_id);
	ck_assert(leased("host-a:1"));
	ck_assert(leased("host-a:1")); /* renewed */
	ck_assert(!leased("host-b:2"));
	/* only the holder records status */
	ck_assert_int_eq(db_imap_status_set(db, "host-b:2", channel_id, "idle", "", &error), 0);
	ck_assert_int_eq(db_imap_status_set(db, "host-a:1", channel_id, "auth-failed", "login: refused", &error), 0);
	ck_assert_str_eq(v = pg_value(db, "SELECT status || ' ' || last_error FROM imap_channels WHERE id = $1", 1,
				      params),
			 "auth-failed login: refused");
	free(v);
	/* host-a died: once its lease ran out, host-b takes over */
	pg_exec(db, "UPDATE imap_channels SET lease_until = now() - interval '1 second' WHERE id = $1", 1, params);
	ck_assert(leased("host-b:2"));
	ck_assert(!leased("host-a:1"));
	/* a clean stop gives it up at once */
	ck_assert_int_eq(db_imap_lease_release(db, "host-b:2", channel_id, &error), 0);
	ck_assert(leased("host-a:1"));
	/* paused: nobody holds it */
	ck_assert_int_eq(db_imap_channel_pause(db, channel_id, true, &error), 1);
	ck_assert(!leased("host-a:1"));
	ck_assert(!leased("host-b:2"));
	ck_assert_int_eq(db_imap_channel_pause(db, channel_id, false, &error), 1);
	ck_assert(leased("host-b:2"));
}
END_TEST

/* Messages of the channel stored so far. */
static int64_t stored(void)
{
	char tn[24];
	const char *params[1] = { tn };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	return pg_int(db, "SELECT count(*) FROM messages WHERE tenant_id = $1", 1, params);
}

START_TEST(position_only_by_the_lease_holder)
{
	struct db_channel_pos pos = { .channel_id = channel_id, .holder = "host-a:1", .uidvalidity = 100, .uid = 5 };
	struct db_delivery_result r;
	char id[24], *p;
	const char *params[1] = { id };
	struct msg m;

	snprintf(id, sizeof(id), "%" PRId64, channel_id);
	ck_assert(leased("host-a:1"));
	msg_init(&m, 10, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	/* host-a stalled, its lease ran out and host-b took the channel */
	pg_exec(db, "UPDATE imap_channels SET lease_until = now() - interval '1 second' WHERE id = $1", 1, params);
	ck_assert(leased("host-b:2"));
	/* host-a's late delivery: rolled back whole, the position is host-b's */
	pos.uid = 6;
	msg_init(&m, 11, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), -1);
	ck_assert_int_eq(stored(), 1);
	ck_assert_str_eq(p = position(), "100/5");
	free(p);
	/* nor as a duplicate's short transaction */
	msg_init(&m, 10, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), -1);
	ck_assert_str_eq(p = position(), "100/5");
	free(p);
	/* host-b's goes through */
	pos.holder = "host-b:2";
	msg_init(&m, 11, &pos);
	ck_assert_int_eq(deliver(team_id, &m, &r), 0);
	ck_assert_int_eq(stored(), 2);
	ck_assert_str_eq(p = position(), "100/6");
	free(p);
}
END_TEST

START_TEST(attempts_counted_then_held)
{
	struct db_channel_pos pos = { .channel_id = channel_id, .holder = "host-a:1", .uidvalidity = 100, .uid = 8 };
	unsigned attempts = 0;
	char id[24], *error = NULL, *v;
	const char *params[1] = { id };

	snprintf(id, sizeof(id), "%" PRId64, channel_id);
	ck_assert(leased("host-a:1"));
	for (unsigned i = 1; i <= 3; i++) {
		ck_assert_int_eq(db_imap_attempt_failed(db, "host-a:1", channel_id, 8, "451 refused", &attempts, &error),
				 1);
		ck_assert_uint_eq(attempts, i);
	}
	/* another uid starts again at 1 */
	ck_assert_int_eq(db_imap_attempt_failed(db, "host-a:1", channel_id, 9, "451 x", &attempts, &error), 1);
	ck_assert_uint_eq(attempts, 1);
	ck_assert_int_eq(db_imap_attempt_failed(db, "host-a:1", channel_id, 8, "451 refused", &attempts, &error), 1);
	ck_assert_uint_eq(attempts, 1);
	/* not the holder: nothing counted, nothing held */
	ck_assert_int_eq(db_imap_attempt_failed(db, "host-b:2", channel_id, 8, "451 refused", &attempts, &error), 0);
	pos.holder = "host-b:2";
	ck_assert_int_eq(db_imap_held(db, &pos, &error), 0);
	ck_assert_str_eq(v = position(), "0/0");
	free(v);
	/* held by the holder: counted, the position passes it, stuck cleared */
	pos.holder = "host-a:1";
	ck_assert_int_eq(db_imap_held(db, &pos, &error), 1);
	ck_assert_str_eq(v = position(), "100/8");
	free(v);
	ck_assert_str_eq(v = pg_value(db, "SELECT held || ' ' || stuck_uid || ' ' || stuck_attempts || '/'"
					  " || stuck_error FROM imap_channels WHERE id = $1",
				      1, params),
			 "1 0 0/");
	free(v);
}
END_TEST

START_TEST(set_bumps_version_and_swaps_secrets)
{
	struct db_imap_settings s = { .oauth2_command = "/usr/local/bin/token support" };
	struct db_imap_channel c;
	char *error = NULL;

	ck_assert_int_eq(db_imap_channel_set(db, channel_id, &s, &error), 1);
	c = channel();
	ck_assert_int_eq(c.config_version, 2);
	ck_assert_str_eq(c.password_file, "");
	ck_assert_str_eq(c.oauth2_command, "/usr/local/bin/token support");
	ck_assert_str_eq(c.host, "imap.example");
	db_imap_channel_clear(&c);
	s = (struct db_imap_settings){ .password_file = "/etc/maildesk/p2", .port = 1993 };
	ck_assert_int_eq(db_imap_channel_set(db, channel_id, &s, &error), 1);
	c = channel();
	ck_assert_str_eq(c.password_file, "/etc/maildesk/p2");
	ck_assert_str_eq(c.oauth2_command, "");
	ck_assert_uint_eq(c.port, 1993);
	ck_assert_int_eq(c.config_version, 3);
	db_imap_channel_clear(&c);
	ck_assert_int_eq(db_imap_channel_set(db, channel_id + 1000000, &s, &error), 0);
	/* neither secret: the schema refuses */
	s = (struct db_imap_settings){ .host = "imap.example", .port = 993, .tls = "implicit", .username = "u" };
	ck_assert_int_eq(db_imap_channel_add(db, tenant_id, team_id, &s, &channel_id, &error), -1);
	free(error);
}
END_TEST

static Suite *imap_suite(void)
{
	Suite *s = suite_create("pg-imap");
	TCase *tc = tcase_create("imap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, position_commits_with_the_message);
	tcase_add_test(tc, position_not_without_the_message);
	tcase_add_test(tc, lease_one_holder_then_takeover);
	tcase_add_test(tc, set_bumps_version_and_swaps_secrets);
	tcase_add_test(tc, position_only_by_the_lease_holder);
	tcase_add_test(tc, attempts_counted_then_held);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pg_main("pg-imap", imap_suite);
}
