/* The status table: every internal outcome has a well-formed SMTP reply
 * whose class matches its enhanced code. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "smtp/smtp-status.h"

struct status_case {
	enum smtp_status st;
	unsigned code;
	const char *enh;
	const char *text;
};

static const struct status_case status_cases[] = {
	{ SMTP_STATUS_OK, 250, "2.0.0", "Ok: queued" },
	{ SMTP_STATUS_DUPLICATE, 250, "2.0.0", "Ok: already delivered" },
	{ SMTP_STATUS_NO_SUCH_USER, 550, "5.1.1", "No such recipient here" },
	{ SMTP_STATUS_TEMPFAIL, 451, "4.3.0", "Temporary failure, try again later" },
	{ SMTP_STATUS_DB_TIMEOUT, 451, "4.3.0", "Storage timed out, try again later" },
	{ SMTP_STATUS_TOO_MANY_RCPTS, 452, "4.5.3", "Too many recipients" },
	{ SMTP_STATUS_TOO_BIG, 552, "5.3.4", "Message size exceeds fixed limit" },
	{ SMTP_STATUS_SHUTDOWN, 421, "4.3.2", "Service shutting down, closing connection" },
	{ SMTP_STATUS_INTERNAL, 451, "4.3.0", "Internal error, try again later" },
};

START_TEST(test_status_maps_to_its_reply)
{
	const struct status_case *c = &status_cases[_i];
	const struct smtp_status_reply *r = smtp_status_reply(c->st);

	ck_assert_uint_eq(r->code, c->code);
	ck_assert_str_eq(r->enh, c->enh);
	ck_assert_str_eq(r->text, c->text);
	/* The class digit of the code and of the enhanced code agree. */
	ck_assert_int_eq(r->enh[0] - '0', (int)(r->code / 100));
	ck_assert(strpbrk(r->text, "\r\n") == NULL);
}
END_TEST

START_TEST(test_unknown_status_is_a_temporary_internal_error)
{
	const struct smtp_status_reply *r = smtp_status_reply((enum smtp_status)1000);

	ck_assert_ptr_eq(r, smtp_status_reply(SMTP_STATUS_INTERNAL));
	ck_assert_uint_eq(r->code / 100, 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp-status");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_status_maps_to_its_reply, 0, sizeof(status_cases) / sizeof(status_cases[0]));
	tcase_add_test(tc, test_unknown_status_is_a_temporary_internal_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
