/* Agent mail (lib/agent): the commands at the top of a reply, from tables
 * of replies with the expected commands, customer text and flags or the
 * exact error, and the loop-safety check from a table of incoming mails. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/xalloc.h"

#define NOW 1700000000 /* 2023-11-14 22:13:20 UTC */
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

enum { NOTE = 1, ONLY = 2 };

/* One reply. cmds renders the expected commands as "LINE:name[=arg]"
 * separated by spaces; snoozes as "LINE:snooze+SECONDS" (relative) or
 * "LINE:snooze@DATE[ TIME]=UNTIL" (absolute). text is the expected
 * customer text (the input from text_offset on). */
struct parse_case {
	const char *what;
	const char *in;
	int32_t tz;
	const char *cmds;
	const char *text;
	unsigned flags;
	const char *error; /* exact message; cmds/text/flags unused then */
	unsigned error_line;
};

static const struct parse_case parse_cases[] = {
	/* every command in its good forms */
	{ "close", "#close\nThanks, fixed.\n", 0, "1:close", "Thanks, fixed.\n", 0, NULL, 0 },
	{ "reopen", "#reopen\nLooking again.", 0, "1:reopen", "Looking again.", 0, NULL, 0 },
	{ "open", "#open\nStill on it.", 0, "1:open", "Still on it.", 0, NULL, 0 },
	{ "solve", "#Solve\nShipped today.", 0, "1:solve", "Shipped today.", 0, NULL, 0 },
	{ "#open takes no argument", "#open now\nx", 0, NULL, NULL, 0, "line 1: #open takes no argument, found \"now\"", 1 },
	{ "#solve conflicts with #open", "#solve\n#open\nx", 0, NULL, NULL, 0,
	  "line 2: #open conflicts with #solve on line 1", 2 },
	{ "#solve conflicts with #snooze", "#snooze 2d\n#solve\nx", 0, NULL, NULL, 0,
	  "line 2: #solve conflicts with #snooze 2d on line 1", 2 },
	{ "snooze days", "#snooze 3d\nx", 0, "1:snooze+259200", "x", 0, NULL, 0 },
	{ "snooze hours", "#snooze 2h\nx", 0, "1:snooze+7200", "x", 0, NULL, 0 },
	{ "snooze minutes", "#snooze 45m\nx", 0, "1:snooze+2700", "x", 0, NULL, 0 },
	{ "snooze weeks", "#snooze 1w\nx", 0, "1:snooze+604800", "x", 0, NULL, 0 },
	{ "snooze four digits", "#snooze 9999m\nx", 0, "1:snooze+599940", "x", 0, NULL, 0 },
	{ "snooze date means midnight in the agent's zone (UTC)", "#snooze 2026-12-01\nx", 0,
	  "1:snooze@2026-12-01=1796083200", "x", 0, NULL, 0 },
	{ "snooze date and time, UTC", "#snooze 2026-12-01 09:00\nx", 0,
	  "1:snooze@2026-12-01 09:00=1796115600", "x", 0, NULL, 0 },
	{ "snooze date and time, UTC+1 wakes an hour earlier", "#snooze 2026-12-01 09:00\nx", 3600,
	  "1:snooze@2026-12-01 09:00=1796112000", "x", 0, NULL, 0 },
	{ "snooze date and time, UTC-5 wakes five hours later", "#snooze 2026-12-01 09:00\nx", -18000,
	  "1:snooze@2026-12-01 09:00=1796133600", "x", 0, NULL, 0 },
	{ "snooze leap day, one-digit hour", "#snooze 2028-02-29 23:59\nx", 0,
	  "1:snooze@2028-02-29 23:59=1835481540", "x", 0, NULL, 0 },
	{ "assign address", "#assign ana@example.org\nx", 0, "1:assign=ana@example.org", "x", 0, NULL, 0 },
	{ "assign address in angle brackets, upper case", "#assign <Ana@Example.ORG>\nx", 0,
	  "1:assign=ana@example.org", "x", 0, NULL, 0 },
	{ "assign me", "#assign me\nx", 0, "1:assign=me", "x", 0, NULL, 0 },
	{ "unassign", "#unassign\nx", 0, "1:unassign", "x", 0, NULL, 0 },
	{ "tag one", "#tag refund\nx", 0, "1:tag=refund", "x", 0, NULL, 0 },
	{ "tag several, lower-cased, commas too", "#tag Refund vip, billing.eu,q4_2026\nx", 0,
	  "1:tag=refund 1:tag=vip 1:tag=billing.eu 1:tag=q4_2026", "x", 0, NULL, 0 },
	{ "untag several", "#untag spam new\nx", 0, "1:untag=spam 1:untag=new", "x", 0, NULL, 0 },
	{ "priority words", "#priority urgent\n#tag a\n", 0, "1:priority=3 2:tag=a", "", ONLY, NULL, 0 },
	{ "priority high", "#priority high\nx", 0, "1:priority=2", "x", 0, NULL, 0 },
	{ "priority medium", "#priority Medium\nx", 0, "1:priority=1", "x", 0, NULL, 0 },
	{ "priority low", "#priority low\nx", 0, "1:priority=0", "x", 0, NULL, 0 },
	{ "priority digit", "#priority 2\nx", 0, "1:priority=2", "x", 0, NULL, 0 },
	{ "priority digit 0", "#priority 0\nx", 0, "1:priority=0", "x", 0, NULL, 0 },
	{ "note", "#note\nCalled the customer, waiting.\n", 0, "1:note",
	  "Called the customer, waiting.\n", NOTE, NULL, 0 },
	{ "template", "#template refund-policy_v2.1\nx", 0, "1:template=refund-policy_v2.1", "x", 0, NULL, 0 },
	{ "two different templates are both kept", "#template a\n#template B\nx", 0,
	  "1:template=a 2:template=b", "x", 0, NULL, 0 },

	/* layout */
	{ "conflicts are found with names in any case", "#CLOSE\n#Tag X\n#PRIORITY HIGH\n#Snooze 2D\nx", 0, NULL, NULL, 0,
	  "line 4: #snooze 2D conflicts with #close on line 1", 4 },
	{ "names in any case, no conflict", "#CLOSE\n#Tag X\n#PRIORITY HIGH\n#Assign ME\nx", 0,
	  "1:close 2:tag=x 3:priority=2 4:assign=me", "x", 0, NULL, 0 },
	{ "leading and in-between blank lines", "\n  \n#close\n\n\t\n#tag a\n\nHello\n", 0,
	  "3:close 6:tag=a", "Hello\n", 0, NULL, 0 },
	{ "indented command, trailing spaces, tabs between words", "  #tag\ta \t b  \nx", 0,
	  "1:tag=a 1:tag=b", "x", 0, NULL, 0 },
	{ "no-break spaces from HTML mail", "\xc2\xa0#snooze\xc2\xa0" "3d\xc2\xa0\nx", 0, "1:snooze+259200", "x", 0, NULL, 0 },
	{ "text after commands keeps its '#' lines", "#close\nHi,\n#reopen is not a command here\n", 0,
	  "1:close", "Hi,\n#reopen is not a command here\n", 0, NULL, 0 },
	{ "only commands", "#close\n#tag done\n", 0, "1:close 2:tag=done", "", ONLY, NULL, 0 },
	{ "only commands and blank lines", "#close\n\n \n", 0, "1:close", "", ONLY, NULL, 0 },
	{ "only commands without final newline", "#close", 0, "1:close", "", ONLY, NULL, 0 },
	{ "only commands and a signature", "#close\n\n-- \nAna\nSupport\n", 0, "1:close",
	  "-- \nAna\nSupport\n", ONLY, NULL, 0 },
	{ "note and only commands", "#note\n", 0, "1:note", "", NOTE | ONLY, NULL, 0 },
	{ "no commands: the text is untouched", "\nHello\n#close\n", 0, "", "\nHello\n#close\n", 0, NULL, 0 },
	{ "empty reply", "", 0, "", "", ONLY, NULL, 0 },
	{ "blank reply without commands", "\n \n", 0, "", "\n \n", ONLY, NULL, 0 },
	{ "'#1' starts the text", "#1 reason is the cache\n#close\n", 0, "", "#1 reason is the cache\n#close\n", 0, NULL, 0 },
	{ "'#1' after a command is text", "#close\n#1 is fixed\n", 0, "1:close", "#1 is fixed\n", 0, NULL, 0 },
	{ "'# heading' and '##' are text", "#close\n# Summary\n", 0, "1:close", "# Summary\n", 0, NULL, 0 },
	{ "the reply marker is text", "## Reply above this line ##\n", 0, "", "## Reply above this line ##\n", 0, NULL, 0 },
	{ "CRLF line ends", "#close\r\n\r\n#tag a\r\nHi\r\nBye\r\n", 0, "1:close 3:tag=a", "Hi\r\nBye\r\n", 0, NULL, 0 },
	{ "CRLF only commands", "#snooze 1w\r\n\r\n", 0, "1:snooze+604800", "", ONLY, NULL, 0 },
	{ "byte order mark", "\xef\xbb\xbf#close\nx", 0, "1:close", "x", 0, NULL, 0 },
	{ "identical commands are kept once", "#close\n#close\n#tag a a\n#tag A\n#snooze 1d\n", 0,
	  NULL, NULL, 0, "line 5: #snooze 1d conflicts with #close on line 1", 5 },
	{ "identical commands are kept once, no state", "#tag a a\n#tag A\n#assign me\n#assign ME\n#priority 3\n#priority urgent\n", 0,
	  "1:tag=a 3:assign=me 5:priority=3", "", ONLY, NULL, 0 },
	{ "1d and 24h are the same snooze", "#snooze 1d\n#snooze 24h\n", 0, "1:snooze+86400", "", ONLY, NULL, 0 },
	{ "tag and untag of different tags", "#tag a\n#untag b\nx", 0, "1:tag=a 2:untag=b", "x", 0, NULL, 0 },
	{ "close, unassign and note together", "#close\n#unassign\n#note\nx", 0, "1:close 2:unassign 3:note", "x", NOTE, NULL, 0 },

	/* errors */
	{ "bad duration unit", "#close\n#snooze 3x\n", 0, NULL, NULL, 0,
	  "line 2: #snooze: \"3x\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 2 },
	{ "zero duration", "#snooze 0d\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"0d\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 1 },
	{ "five-digit duration", "#snooze 10000m\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"10000m\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 1 },
	{ "word instead of duration", "#snooze tomorrow\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"tomorrow\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 1 },
	{ "short date", "#snooze 2026-2-1\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"2026-2-1\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 1 },
	{ "February 30th", "#snooze 2026-02-30\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"2026-02-30\" is not a valid date", 1 },
	{ "February 29th outside a leap year", "#snooze 2027-02-29\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"2027-02-29\" is not a valid date", 1 },
	{ "month 13", "#snooze 2026-13-01\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"2026-13-01\" is not a valid date", 1 },
	{ "hour 24", "#snooze 2026-12-01 24:00\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"24:00\" is not a time (use HH:MM, 00:00 to 23:59)", 1 },
	{ "time without minutes", "#snooze 2026-12-01 9\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: \"9\" is not a time (use HH:MM, 00:00 to 23:59)", 1 },
	{ "date in the past", "#snooze 2020-01-01\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: 2020-01-01 00:00 is in the past", 1 },
	{ "duration and a second word", "#snooze 3d 2h\n", 0, NULL, NULL, 0,
	  "line 1: #snooze takes one duration, found also \"2h\"", 1 },
	{ "date, time and a third word", "#snooze 2026-12-01 09:00 CET\n", 0, NULL, NULL, 0,
	  "line 1: #snooze takes a date and a time, found also \"CET\"", 1 },
	{ "bad priority", "#priority huge\n", 0, NULL, NULL, 0,
	  "line 1: #priority: \"huge\" is not one of urgent, high, medium, low, 0-3", 1 },
	{ "priority 4", "#tag a\n#priority 4\n", 0, NULL, NULL, 0,
	  "line 2: #priority: \"4\" is not one of urgent, high, medium, low, 0-3", 2 },
	{ "unknown command", "#clsoe\nThanks\n", 0, NULL, NULL, 0, "line 1: unknown command \"#clsoe\"", 1 },
	{ "hashtag typo is an error, not text", "\n#hashtag love\n", 0, NULL, NULL, 0,
	  "line 2: unknown command \"#hashtag\"", 2 },
	{ "missing snooze argument", "#snooze\n", 0, NULL, NULL, 0,
	  "line 1: #snooze: missing argument (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 1 },
	{ "missing assign argument", "#assign  \n", 0, NULL, NULL, 0,
	  "line 1: #assign: missing argument (use an address or \"me\")", 1 },
	{ "missing tag argument", "#tag ,\n", 0, NULL, NULL, 0,
	  "line 1: #tag: missing argument (use one or more tags)", 1 },
	{ "missing untag argument", "#untag\n", 0, NULL, NULL, 0,
	  "line 1: #untag: missing argument (use one or more tags)", 1 },
	{ "missing priority argument", "#priority\n", 0, NULL, NULL, 0,
	  "line 1: #priority: missing argument (use urgent, high, medium, low or 0-3)", 1 },
	{ "missing template argument", "#template\r\n", 0, NULL, NULL, 0,
	  "line 1: #template: missing argument (use a template name)", 1 },
	{ "close takes no argument", "#close now\n", 0, NULL, NULL, 0,
	  "line 1: #close takes no argument, found \"now\"", 1 },
	{ "note takes no argument", "#note called the customer\n", 0, NULL, NULL, 0,
	  "line 1: #note takes no argument, found \"called\"", 1 },
	{ "'#note:' is not #note", "#note: called\n", 0, NULL, NULL, 0,
	  "line 1: unknown command \"#note:\"", 1 },
	{ "unassign takes no argument", "#unassign ana@example.org\n", 0, NULL, NULL, 0,
	  "line 1: #unassign takes no argument, found \"ana@example.org\"", 1 },
	{ "assign takes one address", "#assign ana@example.org bob@example.org\n", 0, NULL, NULL, 0,
	  "line 1: #assign takes one argument, found also \"bob@example.org\"", 1 },
	{ "priority takes one value", "#priority high low\n", 0, NULL, NULL, 0,
	  "line 1: #priority takes one argument, found also \"low\"", 1 },
	{ "template takes one name", "#template a b\n", 0, NULL, NULL, 0,
	  "line 1: #template takes one argument, found also \"b\"", 1 },
	{ "assign a name, not an address", "#assign ana\n", 0, NULL, NULL, 0,
	  "line 1: #assign: \"ana\" is not an address (use name@example.org or \"me\")", 1 },
	{ "assign two @", "#assign a@b@c\n", 0, NULL, NULL, 0,
	  "line 1: #assign: \"a@b@c\" is not an address (use name@example.org or \"me\")", 1 },
	{ "bad tag", "#tag ok Refund!\n", 0, NULL, NULL, 0,
	  "line 1: #tag: \"Refund!\" is not a tag (use a-z, 0-9, _ . -, at most 64, starting with a letter or digit)", 1 },
	{ "tag starting with '-'", "#untag -x\n", 0, NULL, NULL, 0,
	  "line 1: #untag: \"-x\" is not a tag (use a-z, 0-9, _ . -, at most 64, starting with a letter or digit)", 1 },
	{ "tag of 65 characters", "#tag aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 0, NULL, NULL, 0,
	  "line 1: #tag: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not a tag "
	  "(use a-z, 0-9, _ . -, at most 64, starting with a letter or digit)", 1 },
	{ "bad template name", "#template a/b\n", 0, NULL, NULL, 0,
	  "line 1: #template: \"a/b\" is not a template name (use a-z, 0-9, _ . -, at most 64)", 1 },
	{ "control bytes in an error are shown as '?'", "#tag a\x01" "b\n", 0, NULL, NULL, 0,
	  "line 1: #tag: \"a?b\" is not a tag (use a-z, 0-9, _ . -, at most 64, starting with a letter or digit)", 1 },
	{ "invalid UTF-8 in an error is shown as '?'", "#cl\xffse\n", 0, NULL, NULL, 0,
	  "line 1: unknown command \"#cl?se\"", 1 },
	{ "close and snooze conflict", "#close\n#snooze 3d\n", 0, NULL, NULL, 0,
	  "line 2: #snooze 3d conflicts with #close on line 1", 2 },
	{ "close and reopen conflict", "#reopen\n\n#close\n", 0, NULL, NULL, 0,
	  "line 3: #close conflicts with #reopen on line 1", 3 },
	{ "two snooze times conflict", "#snooze 3d\n#snooze 2026-12-01 09:00\n", 0, NULL, NULL, 0,
	  "line 2: #snooze 2026-12-01 09:00 conflicts with #snooze 3d on line 1", 2 },
	{ "assign and unassign conflict", "#assign ana@example.org\n#unassign\n", 0, NULL, NULL, 0,
	  "line 2: #unassign conflicts with #assign ana@example.org on line 1", 2 },
	{ "two assignees conflict", "#assign me\n#assign bob@example.org\n", 0, NULL, NULL, 0,
	  "line 2: #assign bob@example.org conflicts with #assign me on line 1", 2 },
	{ "tag and untag of one tag conflict", "#tag a refund\n#untag Refund\n", 0, NULL, NULL, 0,
	  "line 2: #untag Refund conflicts with #tag refund on line 1", 2 },
	{ "two priorities conflict", "#priority high\n#priority 3\n", 0, NULL, NULL, 0,
	  "line 2: #priority 3 conflicts with #priority high on line 1", 2 },
	{ "the first bad line is reported", "#tag a\n#clsoe\n#priority huge\n", 0, NULL, NULL, 0,
	  "line 2: unknown command \"#clsoe\"", 2 },
	{ "line numbers count CRLF lines", "\r\n#close\r\n#snooze x\r\n", 0, NULL, NULL, 0,
	  "line 3: #snooze: \"x\" is not a duration (use 3d, 2h, 45m, 1w or YYYY-MM-DD [HH:MM])", 3 },

	/* #cc: who else gets the answers, said by an agent */
	{ "cc add", "#cc add ed@customer.example\nx", 0, "1:cc=ed@customer.example", "x", 0, NULL, 0 },
	{ "cc remove, angle brackets, any case", "#CC Remove <Spy@Evil.Example>\nx", 0, "1:cc-=spy@evil.example", "x",
	  0, NULL, 0 },
	{ "cc add and remove of different addresses", "#cc add a@x.example\n#cc remove b@x.example\n", 0,
	  "1:cc=a@x.example 2:cc-=b@x.example", "", ONLY, NULL, 0 },
	{ "the same #cc twice is kept once", "#cc add a@x.example\n#cc ADD a@X.example\nx", 0, "1:cc=a@x.example", "x",
	  0, NULL, 0 },
	{ "cc add and remove of one address conflict", "#cc add a@x.example\n#cc remove a@x.example\n", 0, NULL, NULL,
	  0, "line 2: #cc remove a@x.example conflicts with #cc add a@x.example on line 1", 2 },
	{ "cc without a verb", "#cc\n", 0, NULL, NULL, 0,
	  "line 1: #cc: missing argument (use add ADDRESS or remove ADDRESS)", 1 },
	{ "cc with an unknown verb", "#cc ed@customer.example\n", 0, NULL, NULL, 0,
	  "line 1: #cc: \"ed@customer.example\" is neither add nor remove (use #cc add ADDRESS or #cc remove ADDRESS)",
	  1 },
	{ "cc add without an address", "#cc add\n", 0, NULL, NULL, 0, "line 1: #cc add: missing address", 1 },
	{ "cc add of something that is no address", "#cc add spy\n", 0, NULL, NULL, 0,
	  "line 1: #cc: \"spy\" is not an address (use name@example.org)", 1 },
	{ "cc add takes one address per line", "#cc add a@x.example b@x.example\n", 0, NULL, NULL, 0,
	  "line 1: #cc takes one address per line, found also \"b@x.example\"", 1 },
	{ "cc add refuses control characters in the address", "#cc add a\x01b@x.example\n", 0, NULL, NULL, 0,
	  "line 1: #cc: \"a?@x.example\" is not an address (use name@example.org)", 1 },
	/* #order: the ticket's order reference (issue 12) */
	{ "order", "#order ES-1042\nx", 0, "1:order=ES-1042", "x", 0, NULL, 0 },
	{ "order - and none clear it", "#ORDER none\n", 0, "1:order", "", ONLY, NULL, 0 },
	{ "order dash clears it", "#order -\n", 0, "1:order", "", ONLY, NULL, 0 },
	{ "two different orders conflict", "#order 1\n#order 2\n", 0, NULL, NULL, 0,
	  "line 2: #order 2 conflicts with #order 1 on line 1", 2 },
	{ "order without a reference", "#order\n", 0, NULL, NULL, 0,
	  "line 1: #order: missing argument (use an order reference, or - to clear it)", 1 },
	{ "order takes one word", "#order 10 42\n", 0, NULL, NULL, 0, "line 1: #order takes one argument, found also \"42\"", 1 },
	{ "order longer than 64 is refused", "#order 12345678901234567890123456789012345678901234567890123456789012345\n",
	  0, NULL, NULL, 0,
	  "line 1: #order: \"123456789012345678901234567890123456789012345678901234567890...\" is not an order reference:"
	  " longer than 64 characters (use at most 64 visible characters, or - to clear it)", 1 },
	{ "order with a control character is refused", "#order 10\x01" "42\n", 0, NULL, NULL, 0,
	  "line 1: #order: \"10?42\" is not an order reference: contains a control or non-ASCII character"
	  " (use at most 64 visible characters, or - to clear it)", 1 },
};

/* The commands of a reply in the notation of parse_case.cmds. */
static void cmds_render(const struct agent_reply *r, struct buf *b)
{
	for (size_t i = 0; i < r->cmds_count; i++) {
		const struct agent_cmd *c = &r->cmds[i];
		const struct agent_wall_clock *w = &c->snooze.local;

		buf_printf(b, "%s%u:%s", i ? " " : "", c->line, agent_cmd_name(c->type));
		if (c->type == AGENT_CMD_SNOOZE && !c->snooze.absolute) {
			ck_assert_int_eq(c->snooze.until, NOW + c->snooze.duration_s);
			buf_printf(b, "+%lld", (long long)c->snooze.duration_s);
		} else if (c->type == AGENT_CMD_SNOOZE) {
			buf_printf(b, "@%04d-%02d-%02d", w->year, w->month, w->day);
			if (w->has_time)
				buf_printf(b, " %02d:%02d", w->hour, w->minute);
			buf_printf(b, "=%lld", (long long)c->snooze.until);
		} else if (c->type == AGENT_CMD_PRIORITY) {
			buf_printf(b, "=%d", c->priority);
		} else if (c->type == AGENT_CMD_ASSIGN && c->assign_me) {
			ck_assert_ptr_null(c->arg);
			buf_append_str(b, "=me");
		} else if (c->type == AGENT_CMD_CC_REMOVE) {
			buf_printf(b, "-=%s", c->arg); /* both #cc forms are named "cc" */
		} else if (c->arg != NULL) {
			buf_printf(b, "=%s", c->arg);
		}
	}
}

/* The input in a buffer of exactly its length, so ASan catches any read
 * past len (the parser must not need a NUL). */
static char *exact_copy(const char *s, size_t len)
{
	char *p = xmalloc(len ? len : 1);
	memcpy(p, s, len);
	return p;
}

START_TEST(test_parse_table_gives_commands_text_and_flags_or_exact_error)
{
	const struct parse_case *tc = &parse_cases[_i];
	size_t len = strlen(tc->in);
	char *in = exact_copy(tc->in, len);
	struct agent_reply *r = NULL;
	const char *error = "unset";
	struct buf got;
	int ret = agent_reply_parse(in, len, NOW, tc->tz, &r, &error);

	ck_assert_ptr_nonnull(r);
	if (tc->error != NULL) {
		ck_assert_msg(ret == -1, "%s: parsed, expected error", tc->what);
		ck_assert_str_eq(error, tc->error);
		ck_assert_ptr_eq(error, r->error);
		ck_assert_uint_eq(r->error_line, tc->error_line);
		ck_assert_uint_eq(r->cmds_count, 0);
	} else {
		ck_assert_msg(ret == 0, "%s: %s", tc->what, error ? error : "?");
		ck_assert_ptr_null(error);
		ck_assert_ptr_null(r->error);
		buf_init(&got, 0);
		cmds_render(r, &got);
		ck_assert_msg(strcmp(got.data ? got.data : "", tc->cmds) == 0,
			      "%s: commands \"%s\", expected \"%s\"", tc->what, got.data ? got.data : "", tc->cmds);
		buf_free(&got);
		ck_assert_uint_le(r->text_offset, len);
		ck_assert_msg(strcmp(tc->in + r->text_offset, tc->text) == 0, "%s: text \"%s\"", tc->what,
			      tc->in + r->text_offset);
		ck_assert_msg(r->has_note == !!(tc->flags & NOTE), "%s: has_note", tc->what);
		ck_assert_msg(r->only_commands == !!(tc->flags & ONLY), "%s: only_commands", tc->what);
	}
	agent_reply_free(&r);
	ck_assert_ptr_null(r);
	free(in);
}
END_TEST

/* Every prefix of every input (a reply cut anywhere) parses without
 * reading past its end, and a success always points at a line start. */
START_TEST(test_parse_every_prefix_stays_in_bounds)
{
	const char *s = parse_cases[_i].in;
	size_t len = strlen(s);

	for (size_t n = 0; n <= len; n++) {
		char *in = exact_copy(s, n);
		struct agent_reply *r = NULL;
		const char *error;

		if (agent_reply_parse(in, n, NOW, 0, &r, &error) == 0) {
			ck_assert_uint_le(r->text_offset, n);
			ck_assert(r->text_offset == 0 || in[r->text_offset - 1] == '\n' ||
				  r->text_offset == n);
		} else {
			ck_assert_ptr_nonnull(error);
			ck_assert_int_eq(strncmp(error, "line ", 5), 0);
		}
		agent_reply_free(&r);
		free(in);
	}
}
END_TEST

START_TEST(test_parse_null_text_of_length_zero_is_an_empty_reply)
{
	struct agent_reply *r = NULL;
	const char *error;

	ck_assert_int_eq(agent_reply_parse(NULL, 0, NOW, 0, &r, &error), 0);
	ck_assert_uint_eq(r->cmds_count, 0);
	ck_assert_uint_eq(r->text_offset, 0);
	ck_assert(r->only_commands);
	agent_reply_free(&r);
	agent_reply_free(&r); /* NULL: nothing */
}
END_TEST

START_TEST(test_parse_refuses_more_than_the_maximum_of_commands)
{
	struct buf in;
	struct agent_reply *r = NULL;
	const char *error;
	char want[64];

	buf_init(&in, 0);
	for (int i = 0; i <= AGENT_CMDS_MAX; i++)
		buf_printf(&in, "#tag t%d\n", i);
	ck_assert_int_eq(agent_reply_parse(in.data, in.len, NOW, 0, &r, &error), -1);
	snprintf(want, sizeof(want), "line %d: too many commands (at most %d)", AGENT_CMDS_MAX + 1, AGENT_CMDS_MAX);
	ck_assert_str_eq(error, want);
	agent_reply_free(&r);
	buf_free(&in);
}
END_TEST

/* Which replies name the ticket's next status (then an answer does not
 * make it pending). */
START_TEST(test_reply_sets_status)
{
	static const struct {
		const char *in;
		bool sets;
	} cases[] = {
		{ "Just an answer.", false }, { "#tag a\n#priority high\nx", false }, { "#open\nx", true },
		{ "#solve\nx", true },       { "#close", true },                       { "#reopen\nx", true },
		{ "#tag a\n#snooze 2d\nx", true },
	};
	struct agent_reply *r = NULL;
	const char *error;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(agent_reply_parse(cases[i].in, strlen(cases[i].in), NOW, 0, &r, &error), 0);
		ck_assert_msg(agent_reply_sets_status(r) == cases[i].sets, "%s", cases[i].in);
		agent_reply_free(&r);
	}
	ck_assert(!agent_reply_sets_status(NULL));
}
END_TEST

START_TEST(test_cmd_names_are_stable)
{
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_CLOSE), "close");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_SNOOZE), "snooze");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_UNTAG), "untag");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_TEMPLATE), "template");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_CC_ADD), "cc");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_CC_REMOVE), "cc");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_OPEN), "open");
	ck_assert_str_eq(agent_cmd_name(AGENT_CMD_SOLVE), "solve");
	ck_assert_str_eq(agent_cmd_name((enum agent_cmd_type)99), "unknown");
}
END_TEST

