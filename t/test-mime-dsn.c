/* lib/mime's reading of delivery reports (mime-dsn.h): the groups of a
 * message/delivery-status body, the fields of each recipient group, and
 * the report inside a whole parsed message (struct mime_message's dsn).
 * What the fuzz target fuzz-dsn checks at random is pinned here on known
 * inputs, hostile ones included. */
#include "config.h"

#include "mime/mime.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The attack of issue 11: a folded Diagnostic-Code, a field name only as a
 * prefix ("Action-X:"), a second recipient group (the first delayed), CR-only
 * line ends, NUL and control bytes. */
static const char attack[] = "Reporting-MTA: dns; mx.customer.example\r\n"
			     "Arrival-Date: Sat, 5 Dec 2026 10:00:00 +0000\r\n"
			     "\r\n"
			     "Final-Recipient: rfc822; other@customer.example\r\n"
			     "Action: delayed\r\n"
			     "Status: 4.4.1\r\n"
			     "\r\n"
			     "Action-X: delivered\r"
			     "Final-Recipient: rfc822;\r carla@customer.example\r"
			     "Original-Recipient: rfc822; Carla@customer.example\r"
			     "Action: failed\x01\r"
			     "Status: 5.1.1\r"
			     "Diagnostic-Code: smtp; 550 5.1.1 <carla@customer.example>:\r\n"
			     "\tmailbox\0unavailable\x7f(over quota)\r\n";

START_TEST(test_dsn_fields)
{
	static const char report[] = "Reporting-MTA: dns; mx.example\r\n\r\n"
				     "final-recipient: rfc822; a@b.example\r\n"
				     "ACTION:  failed \t\r\n"
				     "Status: 5.1.1\r\n"
				     "Diagnostic-Code: smtp; 550 \xc3\xa9" "chec \xff\x01!";
	struct mime_dsn *d = mime_dsn_parse(report, sizeof(report) - 1);

	ck_assert_uint_eq(d->n_recipients, 1);
	ck_assert_str_eq(d->recipients[0].action, "failed");
	ck_assert_str_eq(d->recipients[0].status, "5.1.1");
	ck_assert_str_eq(d->recipients[0].final_recipient, "rfc822; a@b.example");
	ck_assert_str_eq(d->recipients[0].original_recipient, "");
	/* Valid UTF-8 kept, a stray 8-bit byte '?', a control byte a space:
	 * the event text goes into a UTF-8 column. */
	ck_assert_str_eq(d->recipients[0].diagnostic, "smtp; 550 \xc3\xa9" "chec ? !");
	ck_assert_uint_eq(d->n_message_fields, 1);
	ck_assert_str_eq(d->message_fields[0].name, "Reporting-MTA");
	ck_assert_str_eq(d->message_fields[0].value, "dns; mx.example");
	ck_assert_ptr_eq(mime_dsn_main(d), &d->recipients[0]);
	mime_dsn_free(&d);
	ck_assert_ptr_null(d);
	mime_dsn_free(&d);
}
END_TEST

START_TEST(test_dsn_missing_and_bounds)
{
	static const char report[] = "X-Action: relayed\n Action: indented\nAction\nStatus:5.0.0";
	/* Read only up to len: "5.0" of the status, nothing past it. */
	struct mime_dsn *d = mime_dsn_parse(report, sizeof(report) - 3);

	ck_assert_uint_eq(d->n_recipients, 1);
	ck_assert_str_eq(d->recipients[0].action, "");
	ck_assert_str_eq(d->recipients[0].status, "5.0");
	ck_assert_str_eq(d->recipients[0].diagnostic, "");
	mime_dsn_free(&d);
	d = mime_dsn_parse(NULL, 0);
	ck_assert_uint_eq(d->n_recipients, 0);
	ck_assert_uint_eq(d->n_message_fields, 0);
	ck_assert_ptr_null(mime_dsn_main(d));
	mime_dsn_free(&d);
}
END_TEST

START_TEST(test_dsn_attack_groups_folding_cr_nul)
{
	struct mime_dsn *d = mime_dsn_parse(attack, sizeof(attack) - 1);
	const struct mime_dsn_recipient *r;

	ck_assert_uint_eq(d->n_message_fields, 2);
	ck_assert_str_eq(d->message_fields[1].name, "Arrival-Date");
	ck_assert_uint_eq(d->n_recipients, 2);
	ck_assert_str_eq(d->recipients[0].action, "delayed");
	ck_assert_str_eq(d->recipients[0].final_recipient, "rfc822; other@customer.example");
	r = &d->recipients[1];
	/* "Action-X: delivered" is another field, not the Action. */
	ck_assert_str_eq(r->action, "failed");
	ck_assert_str_eq(r->status, "5.1.1");
	/* Folded after a lone CR: read whole. */
	ck_assert_str_eq(r->final_recipient, "rfc822; carla@customer.example");
	ck_assert_str_eq(r->original_recipient, "rfc822; Carla@customer.example");
	/* Folded: the whole value, NUL and DEL as spaces. */
	ck_assert_str_eq(r->diagnostic, "smtp; 550 5.1.1 <carla@customer.example>: mailbox unavailable (over quota)");
	/* The report is about the failed recipient, not the delayed one. */
	ck_assert_ptr_eq(mime_dsn_main(d), r);
	mime_dsn_free(&d);
}
END_TEST

