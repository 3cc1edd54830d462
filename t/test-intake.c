/* lib/intake: form field specs, submissions checked per field (the attacks
 * a stranger's form post tries), urlencoded bodies at every split point,
 * the signed stamp, the HTML form escaped, chat and event JSON. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/intake.h"

/* The fields of "form add contact ... name:required email:required:email order message:required:text". */
static void contact_fields(struct intake_field f[4])
{
	static const char *const specs[] = { "name:required", "email:required:email", "order", "message:required:text" };
	char *error = NULL;

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(intake_field_spec_parse(specs[i], &f[i], &error), 0);
	ck_assert_int_eq(intake_fields_check(f, 4, &error), 0);
}

START_TEST(field_specs)
{
	struct intake_field f;
	char *error = NULL;

	ck_assert_int_eq(intake_field_spec_parse("email", &f, &error), 0);
	ck_assert_int_eq(f.type, INTAKE_EMAIL);
	ck_assert(!f.required);
	ck_assert_int_eq(intake_field_spec_parse("note:text:required", &f, &error), 0);
	ck_assert_int_eq(f.type, INTAKE_TEXT);
	ck_assert(f.required);
	static const char *const bad[] = { "Name", "", "1x", "a-b", "x:required:required", "x:text:line", "x:big",
					   INTAKE_HONEYPOT, INTAKE_STAMP ":line",
					   "abcdefghijklmnopqrstuvwxyz0123456789" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(intake_field_spec_parse(bad[i], &f, &error) == -1, "accepted %s", bad[i]);
		free(error);
		error = NULL;
	}
}
END_TEST

START_TEST(fields_as_a_whole)
{
	struct intake_field f[3];
	char *error = NULL;

	intake_field_spec_parse("email:required", &f[0], &error);
	intake_field_spec_parse("email:line", &f[1], &error);
	ck_assert_int_eq(intake_fields_check(f, 2, &error), -1);
	ck_assert_str_eq(error, "field \"email\" is named twice");
	free(error);
	intake_field_spec_parse("name", &f[1], &error);
	intake_field_spec_parse("mail2:required:email", &f[2], &error);
	ck_assert_int_eq(intake_fields_check(f, 3, &error), -1);
	free(error);
	intake_field_spec_parse("email", &f[0], &error);
	ck_assert_int_eq(intake_fields_check(f, 1, &error), -1);
	ck_assert(strstr(error, "must be required") != NULL);
	free(error);
}
END_TEST

/* One submission (urlencoded) and the problems expected: "field:code ...". */
static const struct {
	const char *body, *want;
} submissions[] = {
	{ "name=Ana&email=ana%40x.example&message=Hola", "" },
	{ "name=Ana&email=ana%40x.example&message=Hola&order=A-1&website=&md_stamp=1", "" },
	{ "email=ana%40x.example&message=Hola", "name:required" },
	{ "name=+++&email=ana%40x.example&message=Hola", "name:required" },
	{ "name=Ana&email=not-an-address&message=Hola", "email:invalid" },
	{ "name=Ana&email=a%40b&message=Hola", "email:invalid" },
	{ "name=Ana&email=%3Cx%3E%40y.example&message=Hola", "email:invalid" },
	{ "name=Ana&email=ana%40x.example&message=Hola&admin=1", "admin:unknown" },
	{ "name=Ana&email=ana%40x.example&email=eve%40x.example&message=Hola", "email:repeated" },
	{ "name=A%0Ana&email=ana%40x.example&message=Hola", "name:invalid" },
	{ "name=Ana&email=ana%40x.example&message=Hola%00", "message:invalid" },
	{ "name=Ana&email=ana%40x.example&message=%FF%FE", "message:invalid" },
	{ "name=Ana&email=ana%40x.example&message=Hola&order=a+b", "order:invalid" },
	{ "name=Ana&email=ana%40x.example&message=L%C3%ADnea%0D%0Ados%09", "" },
	{ "", "name:required email:required message:required" },
	/* found by fuzz-intake: a blank optional line field with a line break */
	{ "name=Ana&email=ana%40x.example&message=Hola&order=%0A", "order:invalid" },
};

