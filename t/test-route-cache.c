/* The per-transaction recipient routes (daemon/route-cache.c): bounded by
 * max, the newest lookup of an address wins, clear forgets everything,
 * and many addresses stay correct (hash collisions are probed). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "route-cache.h"

START_TEST(test_put_find)
{
	struct route_cache rc;
	const struct rcpt_route *r;

	route_cache_init(&rc, 4);
	ck_assert_ptr_null(route_cache_find(&rc, "a@x"));
	ck_assert_int_eq(route_cache_put(&rc, "a@x", NULL, 1, 2), 0);
	ck_assert_int_eq(route_cache_put(&rc, "b+ext@x", "ext", 1, 3), 0);
	r = route_cache_find(&rc, "a@x");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->team_id, 2);
	ck_assert_ptr_null(r->extension);
	r = route_cache_find(&rc, "b+ext@x");
	ck_assert_str_eq(r->extension, "ext");
	ck_assert_ptr_null(route_cache_find(&rc, "A@x")); /* exact, as given */
	route_cache_free(&rc);
}
END_TEST

START_TEST(test_newest_wins)
{
	struct route_cache rc;

	route_cache_init(&rc, 2);
	ck_assert_int_eq(route_cache_put(&rc, "a@x", NULL, 1, 2), 0);
	ck_assert_int_eq(route_cache_put(&rc, "a@x", "e", 1, 7), 0);
	ck_assert_int_eq(rc.n, 1);
	ck_assert_int_eq(route_cache_find(&rc, "a@x")->team_id, 7);
	ck_assert_str_eq(route_cache_find(&rc, "a@x")->extension, "e");
	route_cache_free(&rc);
}
END_TEST

START_TEST(test_bound_and_clear)
{
	struct route_cache rc;

	route_cache_init(&rc, 3);
	ck_assert_int_eq(route_cache_put(&rc, "a@x", NULL, 1, 1), 0);
	ck_assert_int_eq(route_cache_put(&rc, "b@x", NULL, 1, 1), 0);
	ck_assert_int_eq(route_cache_put(&rc, "c@x", NULL, 1, 1), 0);
	ck_assert_int_eq(route_cache_put(&rc, "d@x", NULL, 1, 1), -1);
	ck_assert_int_eq(route_cache_put(&rc, "c@x", NULL, 1, 9), 0); /* a known one still updates */
	ck_assert_ptr_null(route_cache_find(&rc, "d@x"));
	route_cache_clear(&rc);
	ck_assert_int_eq(rc.n, 0);
	ck_assert_ptr_null(route_cache_find(&rc, "a@x"));
	ck_assert_int_eq(route_cache_put(&rc, "d@x", NULL, 1, 4), 0);
	ck_assert_int_eq(route_cache_find(&rc, "d@x")->team_id, 4);
	route_cache_free(&rc);
	route_cache_free(&rc); /* twice is harmless */
}
END_TEST

START_TEST(test_many)
{
	enum { N = 5000 };
	struct route_cache rc;
	char a[64];

	route_cache_init(&rc, N);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			snprintf(a, sizeof(a), "support+%d@demo.example", i);
			ck_assert_int_eq(route_cache_put(&rc, a, a + 8, round, i), 0);
		}
		for (int i = 0; i < N; i++) {
			snprintf(a, sizeof(a), "support+%d@demo.example", i);
			const struct rcpt_route *r = route_cache_find(&rc, a);
			ck_assert_ptr_nonnull(r);
			ck_assert_int_eq(r->team_id, i);
			ck_assert_int_eq(r->tenant_id, round);
			ck_assert_str_eq(r->address, a);
		}
		ck_assert_int_eq(route_cache_put(&rc, "one-more@demo.example", NULL, 0, 0), -1);
		ck_assert_ptr_null(route_cache_find(&rc, "support+5000@demo.example"));
		route_cache_clear(&rc);
	}
	route_cache_free(&rc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("route-cache");
	TCase *tc = tcase_create("routes");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_put_find);
	tcase_add_test(tc, test_newest_wins);
	tcase_add_test(tc, test_bound_and_clear);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