START_TEST(test_dsn_groups_blank_lines)
{
	/* Leading blank lines, a blank line of spaces, several blank lines,
	 * a group of junk (no field) and no per-message group. */
	static const char report[] = "\n\n \t\nFinal-Recipient: rfc822; a@x\nAction: delivered\n  \t \n\n\n"
				     "junk without colon\n\nAction: expanded\nStatus: 2.0.0\n";
	struct mime_dsn *d = mime_dsn_parse(report, sizeof(report) - 1);

	ck_assert_uint_eq(d->n_message_fields, 0);
	ck_assert_uint_eq(d->n_recipients, 2);
	ck_assert_str_eq(d->recipients[0].action, "delivered");
	ck_assert_str_eq(d->recipients[1].action, "expanded");
	ck_assert_str_eq(d->recipients[1].status, "2.0.0");
	/* None failed: the first group. */
	ck_assert_ptr_eq(mime_dsn_main(d), &d->recipients[0]);
	mime_dsn_free(&d);
}
END_TEST

START_TEST(test_dsn_first_field_of_a_name_wins)
{
	static const char report[] = "Status: 5.0.0\nstatus: 4.0.0\nACTION: Failed\n";
	struct mime_dsn *d = mime_dsn_parse(report, sizeof(report) - 1);

	ck_assert_uint_eq(d->n_recipients, 1);
	ck_assert_str_eq(d->recipients[0].status, "5.0.0");
	ck_assert_ptr_eq(mime_dsn_main(d), &d->recipients[0]);
	mime_dsn_free(&d);
}
END_TEST

/* Every value of d is clean UTF-8 text without control bytes or blanks at
 * either end (mime-dsn.h). */
static void assert_clean(const char *v)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		ck_assert_msg((unsigned char)v[i] >= 0x20 && v[i] != 0x7f, "control byte in \"%s\"", v);
	ck_assert(n == 0 || (v[0] != ' ' && v[n - 1] != ' '));
}

START_TEST(test_dsn_every_truncation_is_clean)
{
	for (size_t len = 0; len <= sizeof(attack) - 1; len++) {
		struct mime_dsn *d = mime_dsn_parse(attack, len);

		for (size_t i = 0; i < d->n_recipients; i++) {
			const struct mime_dsn_recipient *r = &d->recipients[i];
			assert_clean(r->action);
			assert_clean(r->status);
			assert_clean(r->diagnostic);
			assert_clean(r->final_recipient);
			assert_clean(r->original_recipient);
		}
		for (size_t i = 0; i < d->n_message_fields; i++) {
			assert_clean(d->message_fields[i].name);
			assert_clean(d->message_fields[i].value);
		}
		mime_dsn_free(&d);
	}
}
END_TEST

/* A multipart/report around status (content type ct). */
static char *report_message(const char *ct, const char *status, size_t status_len, size_t *len_r)
{
	static const char head[] = "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
				   "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
				   "--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n--B\r\nContent-Type: ";
	static const char tail[] = "\r\n--B--\r\n";
	size_t hl = sizeof(head) - 1, cl = strlen(ct), tl = sizeof(tail) - 1;
	char *m = xmalloc(hl + cl + 4 + status_len + tl);

	memcpy(m, head, hl);
	memcpy(m + hl, ct, cl);
	memcpy(m + hl + cl, "\r\n\r\n", 4);
	memcpy(m + hl + cl + 4, status, status_len);
	memcpy(m + hl + cl + 4 + status_len, tail, tl);
	*len_r = hl + cl + 4 + status_len + tl;
	return m;
}

START_TEST(test_parse_hands_over_the_report)
{
	size_t len;
	char *raw = report_message("message/delivery-status", attack, sizeof(attack) - 1, &len);
	struct mime_message *m = mime_parse(raw, len);
	const struct mime_dsn_recipient *r;

	ck_assert_ptr_nonnull(m->dsn);
	ck_assert_uint_eq(m->dsn->n_recipients, 2);
	r = mime_dsn_main(m->dsn);
	ck_assert_str_eq(r->action, "failed");
	ck_assert_str_eq(r->final_recipient, "rfc822; carla@customer.example");
	ck_assert_str_eq(r->diagnostic, "smtp; 550 5.1.1 <carla@customer.example>: mailbox unavailable (over quota)");
	mime_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(test_parse_global_status_and_none)
{
	static const char status[] = "Reporting-MTA: dns; mx\n\nFinal-Recipient: utf-8; j\xc3\xbcrgen@x\nAction: failed\n";
	size_t len;
	char *raw = report_message("Message/Global-Delivery-Status", status, sizeof(status) - 1, &len);
	struct mime_message *m = mime_parse(raw, len);

	ck_assert_ptr_nonnull(m->dsn);
	ck_assert_str_eq(m->dsn->recipients[0].final_recipient, "utf-8; j\xc3\xbcrgen@x");
	mime_message_free(&m);
	free(raw);
	/* An empty status part and a message without one: no report. */
	raw = report_message("message/delivery-status", "", 0, &len);
	m = mime_parse(raw, len);
	ck_assert_ptr_null(m->dsn);
	mime_message_free(&m);
	free(raw);
	raw = report_message("text/plain", status, sizeof(status) - 1, &len);
	m = mime_parse(raw, len);
	ck_assert_ptr_null(m->dsn);
	mime_message_free(&m);
	free(raw);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime-dsn");
	TCase *tc = tcase_create("dsn");
	SRunner *sr;
	int failed;

	mime_init();
	tcase_add_test(tc, test_dsn_fields);
	tcase_add_test(tc, test_dsn_missing_and_bounds);
	tcase_add_test(tc, test_dsn_attack_groups_folding_cr_nul);
	tcase_add_test(tc, test_dsn_groups_blank_lines);
	tcase_add_test(tc, test_dsn_first_field_of_a_name_wins);
	tcase_add_test(tc, test_dsn_every_truncation_is_clean);
	tcase_add_test(tc, test_parse_hands_over_the_report);
	tcase_add_test(tc, test_parse_global_status_and_none);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	mime_shutdown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