START_TEST(submission_checked_per_field)
{
	struct intake_field f[4];
	struct intake_pairs p;
	struct intake_form_errors errs;
	char got[256] = "", *error = NULL;
	const char *body = submissions[_i].body;

	contact_fields(f);
	ck_assert_int_eq(intake_urlencoded_parse(body, strlen(body), 100, &p, &error), 0);
	intake_form_check(f, 4, &p, &errs);
	for (size_t i = 0; i < errs.n; i++) {
		strcat(got, i > 0 ? " " : "");
		strcat(got, errs.v[i].field);
		strcat(got, ":");
		strcat(got, errs.v[i].code);
	}
	ck_assert_str_eq(got, submissions[_i].want);
	intake_pairs_free(&p);
}
END_TEST

START_TEST(urlencoded_at_every_split)
{
	const char *body = "a=1&b=x+y%21&c=&d&=e&f=%C3%A9";
	size_t len = strlen(body);
	struct intake_pairs p;
	char *error = NULL;

	ck_assert_int_eq(intake_urlencoded_parse(body, len, 10, &p, &error), 0);
	ck_assert_uint_eq(p.n, 6);
	ck_assert_str_eq(intake_pairs_get(&p, "b")->value, "x y!");
	ck_assert_str_eq(intake_pairs_get(&p, "d")->value, "");
	ck_assert_str_eq(intake_pairs_get(&p, "")->value, "e");
	ck_assert_str_eq(intake_pairs_get(&p, "f")->value, "\xc3\xa9");
	intake_pairs_free(&p);
	/* A body cut anywhere still parses (or is refused) without reading past its end. */
	for (size_t cut = 0; cut <= len; cut++) {
		char *copy = malloc(cut + 1);

		memcpy(copy, body, cut);
		if (intake_urlencoded_parse(copy, cut, 10, &p, &error) < 0) {
			free(error);
			error = NULL;
		}
		intake_pairs_free(&p);
		free(copy);
	}
	static const char *const bad[] = { "a=%4", "a=%zz", "%00=1", "a=%" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(intake_urlencoded_parse(bad[i], strlen(bad[i]), 10, &p, &error) == -1, "%s", bad[i]);
		intake_pairs_free(&p);
		free(error);
	}
	ck_assert_int_eq(intake_urlencoded_parse("a&b&c", 5, 2, &p, &error), -1);
	intake_pairs_free(&p);
	free(error);
}
END_TEST

START_TEST(stamp_signed_and_timed)
{
	const char *why;
	char *st = intake_stamp_make("s3cret-s3cret-s3cret-s3cret-s3cret", "contact", 1000);

	ck_assert_int_eq(intake_stamp_check("s3cret-s3cret-s3cret-s3cret-s3cret", "contact", st, 1005, 3, 86400, &why), 1);
	ck_assert_int_eq(intake_stamp_check("s3cret-s3cret-s3cret-s3cret-s3cret", "contact", st, 1001, 3, 86400, &why), 0);
	ck_assert_int_eq(intake_stamp_check("s3cret-s3cret-s3cret-s3cret-s3cret", "other", st, 1005, 3, 86400, &why), -1);
	ck_assert_int_eq(intake_stamp_check("another-secret-another-secret-xx", "contact", st, 1005, 3, 86400, &why), -1);
	ck_assert_int_eq(intake_stamp_check("s3cret-s3cret-s3cret-s3cret-s3cret", "contact", st, 100000, 3, 86400, &why), -1);
	st[0] = '9'; /* an earlier time under the same MAC */
	ck_assert_int_eq(intake_stamp_check("s3cret-s3cret-s3cret-s3cret-s3cret", "contact", st, 1005, 3, 86400, &why), -1);
	free(st);
	ck_assert_int_eq(intake_stamp_check("k", "contact", NULL, 1, 0, 10, &why), -1);
	ck_assert_int_eq(intake_stamp_check("k", "contact", "", 1, 0, 10, &why), -1);
	ck_assert_int_eq(intake_stamp_check("k", "contact", "-1.00", 1, 0, 10, &why), -1);
}
END_TEST