/* ---- loop safety ---- */

#define H(n, v) { (n), (v) }
#define PLAIN_HEADERS H("From", "Carla <carla@customer.example>"), H("Subject", "Order 1234"), \
	H("Content-Type", "text/plain; charset=utf-8")

struct loop_case {
	const char *what;
	const char *sender;
	const char *from;
	struct mime_field headers[5];
	const char *why; /* NULL: an automatic answer is allowed */
};

static const struct loop_case loop_cases[] = {
	{ "plain customer mail", "carla@customer.example", "carla@customer.example",
	  { PLAIN_HEADERS }, NULL },
	{ "Auto-Submitted: no is a person", "<carla@customer.example>", "carla@customer.example",
	  { PLAIN_HEADERS, H("Auto-Submitted", " No (typed by hand)") }, NULL },
	{ "Precedence first-class is fine", "carla@customer.example", NULL,
	  { PLAIN_HEADERS, H("Precedence", "first-class") }, NULL },
	{ "'requests' is not '-request'", "requests@customer.example", "owner@customer.example",
	  { PLAIN_HEADERS }, NULL },
	{ "null sender, empty", "", "carla@customer.example", { PLAIN_HEADERS },
	  "null envelope sender (a bounce or notification)" },
	{ "null sender, <>", " <> ", "carla@customer.example", { PLAIN_HEADERS },
	  "null envelope sender (a bounce or notification)" },
	{ "null sender, NULL", NULL, "carla@customer.example", { PLAIN_HEADERS },
	  "null envelope sender (a bounce or notification)" },
	{ "our loop header", "carla@customer.example", "carla@customer.example",
	  { PLAIN_HEADERS, H("x-maildesk-loop", "support@acme.example") },
	  "our own X-Maildesk-Loop header is present" },
	{ "Auto-Submitted: auto-replied", "carla@customer.example", "carla@customer.example",
	  { PLAIN_HEADERS, H("Auto-Submitted", "auto-replied") }, "Auto-Submitted is present and not \"no\"" },
	{ "Auto-Submitted with parameters, any case", "carla@customer.example", NULL,
	  { PLAIN_HEADERS, H("auto-submitted", "Auto-Generated; owner-email=\"x@y\"") },
	  "Auto-Submitted is present and not \"no\"" },
	{ "Auto-Submitted: no-reply is not no", "carla@customer.example", NULL,
	  { PLAIN_HEADERS, H("Auto-Submitted", "no-reply") }, "Auto-Submitted is present and not \"no\"" },
	{ "Auto-Submitted empty", "carla@customer.example", NULL,
	  { PLAIN_HEADERS, H("Auto-Submitted", " ") }, "Auto-Submitted is present and not \"no\"" },
	{ "DSN", "carla@customer.example", NULL,
	  { H("Content-Type", "Multipart/Report; report-type=delivery-status; boundary=x") },
	  "Content-Type is multipart/report (a delivery or read report)" },
	{ "Precedence bulk", "news@shop.example", NULL, { PLAIN_HEADERS, H("Precedence", "bulk") },
	  "Precedence is bulk, junk, list or auto_reply" },
	{ "Precedence junk", "x@shop.example", NULL, { PLAIN_HEADERS, H("Precedence", " JUNK") },
	  "Precedence is bulk, junk, list or auto_reply" },
	{ "Precedence list", "x@shop.example", NULL, { PLAIN_HEADERS, H("Precedence", "list") },
	  "Precedence is bulk, junk, list or auto_reply" },
	{ "List-Id", "x@lists.example", NULL, { PLAIN_HEADERS, H("List-Id", "<dev.lists.example>") },
	  "a List-* header field marks mailing list mail" },
	{ "List-Unsubscribe", "x@shop.example", NULL,
	  { PLAIN_HEADERS, H("List-Unsubscribe", "<mailto:u@shop.example>") },
	  "a List-* header field marks mailing list mail" },
	{ "List-Post", "x@lists.example", NULL, { PLAIN_HEADERS, H("list-post", "NO") },
	  "a List-* header field marks mailing list mail" },
	{ "X-Auto-Response-Suppress", "x@corp.example", NULL,
	  { PLAIN_HEADERS, H("X-Auto-Response-Suppress", "OOF, AutoReply") },
	  "X-Auto-Response-Suppress is present" },
	{ "X-Autoreply", "x@corp.example", NULL, { PLAIN_HEADERS, H("X-Autoreply", "yes") },
	  "X-Autoreply or X-Autorespond is present" },
	{ "MAILER-DAEMON sender", "MAILER-DAEMON@mx.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "postmaster sender in brackets", "<Postmaster@mx.example>", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "nobody sender without domain", "nobody", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "noreply sender", "noreply@shop.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "no-reply sender with +detail", "no-reply+bounce42@shop.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "donotreply sender", "DoNotReply@bank.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "-request sender", "dev-request@lists.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "owner- sender", "owner-dev@lists.example", NULL, { PLAIN_HEADERS },
	  "envelope sender is a robot or list address" },
	{ "noreply From with a real sender", "bounces@shop.example", "noreply@shop.example",
	  { PLAIN_HEADERS }, "From is a robot or list address" },
	{ "quoted MAILER-DAEMON From", "x@mx.example", "\"mailer-daemon\"@mx.example",
	  { PLAIN_HEADERS }, "From is a robot or list address" },
};

