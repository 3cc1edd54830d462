/* The Prometheus text exposition (daemon/metrics.c): label escaping,
 * cumulative histogram buckets, and the shape of every family. The e2e
 * test parses the same text with prometheus_client. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "db/db-stats.h"

/* Renders into a NUL-terminated string the caller frees. */
static char *render(const struct metrics_db_gauges *g)
{
	struct buf b;
	size_t len;

	buf_init(&b, 0);
	metrics_render(&b, g);
	buf_append(&b, "", 1);
	return buf_steal(&b, &len);
}

START_TEST(test_escape)
{
	struct buf b;
	size_t len;
	char *s;

	buf_init(&b, 0);
	metrics_escape_label(&b, "a\\b\"c\nd");
	buf_append(&b, "", 1);
	s = buf_steal(&b, &len);
	ck_assert_str_eq(s, "a\\\\b\\\"c\\nd");
	free(s);
}
END_TEST

START_TEST(test_histogram_cumulative)
{
	char *s;

	metrics_reset();
	metrics_observe_delivery(0.001); /* le 0.005 */
	metrics_observe_delivery(0.005); /* le 0.005: bounds are inclusive */
	metrics_observe_delivery(0.2);   /* le 0.25 */
	metrics_observe_delivery(100);   /* only +Inf */
	s = render(NULL);
	ck_assert_ptr_nonnull(strstr(s, "# TYPE maildesk_delivery_duration_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_bucket{le=\"0.005\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_bucket{le=\"0.1\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_bucket{le=\"0.25\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_bucket{le=\"30\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_count 4\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_sum 100.206"));
	free(s);
}
END_TEST

START_TEST(test_counters_and_labels)
{
	char *s;

	metrics_reset();
	metrics_delivery_result(SMTP_STATUS_OK, false, 0.01);
	metrics_delivery_result(SMTP_STATUS_OK, true, 0.01);
	metrics_delivery_result(SMTP_STATUS_TEMPFAIL, false, 0.01);
	metrics_rcpt_result(SMTP_STATUS_NO_SUCH_USER);
	metrics_rcpt_result(SMTP_STATUS_NO_SUCH_USER);
	metrics_rcpt_result(SMTP_STATUS_OK); /* counted after DATA, not here */
	metrics_count_message("refused", "odd\"reason");
	metrics_count_outbound("sent");
	metrics_count_outbound(NULL);
	metrics_session("lmtp", +1);
	metrics_session("lmtp", +1);
	metrics_session("lmtp", -1);
	metrics_count_timers_fired(3);
	metrics_count_imap_held(true);
	metrics_count_imap_held(false);
	metrics_count_imap_held(false);
	s = render(NULL);
	ck_assert_ptr_nonnull(strstr(s, "# HELP maildesk_messages_total "));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE maildesk_messages_total counter\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_messages_total{result=\"accepted\",reason=\"stored\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_messages_total{result=\"accepted\",reason=\"duplicate\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_messages_total{result=\"deferred\",reason=\"tempfail\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_messages_total{result=\"refused\",reason=\"no_such_user\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_messages_total{result=\"refused\",reason=\"odd\\\"reason\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_delivery_duration_seconds_count 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_outbound_total{result=\"sent\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_sessions_open{listener=\"lmtp\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_timers_fired_total 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_imap_held_total{reason=\"size\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_imap_held_total{reason=\"attempts\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_database_up 0\n"));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE maildesk_rule_evaluations_total counter\nmaildesk_rule_evaluations_total "));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE maildesk_database_errors_total counter\nmaildesk_database_errors_total "));
	ck_assert_ptr_nonnull(strstr(s, "# TYPE maildesk_database_round_trip_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_database_round_trip_seconds_bucket{le=\"+Inf\"} "));
	ck_assert_ptr_null(strstr(s, "maildesk_outbound_queue"));
	free(s);
}
END_TEST

/* lib/db's round trips land in the first bucket whose bound they do not
 * exceed; past the last bound only in the count (+Inf). */
START_TEST(test_db_round_trips)
{
	struct db_stats_round_trips a, b;

	db_stats_round_trips(&a);
	db_stats_observe_round_trip(0.00005);
	db_stats_observe_round_trip(0.001);
	db_stats_observe_round_trip(0.003);
	db_stats_observe_round_trip(3.0);
	db_stats_observe_round_trip(-1);
	db_stats_round_trips(&b);
	ck_assert_uint_eq(b.count - a.count, 5);
	ck_assert_uint_eq(b.bucket[0] - a.bucket[0], 2); /* 0.00005 and the negative one */
	ck_assert_uint_eq(b.bucket[3] - a.bucket[3], 1); /* 0.001 <= 0.001 */
	ck_assert_uint_eq(b.bucket[5] - a.bucket[5], 1); /* 0.003 <= 0.005 */
	for (unsigned i = 0; i < DB_STATS_N_BUCKETS; i++)
		if (i != 0 && i != 3 && i != 5)
			ck_assert_uint_eq(b.bucket[i] - a.bucket[i], 0);
	ck_assert(b.sum_s - a.sum_s > 3.004 && b.sum_s - a.sum_s < 3.0042);
}
END_TEST

START_TEST(test_db_gauges)
{
	struct metrics_db_gauges g = { { 1, 2, 3, 4, 5 }, 12.5, 7 };
	char *s;

	metrics_reset();
	s = render(&g);
	ck_assert_ptr_nonnull(strstr(s, "maildesk_database_up 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_outbound_queue{state=\"queued\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_outbound_queue{state=\"failed\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_outbound_oldest_deferred_seconds 12.5\n"));
	ck_assert_ptr_nonnull(strstr(s, "maildesk_tickets_snoozed 7\n"));
	/* Every line is a comment or a sample ending in a newline. */
	for (char *line = s; *line != '\0'; line = strchr(line, '\n') + 1)
		ck_assert(line[0] == '#' || strncmp(line, "maildesk_", 9) == 0);
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("exposition");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_histogram_cumulative);
	tcase_add_test(tc, test_counters_and_labels);
	tcase_add_test(tc, test_db_gauges);
	tcase_add_test(tc, test_db_round_trips);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