START_TEST(html_escapes_everything)
{
	struct intake_field f[4];
	contact_fields(f);
	const struct intake_form_view v = { .name = "contact", .title = "<script>alert(1)</script> & \"q\"",
					    .action = "/v1/forms/contact\"><x", .stamp = "1.ab", .fields = f,
					    .n_fields = 4, .page = true };
	char *html = intake_form_html(&v);

	ck_assert(strstr(html, "<script>") == NULL);
	ck_assert(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;") != NULL);
	ck_assert(strstr(html, "action=\"/v1/forms/contact&quot;&gt;&lt;x\"") != NULL);
	ck_assert(strstr(html, "<textarea id=\"md-message\" name=\"message\"") != NULL);
	ck_assert(strstr(html, "type=\"email\" name=\"email\"") != NULL);
	ck_assert(strstr(html, "name=\"" INTAKE_HONEYPOT "\"") != NULL);
	ck_assert(strstr(html, "name=\"" INTAKE_STAMP "\" value=\"1.ab\"") != NULL);
	free(html);
}
END_TEST

static const char chat_ok[] =
	"{\"chat_id\": \"c-1\", \"participants\": [{\"id\": \"u\", \"role\": \"customer\", \"name\": \"Ana\","
	" \"email\": \"ana@x.example\"}, {\"id\": \"a\", \"role\": \"agent\"}],"
	" \"messages\": [{\"from\": \"u\", \"at\": \"2026-01-01T00:00:00Z\", \"text\": \"hola\\nque tal\"},"
	" {\"from\": \"a\", \"text\": \"dime\"}]}";

START_TEST(chat_transcript)
{
	struct intake_chat c;
	char *error = NULL, *text;

	ck_assert_int_eq(intake_chat_parse(chat_ok, strlen(chat_ok), &c, &error), 0);
	ck_assert_str_eq(c.customer->email, "ana@x.example");
	text = intake_chat_text(&c, NULL);
	ck_assert_str_eq(text, "Chat c-1\n\n[2026-01-01T00:00:00Z] Ana (customer):\nhola\nque tal\n\na (agent):\ndime\n\n");
	free(text);
	intake_chat_free(&c);
}
END_TEST

/* Transcripts refused, and what the error names. */
static const struct {
	const char *json, *error;
} bad_chats[] = {
	{ "[]", "the body must be a JSON object" },
	{ "{\"chat_id\": \"c\"", "not valid JSON" },
	{ "{\"chat_id\": \"c\", \"chat_id\": \"d\"}", "not valid JSON" },
	{ "{\"participants\": []}", "chat_id: required" },
	{ "{\"chat_id\": 5}", "chat_id: must be a string" },
	{ "{\"chat_id\": \"a\\u0000b\"}", "not valid JSON" },
	{ "{\"chat_id\": \"a\\nb\"}", "chat_id: must be one line" },
	{ "{\"chat_id\": \"c\", \"x\": 1}", "\"x\": unknown member" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"agent\"}], \"messages\": []}",
	  "participants: exactly one has the role customer" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"customer\"}], \"messages\": []}",
	  "participants: the customer needs an email" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"customer\", \"email\": \"x\"}]}",
	  "participants[0].email: not an e-mail address" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"boss\"}]}",
	  "participants[0].role: customer, agent or bot" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"customer\", \"email\": \"a@b.c\"}],"
	  " \"messages\": [{\"from\": \"v\", \"text\": \"t\"}]}",
	  "messages[0].from: no participant has this id" },
	{ "{\"chat_id\": \"c\", \"participants\": [{\"id\": \"u\", \"role\": \"customer\", \"email\": \"a@b.c\"}],"
	  " \"messages\": []}",
	  "messages: an array of 1-2000 objects" },
};

START_TEST(chat_refused)
{
	struct intake_chat c;
	char *error = NULL;

	ck_assert_int_eq(intake_chat_parse(bad_chats[_i].json, strlen(bad_chats[_i].json), &c, &error), -1);
	ck_assert_msg(strstr(error, bad_chats[_i].error) != NULL, "%s: got %s", bad_chats[_i].json, error);
	free(error);
	intake_chat_free(&c);
}
END_TEST

START_TEST(shop_event)
{
	static const char json[] = "{\"type\": \"rating.bad_with_comment\", \"order\": \"1042\", \"rating\": 1,"
				   " \"comment\": \"roto\", \"customer\": {\"email\": \"a@b.example\", \"name\": \"A\"}}";
	struct intake_event e;
	char *error = NULL, *text;

	ck_assert_int_eq(intake_event_parse(json, strlen(json), &e, &error), 0);
	ck_assert_int_eq(e.rating, 1);
	text = intake_event_text(&e, NULL);
	ck_assert_str_eq(text, "Event: rating.bad_with_comment\nOrder: 1042\nCustomer: A <a@b.example>\n"
			       "Rating: 1 of 5\n\nComment:\nroto\n");
	free(text);
	intake_event_free(&e);
	static const char *const bad[] = {
		"{\"type\": \"Rating\", \"order\": \"1\", \"customer\": {\"email\": \"a@b.example\"}}",
		"{\"type\": \"rating.\", \"order\": \"1\", \"customer\": {\"email\": \"a@b.example\"}}",
		"{\"type\": \"r\", \"order\": \"a b\", \"customer\": {\"email\": \"a@b.example\"}}",
		"{\"type\": \"r\", \"order\": \"1\"}",
		"{\"type\": \"r\", \"order\": \"1\", \"customer\": {\"email\": \"a@b.example\", \"x\": 1}}",
		"{\"type\": \"r\", \"order\": \"1\", \"customer\": {\"email\": \"a@b.example\"}, \"rating\": 6}",
		"{\"type\": \"r\", \"order\": \"1\", \"customer\": {\"email\": \"a@b.example\"}, \"rating\": \"1\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(intake_event_parse(bad[i], strlen(bad[i]), &e, &error) == -1, "%s", bad[i]);
		free(error);
		intake_event_free(&e);
	}
}
END_TEST

#define CT "multipart/form-data; boundary=----xYz"
static const char mp_ok[] = "preamble\r\n------xYz\r\n"
			    "Content-Disposition: form-data; name=\"email\"\r\n\r\n"
			    "ana@x.example\r\n------xYz\r\n"
			    "Content-Disposition: form-data; name=\"website\"\r\n\r\n"
			    "\r\n------xYz\r\n"
			    "Content-Disposition: form-data; name=\"attachment\"; filename=\"a b.txt\"\r\n"
			    "Content-Type: text/plain\r\n\r\n"
			    "line1\r\n--not the boundary\r\n\r\n------xYz--\r\n";

START_TEST(multipart_values_and_files)
{
	struct intake_pairs v;
	struct intake_files f;
	char *error = NULL;
	size_t len = sizeof(mp_ok) - 1;

	ck_assert_int_eq(intake_multipart_parse(CT, mp_ok, len, 10, &v, &f, &error), 0);
	ck_assert_uint_eq(v.n, 2);
	ck_assert_str_eq(intake_pairs_get(&v, "email")->value, "ana@x.example");
	ck_assert_str_eq(intake_pairs_get(&v, "website")->value, "");
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(f.v[0].filename, "a b.txt");
	ck_assert_str_eq(f.v[0].content_type, "text/plain");
	ck_assert_uint_eq(f.v[0].size, strlen("line1\r\n--not the boundary\r\n"));
	intake_pairs_free(&v);
	intake_files_free(&f);
	/* Cut anywhere before the close delimiter: refused, never read past the end. */
	for (size_t cut = 0; cut < len - 4; cut++) {
		char *copy = malloc(cut + 1);

		memcpy(copy, mp_ok, cut);
		ck_assert_int_eq(intake_multipart_parse(CT, copy, cut, 10, &v, &f, &error), -1);
		free(error);
		intake_pairs_free(&v);
		intake_files_free(&f);
		free(copy);
	}
	ck_assert_int_eq(intake_multipart_parse(CT, mp_ok, len, 2, &v, &f, &error), -1);
	ck_assert_str_eq(error, "more than 2 parts");
	free(error);
	intake_pairs_free(&v);
	intake_files_free(&f);
	static const char *const bad_ct[] = { "multipart/form-data", "multipart/form-data; boundary=",
					      "text/plain; boundary=x", "multipart/form-data; boundary=\"a\x01\"" };
	for (size_t i = 0; i < sizeof(bad_ct) / sizeof(bad_ct[0]); i++) {
		ck_assert_int_eq(intake_multipart_parse(bad_ct[i], mp_ok, len, 10, &v, &f, &error), -1);
		free(error);
		intake_pairs_free(&v);
		intake_files_free(&f);
	}
	static const char noname[] = "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--";
	ck_assert_int_eq(intake_multipart_parse("multipart/form-data; boundary=b", noname, sizeof(noname) - 1, 10,
						&v, &f, &error), -1);
	ck_assert(strstr(error, "without Content-Disposition") != NULL);
	free(error);
	intake_pairs_free(&v);
	intake_files_free(&f);
}
END_TEST

/* A file's Content-Type is cut to type/subtype; anything that could become
 * a header or a line of mail (a bare LF) is application/octet-stream. */
START_TEST(multipart_file_content_type)
{
	static const struct {
		const char *sent, *kept;
	} cases[] = {
		{ "text/plain", "text/plain" },
		{ "Image/PNG; name=x.png", "image/png" },
		{ "text/plain\nX-Injected: yes\n\nURGENT: log in", "application/octet-stream" },
		{ "text/plain; a=b\nX-Injected: yes", "application/octet-stream" },
		{ "text plain", "application/octet-stream" },
		{ "text/", "application/octet-stream" },
		{ "/plain", "application/octet-stream" },
		{ "a/b/c", "application/octet-stream" },
		{ "text/pl\"ain", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char body[512];
		struct intake_pairs v;
		struct intake_files f;
		char *error = NULL;
		int n = snprintf(body, sizeof(body),
				 "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n"
				 "Content-Type: %s\r\n\r\ndata\r\n--b--\r\n",
				 cases[i].sent);

		ck_assert_int_eq(intake_multipart_parse("multipart/form-data; boundary=b", body, (size_t)n, 10, &v,
							&f, &error), 0);
		ck_assert_uint_eq(f.n, 1);
		ck_assert_msg(strcmp(f.v[0].content_type, cases[i].kept) == 0, "%s: %s", cases[i].sent,
			      f.v[0].content_type);
		intake_pairs_free(&v);
		intake_files_free(&f);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("intake");
	TCase *tc = tcase_create("intake");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, field_specs);
	tcase_add_test(tc, fields_as_a_whole);
	tcase_add_loop_test(tc, submission_checked_per_field, 0, sizeof(submissions) / sizeof(submissions[0]));
	tcase_add_test(tc, urlencoded_at_every_split);
	tcase_add_test(tc, stamp_signed_and_timed);
	tcase_add_test(tc, html_escapes_everything);
	tcase_add_test(tc, chat_transcript);
	tcase_add_loop_test(tc, chat_refused, 0, sizeof(bad_chats) / sizeof(bad_chats[0]));
	tcase_add_test(tc, shop_event);
	tcase_add_test(tc, multipart_values_and_files);
	tcase_add_test(tc, multipart_file_content_type);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