START_TEST(test_loop_table_refuses_robots_lists_and_our_own_mail)
{
	const struct loop_case *tc = &loop_cases[_i];
	struct agent_mail_facts f = { tc->sender, tc->headers, 0, tc->from };
	const char *why = "unset";
	bool may;

	while (f.headers_count < N_ELEMENTS(tc->headers) && tc->headers[f.headers_count].name != NULL)
		f.headers_count++;
	may = agent_may_autoreply(&f, &why);
	if (tc->why == NULL) {
		ck_assert_msg(may, "%s: refused: %s", tc->what, why ? why : "?");
		ck_assert_ptr_null(why);
	} else {
		ck_assert_msg(!may, "%s: allowed", tc->what);
		ck_assert_str_eq(why, tc->why);
	}
	ck_assert(agent_may_autoreply(&f, NULL) == may);
}
END_TEST

/* What we write is what we refuse: our automatic mail cannot loop. */
START_TEST(test_autoheaders_are_exact_and_refused_when_they_come_back)
{
	struct buf b;
	struct mime_field h[] = { H("Auto-Submitted", "auto-replied"), H(AGENT_LOOP_HEADER, "x") };
	struct agent_mail_facts f = { "support@acme.example", h, 2, "support@acme.example" };
	const char *why;

	buf_init(&b, 0);
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, "support@acme.example"), 0);
	ck_assert_str_eq(b.data, "Auto-Submitted: auto-replied\r\n"
				 "X-Auto-Response-Suppress: All\r\n"
				 "X-Maildesk-Loop: support@acme.example\r\n");
	buf_reset(&b);
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_GENERATED, "team 7"), 0);
	ck_assert_str_eq(b.data, "Auto-Submitted: auto-generated\r\n"
				 "X-Auto-Response-Suppress: All\r\n"
				 "X-Maildesk-Loop: team 7\r\n");
	buf_free(&b);
	ck_assert(!agent_may_autoreply(&f, &why));
	ck_assert_str_eq(why, "our own X-Maildesk-Loop header is present");
}
END_TEST

