/* Reply/quote separation (lib/text): what real mail clients write above the
 * quoted history, and the texts that only look like it. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

struct quote_case {
	const char *situation;
	const char *text;
	const char *new_part; /* NULL: the whole text is new */
};

static const struct quote_case quote_cases[] = {
	/* ---- attribution lines ---- */
	{ "Gmail English",
	  "Thanks, that fixed it.\n\n"
	  "On Mon, Nov 3, 2026 at 10:00 AM Carla Diaz <carla@example.com> wrote:\n\n"
	  "> Please restart the router.\n> \n> Carla\n",
	  "Thanks, that fixed it.\n\n" },
	{ "Gmail attribution wrapped onto two lines",
	  "Works now.\n\nOn Mon, 3 Nov 2026 at 10:00, Carla\n<carla@example.com> wrote:\n"
	  "> Please restart.\n",
	  "Works now.\n\n" },
	{ "Apple Mail (macOS)",
	  "Sure, Tuesday works.\n\n"
	  "On 3 Nov 2026, at 10:00, Carla Diaz <carla@example.com> wrote:\n\n"
	  "> Can we meet?\n",
	  "Sure, Tuesday works.\n\n" },
	{ "Apple Mail (iPhone) quotes its attribution too",
	  "Sure.\n\nSent from my iPhone\n\n"
	  "> On 3 Nov 2026, at 10:00, Carla Diaz <carla@example.com> wrote:\n> \n> Can we meet?\n",
	  "Sure.\n\nSent from my iPhone\n\n" },
	{ "Thunderbird",
	  "Yes, please close it.\n\nOn 03/11/2026 10:00, Carla Diaz wrote:\n"
	  "> Can we close the ticket?\n",
	  "Yes, please close it.\n\n" },
	{ "German",
	  "Danke, das hat geholfen.\n\n"
	  "Am 03.11.2026 um 10:00 schrieb Carla Diaz <carla@example.com>:\n> Bitte neu starten.\n",
	  "Danke, das hat geholfen.\n\n" },
	{ "Spanish",
	  "Gracias.\n\n"
	  "El lun, 3 nov 2026 a las 10:00, Carla Diaz (<carla@example.com>) escribió:\n> Hola\n",
	  "Gracias.\n\n" },
	{ "French",
	  "Merci.\n\n"
	  "Le lun. 3 nov. 2026 à 10:00, Carla Diaz <carla@example.com> a écrit :\n> Bonjour\n",
	  "Merci.\n\n" },
	{ "French with a narrow no-break space before the colon",
	  "Merci.\n\n"
	  "Le lun. 3 nov. 2026 à 10:00, Carla Diaz <carla@example.com> a écrit\xe2\x80\xaf:\n> Bonjour\n",
	  "Merci.\n\n" },
	{ "Dutch",
	  "Dank je.\n\n"
	  "Op ma 3 nov. 2026 om 10:00 schreef Carla Diaz <carla@example.com>:\n> Hallo\n",
	  "Dank je.\n\n" },
	{ "Italian",
	  "Grazie.\n\n"
	  "Il giorno lun 3 nov 2026 alle ore 10:00 Carla Diaz <carla@example.com> ha scritto:\n> Ciao\n",
	  "Grazie.\n\n" },
	{ "Portuguese",
	  "Obrigado.\n\n"
	  "Em seg., 3 de nov. de 2026 às 10:00, Carla Diaz <carla@example.com> escreveu:\n> Olá\n",
	  "Obrigado.\n\n" },
	{ "history converted from HTML is not quoted with '>'",
	  "Fine.\n\nOn 3 Nov 2026, at 10:00, Carla wrote:\nPlease restart.\nCarla\n",
	  "Fine.\n\n" },
	{ "attribution indented",
	  "Thanks\n   On 3 Nov 2026, Carla wrote:\n> x\n",
	  "Thanks\n" },
	{ "attribution is the last line, without LF",
	  "Thanks\nOn 3 Nov 2026, Carla wrote:",
	  "Thanks\n" },

	/* ---- Outlook ---- */
	{ "Outlook desktop: Original Message",
	  "Please see attached.\n\nRegards,\nBob\n\n-----Original Message-----\n"
	  "From: Carla Diaz <carla@example.com>\nSent: Monday, November 3, 2026 10:00 AM\n"
	  "To: Bob\nSubject: RE: Invoice\n\nHello Bob\n",
	  "Please see attached.\n\nRegards,\nBob\n\n" },
	{ "Outlook Express: Original Message with spaces",
	  "Ok.\n\n----- Original Message -----\nFrom: Carla\nTo: Bob\n\nHello\n",
	  "Ok.\n\n" },
	{ "Thunderbird: eight dashes Original Message",
	  "Ok.\n-------- Original Message --------\nSubject: Invoice\n",
	  "Ok.\n" },
	{ "Outlook German: Ursprüngliche Nachricht",
	  "Erledigt.\n\n-----Ursprüngliche Nachricht-----\nVon: Carla\n"
	  "Gesendet: Montag, 3. November 2026 10:00\nAn: Bob\nBetreff: Rechnung\n\nHallo\n",
	  "Erledigt.\n\n" },
	{ "Outlook Spanish: Mensaje original",
	  "Listo.\n\n-----Mensaje original-----\nDe: Carla\nEnviado el: lunes\n\nHola\n",
	  "Listo.\n\n" },
	{ "Outlook From:/Sent: header block",
	  "Got it, thanks.\n\nFrom: Carla Diaz <carla@example.com>\n"
	  "Sent: Monday, November 3, 2026 10:00 AM\nTo: Bob <bob@example.com>\nSubject: Invoice\n\nHello Bob\n",
	  "Got it, thanks.\n\n" },
	{ "Outlook header block in bold (*From:*)",
	  "Got it.\n\n*From:* Carla Diaz\n*Sent:* Monday, November 3, 2026 10:00 AM\n\nHello\n",
	  "Got it.\n\n" },
	{ "Outlook Spanish header block De:/Enviado:",
	  "Listo.\n\nDe: Carla Diaz\nEnviado: lunes, 3 de noviembre de 2026 10:00\nPara: Bob\n\nHola\n",
	  "Listo.\n\n" },
	{ "Outlook German header block Von:/Gesendet:",
	  "Erledigt.\nVon: Carla Diaz\nGesendet: Montag, 3. November 2026 10:00\n\nHallo\n",
	  "Erledigt.\n" },
	{ "Outlook header block: Date on the second line after From",
	  "Ok.\n\nFrom: Carla Diaz\n  <carla@example.com>\nDate: Monday\n\nHello\n",
	  "Ok.\n\n" },
	{ "Outlook web: underscores then From",
	  "Done.\n\n________________________________\nFrom: Carla Diaz <carla@example.com>\n"
	  "Sent: Monday, November 3, 2026 10:00\nTo: Bob\nSubject: Invoice\n\nHello\n",
	  "Done.\n\n" },
	{ "Outlook web: underscores, blank line, then From",
	  "Done.\n________________________________\n\nFrom: Carla\nHello\n",
	  "Done.\n" },

	/* ---- forwards: the forwarded mail is history ---- */
	{ "Gmail forward",
	  "FYI, see below.\n\n---------- Forwarded message ---------\n"
	  "From: Carla <carla@example.com>\nDate: Mon, Nov 3, 2026 at 10:00 AM\nSubject: Invoice\n"
	  "To: <bob@example.com>\n\nHello\n",
	  "FYI, see below.\n\n" },
	{ "Thunderbird forward",
	  "FYI\n\n-------- Forwarded Message --------\nSubject: Invoice\n\nHello\n",
	  "FYI\n\n" },
	{ "Apple Mail forward",
	  "See below.\n\nBegin forwarded message:\n\nFrom: Carla\nSubject: Invoice\n\nHello\n",
	  "See below.\n\n" },

	/* ---- our marker ---- */
	{ "our marker",
	  "The printer works again.\n\n" TEXT_REPLY_MARKER "\n\nCarla (Support) wrote:\nPlease restart it.\n",
	  "The printer works again.\n\n" },
	{ "our marker quoted, history below it not quoted",
	  "Thanks\n\n> " TEXT_REPLY_MARKER "\nCarla (Support) wrote:\nPlease restart it.\n",
	  "Thanks\n\n" },
	{ "our marker inside decoration",
	  "Thanks\n<< " TEXT_REPLY_MARKER " >>\nTicket #12\n",
	  "Thanks\n" },
	{ "our marker wins over a later attribution",
	  "A\n" TEXT_REPLY_MARKER "\nB\nOn 3 Nov 2026, Carla wrote:\n> x\n",
	  "A\n" },

	/* ---- '>' quotes without attribution ---- */
	{ "top-posted, quote at the end",
	  "Thanks, done.\n\n> Please restart the router.\n> Carla\n",
	  "Thanks, done.\n\n" },
	{ "top-posted, blank lines inside and after the quote",
	  "Thanks\n\n> q\n\n>> older\n\n\n",
	  "Thanks\n\n" },
	{ "inline interleaved replies are not cut",
	  "> Did you restart it?\nYes, twice.\n\n> Is the light green?\nNo, red.\n",
	  NULL },
	{ "inline replies under an attribution are not cut",
	  "On 3 Nov 2026, Carla wrote:\n> Did you restart it?\nYes.\n\n> Is the light green?\nRed.\n",
	  NULL },
	{ "bottom-posted reply is not cut",
	  "> Did you restart it?\n\nYes, twice.\n",
	  NULL },
	{ "inline replies: only the quote after the last answer is cut",
	  "> q1\nans1\n> q2\n",
	  "> q1\nans1\n" },
	{ "only quoted text",
	  "> old text\n> more\n",
	  "" },

	/* ---- nothing to cut ---- */
	{ "no quote at all",
	  "Hello,\nmy printer is broken.\n",
	  NULL },
	{ "empty text", "", NULL },
	{ "\"wrote:\" in a sentence",
	  "As Carla wrote: restart the router.\nOn Monday I wrote: restart it.\nIt works.\n",
	  NULL },
	{ "\"On ... wrote:\" line without a date is a sentence",
	  "On Monday, my colleague wrote:\nrestart it, and it worked.\n",
	  NULL },
	{ "a finished sentence does not wrap into an attribution",
	  "On 3 May we met.\nThen Carla wrote:\nplease call\n",
	  NULL },
	{ "\"From:\" in new text without more header lines",
	  "From: the accounting department I heard nothing.\nPlease check.\n",
	  NULL },
	{ "underscores without a From line (a form to sign)",
	  "Sign here:\n______________________________\nCarla\n",
	  NULL },
	{ "dashes around other words",
	  "Notes\n----- Agenda -----\n1. Budget\n",
	  NULL },

	/* ---- line ends, signatures, first line ---- */
	{ "CRLF input",
	  "Thanks.\r\n\r\nOn Mon, Nov 3, 2026 at 10:00 AM Carla <carla@example.com> wrote:\r\n> Restart.\r\n",
	  "Thanks.\r\n\r\n" },
	{ "CRLF Outlook header block",
	  "Ok\r\n\r\nFrom: Carla\r\nSent: Monday\r\n\r\nHello\r\n",
	  "Ok\r\n\r\n" },
	{ "CRLF top-posted quote",
	  "Ok\r\n> q\r\n",
	  "Ok\r\n" },
	{ "signature \"-- \" is kept",
	  "Thanks!\n\n-- \nCarla Diaz\nACME Corp\n\n"
	  "On Mon, Nov 3, 2026 at 10:00 AM Bob <bob@example.com> wrote:\n> Hi\n",
	  "Thanks!\n\n-- \nCarla Diaz\nACME Corp\n\n" },
	{ "attribution on the first line: no new text",
	  "On Mon, Nov 3, 2026 at 10:00 AM Carla <carla@example.com> wrote:\n> Hi\n",
	  "" },
	{ "Original Message on the first line: no new text",
	  "-----Original Message-----\nFrom: Carla\nSent: Monday\n\nHi\n",
	  "" },
};

