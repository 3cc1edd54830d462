/* Outgoing messages: what mime_compose() writes parses back to what went
 * in, is 7-bit with CRLF line ends, and no input can inject a header. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime-compose.h"
#include "mime/mime.h"

static const char *const refs[] = { "first@customer.example", "md.1000.abc.k5x7q2m4p9z3w8ab@maildesk.test" };

/* A reply as an agent would send it, with hostile values in every field. */
static char *compose_sample(size_t *len_r, const char *subject, const char *name)
{
	struct mime_compose_addr to = { "Carla Müller", "carla@customer.example" };
	struct mime_compose_addr cc = { NULL, "ed@customer.example" };
	struct mime_compose_addr reply_to = { NULL, "support+1000-0-abc@demo.example" };
	static const unsigned char pdf[] = { '%', 'P', 'D', 'F', 0x00, 0xff, 0x10 };
	struct mime_compose_attachment att = { "factura ñ.pdf", "application/pdf", pdf, sizeof(pdf) };
	const char *names[] = { "Auto-Submitted" };
	const char *values[] = { "auto-replied" };
	struct mime_compose c = {
		.from = { name, "support@demo.example" },
		.reply_to = &reply_to,
		.to = &to, .n_to = 1, .cc = &cc, .n_cc = 1,
		.subject = subject,
		.date = 1795000000,
		.message_id = "md.1000.n1.abcdefghijklmnop@maildesk.test",
		.in_reply_to = "first@customer.example",
		.references = refs, .n_references = 2,
		.text = "Hola Carla,\n\nel pedido sale mañana. €\n\n-- \nAna\n",
		.attachments = &att, .n_attachments = 1,
		.extra_names = names, .extra_values = values, .n_extra = 1,
	};
	return mime_compose(&c, len_r);
}

START_TEST(composed_reply_parses_back)
{
	size_t len;
	char *raw = compose_sample(&len, "Re: [#1000] Pedido ñ", "Ana from Brand Support");
	struct mime_message *m = mime_parse(raw, len);

	ck_assert_str_eq(m->subject, "Re: [#1000] Pedido ñ");
	ck_assert_str_eq(m->from.name, "Ana from Brand Support");
	ck_assert_str_eq(m->from.addr, "support@demo.example");
	ck_assert_uint_eq(m->to.n, 1);
	ck_assert_str_eq(m->to.items[0].name, "Carla Müller");
	ck_assert_uint_eq(m->cc.n, 1);
	ck_assert_str_eq(m->reply_to.items[0].addr, "support+1000-0-abc@demo.example");
	ck_assert_str_eq(m->message_id, "md.1000.n1.abcdefghijklmnop@maildesk.test");
	ck_assert_str_eq(m->in_reply_to, "first@customer.example");
	ck_assert_uint_eq(m->n_references, 2);
	ck_assert_str_eq(m->references[1], refs[1]);
	ck_assert_int_eq(m->date, 1795000000);
	ck_assert_ptr_nonnull(strstr(m->text_body, "el pedido sale mañana. €"));
	ck_assert_uint_eq(m->n_attachments, 1);
	ck_assert_str_eq(m->attachments[0].filename, "factura ñ.pdf");
	ck_assert_uint_eq(m->attachments[0].size, 7);
	ck_assert_int_eq(memcmp(m->attachments[0].data, "%PDF\0\xff\x10", 7), 0);
	ck_assert_ptr_nonnull(strstr(m->header_block, "Auto-Submitted: auto-replied"));
	ck_assert_uint_eq(m->defects, 0);
	mime_message_free(&m);
	free(raw);
}
END_TEST

/* Text whose every character exists in ISO-8859-1 ("año", "ñ") is still
 * sent as the UTF-8 its label says (GMime's set_text would pick Latin-1
 * and the label would lie). */
START_TEST(latin1_representable_text_stays_utf8)
{
	struct mime_compose_addr to = { NULL, "carla@customer.example" };
	struct mime_compose c = {
		.from = { NULL, "support@demo.example" }, .to = &to, .n_to = 1, .subject = "x", .date = 1795000000,
		.message_id = "m@maildesk.test", .text = "Factura año.pdf, sale mañana\n",
	};
	size_t len;
	char *raw = mime_compose(&c, &len);
	struct mime_message *m = mime_parse(raw, len);

	ck_assert_ptr_nonnull(strstr(m->text_body, "Factura año.pdf, sale mañana"));
	ck_assert_uint_eq(m->defects, 0);
	mime_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(composed_message_is_7bit_with_crlf)
{
	size_t len;
	char *raw = compose_sample(&len, "Ünïcödé subject with a long tail that needs folding across lines for sure",
				   "Añа");

	ck_assert_uint_eq(strlen(raw), len);
	for (size_t i = 0; i < len; i++) {
		ck_assert_msg((unsigned char)raw[i] < 0x80, "8-bit byte at %zu", i);
		if (raw[i] == '\n')
			ck_assert_msg(i > 0 && raw[i - 1] == '\r', "bare LF at %zu", i);
		if (raw[i] == '\r')
			ck_assert_msg(i + 1 < len && raw[i + 1] == '\n', "bare CR at %zu", i);
	}
	free(raw);
}
END_TEST

/* Values with CR/LF (raw or hidden in what the agent typed) stay values. */
static const char *const injections[] = {
	"Hello\r\nBcc: victim@evil.example",
	"Hello\nBcc: victim@evil.example",
	"Hello\rBcc: victim@evil.example",
	"Hello\r\n\r\nbody injected",
};

START_TEST(header_values_cannot_inject_headers)
{
	size_t len;
	char *raw = compose_sample(&len, injections[_i], injections[_i]);
	struct mime_message *m = mime_parse(raw, len);
	const char *hdr_end = strstr(raw, "\r\n\r\n");

	ck_assert_ptr_nonnull(hdr_end);
	/* No header line starts with Bcc, and nothing was pushed into the body. */
	ck_assert_ptr_null(strstr(raw, "\r\nBcc:"));
	ck_assert_ptr_null(strstr(m->text_body, "body injected"));
	ck_assert_ptr_nonnull(strstr(m->subject, "Hello"));
	ck_assert_ptr_null(strchr(m->subject, '\n'));
	mime_message_free(&m);
	free(raw);
}
END_TEST

START_TEST(clean_replaces_control_characters)
{
	char *s = mime_header_value_clean("a\r\n\tb\x01" "c");
	ck_assert_str_eq(s, "a b c");
	free(s);
	s = mime_header_value_clean(NULL);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compose");
	TCase *tc = tcase_create("compose");
	SRunner *sr;
	int failed;

	mime_init();
	tcase_add_test(tc, composed_reply_parses_back);
	tcase_add_test(tc, composed_message_is_7bit_with_crlf);
	tcase_add_test(tc, latin1_representable_text_stays_utf8);
	tcase_add_loop_test(tc, header_values_cannot_inject_headers, 0, sizeof(injections) / sizeof(injections[0]));
	tcase_add_test(tc, clean_replaces_control_characters);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	mime_shutdown();
	return failed == 0 ? 0 : 1;
}