START_TEST(test_autoheaders_refuse_injection_and_respect_the_cap)
{
	static const char *const bad[] = { "", " lead", "trail ", "a\r\nBcc: x@y", "a\nb", "caf\xc3\xa9" };
	struct buf b;
	char big[202];

	buf_init(&b, 0);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, bad[i]), -1);
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, NULL), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, big), -1);
	big[200] = '\0';
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, big), 0);
	buf_free(&b);

	buf_init(&b, 40);
	buf_append_str(&b, "Subject: x\r\n");
	ck_assert_int_eq(agent_autoheaders_write(&b, AGENT_AUTO_REPLIED, "support@acme.example"), -1);
	ck_assert_str_eq(b.data, "Subject: x\r\n");
	buf_free(&b);
}
END_TEST

/* Authentication-Results: only our MTA's, between maildeskd's own Received
 * (on top) and the peer's first Received, count; RFC 8601 syntax. */
#define OURS { "Received", " from mx.acme.example (localhost [127.0.0.1]) by maildesk.test with LMTP" }
#define AR(v) { "Authentication-Results", v }
#define PEER { "Received", " from client by mx.acme.example (Postfix)" }
#define FROM { "From", " Ana <ana@acme.example>" }
static const struct {
	const char *what;
	struct mime_field h[6];
	size_t n;
	const char *domain;
	bool pass;
} auth_cases[] = {
	{ "dkim pass from our mx on top", { OURS, AR(" mx.acme.example; dkim=pass header.d=acme.example header.s=s1"), PEER, FROM },
	  4, "acme.example", true },
	{ "dmarc pass, exact header.from", { OURS, AR("mx.acme.example 1; spf=fail; dmarc=pass (p=reject) header.from=acme.example"), PEER, FROM },
	  4, "acme.example", true },
	{ "no peer Received: the zone runs to the end", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM },
	  3, "acme.example", true },
	{ "dkim of a parent domain no longer counts", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM },
	  3, "mail.acme.example", false },
	{ "dmarc of a parent domain no longer counts", { OURS, AR("mx.acme.example; dmarc=pass header.from=acme.example"), FROM },
	  3, "mail.acme.example", false },
	{ "dkim of a child domain", { OURS, AR("mx.acme.example; dkim=pass header.d=mail.acme.example"), FROM },
	  3, "acme.example", false },
	{ "dkim of another domain", { OURS, AR("mx.acme.example; dkim=pass header.d=evil.example"), FROM }, 3,
	  "acme.example", false },
	{ "lookalike domain suffix", { OURS, AR("mx.acme.example; dkim=pass header.d=me.example"), FROM }, 3,
	  "acme.example", false },
	{ "dkim fail", { OURS, AR("mx.acme.example; dkim=fail header.d=acme.example"), FROM }, 3, "acme.example", false },
	{ "spf pass alone", { OURS, AR("mx.acme.example; spf=pass smtp.mailfrom=ana@acme.example"), FROM }, 3,
	  "acme.example", false },
	{ "another authserv-id", { OURS, AR("mx.other.example; dkim=pass header.d=acme.example"), FROM }, 3,
	  "acme.example", false },
	{ "authserv-id prefix only", { OURS, AR("mx.acme.example.evil; dkim=pass header.d=acme.example"), FROM }, 3,
	  "acme.example", false },
	{ "forged below the peer's Received", { OURS, AR("mx.acme.example; dkim=none"), PEER,
	    AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM }, 5, "acme.example", false },
	{ "no Received of ours on top", { AR("mx.acme.example; dkim=pass header.d=acme.example"), PEER, FROM }, 3,
	  "acme.example", false },
	{ "no Authentication-Results at all", { OURS, PEER, FROM }, 3, "acme.example", false },
	{ "two From fields", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM,
	    { "From", " boss@acme.example" } }, 4, "acme.example", false },
	{ "no From field", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example") }, 2, "acme.example", false },
	/* RFC 8601 syntax: CFWS, quoted strings, versions, reason= */
	{ "quoted header.d", { OURS, AR(" mx.acme.example; dkim=pass header.d=\"acme.example\""), FROM }, 3,
	  "acme.example", true },
	{ "quoted authserv-id", { OURS, AR(" \"mx.acme.example\"; dkim=pass header.d=acme.example"), FROM }, 3,
	  "acme.example", true },
	{ "comments everywhere", { OURS, AR(" (ours) mx.acme.example (v) 1 (x); (y) dkim (m) = (r) pass (2048-bit key;"
					     " unprotected) header.d (p) = (v) acme.example (end)"), FROM }, 3,
	  "acme.example", true },
	{ "method version and reason", { OURS, AR(" mx.acme.example; dkim/1=pass reason=\"good; sig\" header.d=acme.example"
					       " header.b=Km/zQ+n="), FROM }, 3, "acme.example", true },
	{ "OpenDKIM's own form", { OURS, AR(" mx.acme.example;\t dkim=pass (2048-bit key; unprotected) header.d=acme.example"
					 " header.i=@acme.example header.a=rsa-sha256 header.s=s1 header.b=KmzQnaEY;\t dkim-atps=neutral"),
				   PEER, FROM }, 4, "acme.example", true },
	{ "pass hidden in a comment", { OURS, AR("mx.acme.example; dkim=fail (dkim=pass header.d=acme.example) header.d=acme.example"),
					FROM }, 3, "acme.example", false },
	{ "pass hidden in a quoted reason", { OURS, AR("mx.acme.example; dkim=fail reason=\"; dkim=pass header.d=acme.example\""),
					      FROM }, 3, "acme.example", false },
	{ "header.d hidden in a quoted reason", { OURS, AR("mx.acme.example; dkim=pass reason=\"header.d=acme.example\""
							    " header.d=evil.example"), FROM }, 3, "acme.example", false },
	{ "pass hidden in a comment before our id", { OURS, AR("(mx.acme.example; dkim=pass header.d=acme.example) mx.other.example;"
							       " dkim=none"), FROM }, 3, "acme.example", false },
	{ "header.d given twice", { OURS, AR("mx.acme.example; dkim=pass header.d=evil.example header.d=acme.example"), FROM },
	  3, "acme.example", false },
	{ "unclosed comment", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example (oops"), FROM }, 3,
	  "acme.example", false },
	{ "unclosed quote", { OURS, AR("mx.acme.example; dkim=pass header.d=\"acme.example"), FROM }, 3,
	  "acme.example", false },
	{ "garbage after a result", { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example garbage"), FROM }, 3,
	  "acme.example", false },
	{ "no-result", { OURS, AR("mx.acme.example 1; none"), FROM }, 3, "acme.example", false },
	{ "a second result passes", { OURS, AR("mx.acme.example; spf=fail smtp.mailfrom=x.example; dkim=pass header.d=acme.example"),
				      FROM }, 3, "acme.example", true },
};

START_TEST(test_auth_results_trust_only_our_mx_in_the_zone)
{
	const char *why = "unset";
	bool r = agent_auth_results_pass(auth_cases[_i].h, auth_cases[_i].n, "mx.acme.example", auth_cases[_i].domain, &why);

	ck_assert_msg(r == auth_cases[_i].pass, "%s: got %d (%s)", auth_cases[_i].what, r, why ? why : "-");
	if (r)
		ck_assert_ptr_null(why);
	else
		ck_assert_ptr_nonnull(why);
}
END_TEST

/* The reasons say which rule refused. */
START_TEST(test_auth_results_why)
{
	struct mime_field two_from[] = { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM, FROM };
	struct mime_field below[] = { OURS, PEER, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM };
	struct mime_field parent[] = { OURS, AR("mx.acme.example; dkim=pass header.d=acme.example"), FROM };
	const char *why;

	ck_assert(!agent_auth_results_pass(two_from, 4, "mx.acme.example", "acme.example", &why));
	ck_assert_str_eq(why, "the message has more than one From field");
	ck_assert(!agent_auth_results_pass(below, 4, "mx.acme.example", "acme.example", &why));
	ck_assert_str_eq(why, "no Authentication-Results from our mail server above its Received line");
	ck_assert(!agent_auth_results_pass(below + 2, 2, "mx.acme.example", "acme.example", &why));
	ck_assert_str_eq(why, "no Received line of ours on top of the header");
	ck_assert(!agent_auth_results_pass(parent, 3, "mx.acme.example", "sub.acme.example", &why));
	ck_assert_str_eq(why, "Authentication-Results shows no DKIM or DMARC pass for exactly the sender's domain");
}
END_TEST

/* From a trusted peer, results in our name below its first Received are
 * dropped; from an untrusted one, every result in our name, wherever. */
START_TEST(test_auth_results_strip_by_trust)
{
	const char *block = "Authentication-Results: mx.acme.example; dkim=pass header.d=acme.example\r\n"
			    "Authentication-Results: (c) \"mx.acme.example\" 1; dkim=pass header.d=acme.example\r\n"
			    "Received: from x by mx.acme.example\r\n"
			    "Authentication-Results: mx.acme.example;\r\n dkim=pass header.d=acme.example\r\n"
			    "Authentication-Results : mx.acme.example; dkim=pass (unclosed\r\n"
			    "Authentication-Results: \"mx.acme.example; dkim=pass header.d=acme.example\r\n"
			    "Authentication-Results: (mx.acme.example; dkim=pass header.d=acme.example\r\n"
			    "Authentication-Results: other.example; spf=pass\r\n"
			    "Subject: hi\r\n";
	char *out = agent_auth_results_strip(block, "mx.acme.example", true);

	ck_assert_str_eq(out, "Authentication-Results: mx.acme.example; dkim=pass header.d=acme.example\r\n"
			      "Authentication-Results: (c) \"mx.acme.example\" 1; dkim=pass header.d=acme.example\r\n"
			      "Received: from x by mx.acme.example\r\n"
			      "Authentication-Results: other.example; spf=pass\r\n"
			      "Subject: hi\r\n");
	free(out);
	out = agent_auth_results_strip(block, "mx.acme.example", false);
	ck_assert_str_eq(out, "Received: from x by mx.acme.example\r\n"
			      "Authentication-Results: other.example; spf=pass\r\n"
			      "Subject: hi\r\n");
	free(out);
	out = agent_auth_results_strip(block, "", false);
	ck_assert_str_eq(out, block);
	free(out);
	/* LF line ends and no Received at all: a trusted peer's stay. */
	out = agent_auth_results_strip("Authentication-Results: mx.acme.example; none\nFrom: a@b.example\n",
				       "mx.acme.example", true);
	ck_assert_str_eq(out, "Authentication-Results: mx.acme.example; none\nFrom: a@b.example\n");
	free(out);
}
END_TEST

/* The verdict asks for the exact From domain, per method. */
START_TEST(test_auth_verdict_exact_domain_per_method)
{
	struct mime_field h[] = {
		OURS,
		AR(" mx.acme.example; dkim=pass header.d=acme.example;"
		   " spf=pass smtp.mailfrom=bounce@acme.example; dmarc=fail header.from=acme.example"),
		PEER,
		AR(" mx.acme.example; dmarc=pass header.from=acme.example"),
		FROM,
	};
	struct agent_auth_verdict v;

	agent_auth_results_read(h, 5, "mx.acme.example", "acme.example", &v);
	ck_assert(v.seen && v.dkim_pass && v.spf_pass && !v.dmarc_pass);
	ck_assert(agent_auth_verdict_author(&v));
	/* A parent's signature does not vouch for a child domain. */
	agent_auth_results_read(h, 5, "mx.acme.example", "mail.acme.example", &v);
	ck_assert(v.seen && !v.dkim_pass && !v.spf_pass && !agent_auth_verdict_author(&v));
	agent_auth_results_read(h, 5, "mx.other.example", "acme.example", &v);
	ck_assert(!v.seen && !agent_auth_verdict_author(&v));
	agent_auth_results_read(h, 5, "", "acme.example", &v);
	ck_assert(!v.seen);
	agent_auth_results_read(h, 5, "mx.acme.example", NULL, &v);
	ck_assert(!v.seen);
	/* Without our Received on top nothing counts. */
	agent_auth_results_read(h + 1, 4, "mx.acme.example", "acme.example", &v);
	ck_assert(!v.seen && !v.dkim_pass);
	/* SPF alone does not vouch for the From line. */
	h[1].value = " mx.acme.example; spf=pass smtp.mailfrom=acme.example";
	agent_auth_results_read(h, 5, "mx.acme.example", "acme.example", &v);
	ck_assert(v.spf_pass && !agent_auth_verdict_author(&v));
}
END_TEST

/* Every prefix of a field parses without reading past its end (ASan). */
START_TEST(test_auth_results_every_prefix)
{
	const char *full = " (c) \"mx.acme.example\" 1; dkim/1 = pass (k; u) reason=\"a\\\"b\" header.d=acme.example;"
			   " dmarc=pass header.from=acme.example";
	struct agent_auth_verdict v;

	for (size_t n = 0; n <= strlen(full); n++) {
		char *cut = strndup(full, n);
		struct mime_field h[] = { OURS, AR(cut), FROM };
		agent_auth_results_read(h, 3, "mx.acme.example", "acme.example", &v);
		ck_assert(!v.dkim_pass || n >= strlen(" (c) \"mx.acme.example\" 1; dkim/1 = pass (k; u) reason=\"a\\\"b\" header.d=acme.example"));
		free(cut);
	}
	ck_assert(v.dkim_pass && v.dmarc_pass);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent");
	TCase *cmd = tcase_create("commands");
	TCase *loop = tcase_create("loop");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(cmd, test_parse_table_gives_commands_text_and_flags_or_exact_error, 0,
			    N_ELEMENTS(parse_cases));
	tcase_add_loop_test(cmd, test_parse_every_prefix_stays_in_bounds, 0, N_ELEMENTS(parse_cases));
	tcase_add_test(cmd, test_parse_null_text_of_length_zero_is_an_empty_reply);
	tcase_add_test(cmd, test_parse_refuses_more_than_the_maximum_of_commands);
	tcase_add_test(cmd, test_cmd_names_are_stable);
	tcase_add_test(cmd, test_reply_sets_status);
	suite_add_tcase(s, cmd);
	tcase_add_loop_test(loop, test_loop_table_refuses_robots_lists_and_our_own_mail, 0,
			    N_ELEMENTS(loop_cases));
	tcase_add_test(loop, test_autoheaders_are_exact_and_refused_when_they_come_back);
	tcase_add_test(loop, test_autoheaders_refuse_injection_and_respect_the_cap);
	tcase_add_loop_test(loop, test_auth_results_trust_only_our_mx_in_the_zone, 0, N_ELEMENTS(auth_cases));
	tcase_add_test(loop, test_auth_results_why);
	tcase_add_test(loop, test_auth_results_strip_by_trust);
	tcase_add_test(loop, test_auth_results_every_prefix);
	tcase_add_test(loop, test_auth_verdict_exact_domain_per_method);
	suite_add_tcase(s, loop);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