/* Copies text into a heap block of exactly its length (no NUL), so an
 * over-read shows under AddressSanitizer. */
static char *exact_copy(const char *text, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, text, len);
	return p;
}

START_TEST(test_quote_new_part_matches_client)
{
	const struct quote_case *c = &quote_cases[_i];
	size_t len = strlen(c->text);
	const char *want = c->new_part != NULL ? c->new_part : c->text;
	char *text = exact_copy(c->text, len);
	size_t got = text_reply_new_len(text, len);

	ck_assert_msg(got == strlen(want) && memcmp(text, want, got) == 0,
		      "%s: new part is \"%.*s\" (%zu bytes), want \"%s\"",
		      c->situation, (int)got, text, got, want);
	free(text);
}
END_TEST

/* Every prefix of every case: the cut stays inside the text, at a line
 * start, and nothing is read past len. */
START_TEST(test_quote_cut_is_a_line_start_for_every_truncation)
{
	const struct quote_case *c = &quote_cases[_i];
	size_t full = strlen(c->text);

	for (size_t len = 0; len <= full; len++) {
		char *text = exact_copy(c->text, len);
		size_t got = text_reply_new_len(text, len);
		ck_assert_msg(got <= len, "%s: cut %zu past length %zu", c->situation, got, len);
		ck_assert_msg(got == 0 || got == len || text[got - 1] == '\n',
			      "%s: cut %zu of %zu is inside a line", c->situation, got, len);
		free(text);
	}
}
END_TEST

START_TEST(test_quote_null_empty_text_is_zero)
{
	ck_assert_uint_eq(text_reply_new_len(NULL, 0), 0);
}
END_TEST

/* A 400-byte line is a paragraph even if it is shaped like an attribution. */
START_TEST(test_quote_overlong_attribution_is_not_cut)
{
	char text[600];
	size_t len;

	memset(text, 0, sizeof(text));
	strcpy(text, "New\nOn 3 Nov 2026, ");
	len = strlen(text);
	memset(text + len, 'x', 400);
	strcpy(text + len + 400, " wrote:\nold\n");
	ck_assert_uint_eq(text_reply_new_len(text, strlen(text)), strlen(text));

	strcpy(text + len + 300, " wrote:\nold\n");
	ck_assert_uint_eq(text_reply_new_len(text, strlen(text)), 4);
}
END_TEST

/* Only the bytes before len count: a separator past len is not seen. */
START_TEST(test_quote_reads_only_len_bytes)
{
	const char *text = "Thanks\nOn 3 Nov 2026, Carla wrote:\n> x\n";

	ck_assert_uint_eq(text_reply_new_len(text, 7), 7);
	ck_assert_uint_eq(text_reply_new_len(text, strlen(text)), 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("quote");
	TCase *tc = tcase_create("reply");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_quote_new_part_matches_client, 0, N_ELEMENTS(quote_cases));
	tcase_add_loop_test(tc, test_quote_cut_is_a_line_start_for_every_truncation, 0, N_ELEMENTS(quote_cases));
	tcase_add_test(tc, test_quote_null_empty_text_is_zero);
	tcase_add_test(tc, test_quote_overlong_attribution_is_not_cut);
	tcase_add_test(tc, test_quote_reads_only_len_bytes);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
