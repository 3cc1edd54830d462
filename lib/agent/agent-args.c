/* The arguments of agent commands: snooze times, tags, addresses,
 * priorities and template names, each checked strictly so that a typo is
 * reported instead of half-applied. */
#include "config.h"
#include "agent/agent-private.h"

#include <string.h>

#include "base/xalloc.h"

/* Words longer than this are cut in error messages. */
#define QUOTE_MAX 60
#define TAG_MAX 64
#define TEMPLATE_MAX 64
#define ADDRESS_MAX 254
#define DURATION_DIGITS_MAX 4

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Mail from HTML often has U+00A0 where the agent typed a space. */
size_t agent_ws_len(const char *p, const char *end)
{
	if (p < end && (*p == ' ' || *p == '\t'))
		return 1;
	if (end - p >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
		return 2;
	return 0;
}

/* Words are separated by any run of whitespace (and commas for tags). */
struct strv agent_word_next(struct strv *rest, bool commas)
{
	const char *p = rest->p, *end = rest->p + rest->len;
	const char *start;
	size_t n;

	while (p < end && ((n = agent_ws_len(p, end)) > 0 || (commas && *p == ','))) {
		p += n > 0 ? n : 1;
	}
	start = p;
	while (p < end && agent_ws_len(p, end) == 0 && !(commas && *p == ','))
		p++;
	*rest = (struct strv){ p, (size_t)(end - p) };
	return (struct strv){ start, (size_t)(p - start) };
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Agents read error messages; raw control bytes would garble them. */
void agent_quote(struct buf *b, struct strv word)
{
	const unsigned char *p = (const unsigned char *)word.p;
	const unsigned char *end = p + word.len;
	size_t used = 0, n;

	buf_append_str(b, "\"");
	while (p < end) {
		n = utf8_seq_len(p, end);
		if (used + (n ? n : 1) > QUOTE_MAX) {
			buf_append_str(b, "...");
			break;
		}
		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)))
			buf_append_str(b, "?");
		else
			buf_append(b, p, n);
		used += n ? n : 1;
		p += n ? n : 1;
	}
	buf_append_str(b, "\"");
}

/* A copy of word in ASCII lower case. */
static char *lower_dup(struct strv word)
{
	char *s = xstrndup(word.p, word.len);

	for (char *q = s; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return s;
}

/* ASCII only: no locale-dependent isdigit(). */
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Tags and template names share the character set [a-z0-9_.-]. */
static bool is_name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '.' || c == '-';
}

/* Value of n digits at p; the caller has checked they are digits. */
static int digits_value(const char *p, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm),
 * so no time zone state of the C library is involved. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* February has 29 days in leap years; the others are fixed. */
static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* "YYYY-MM-DD" exactly, the shape an absolute snooze starts with. */
static bool date_shaped(struct strv w)
{
	static const char shape[] = "dddd-dd-dd";

	if (w.len != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < w.len; i++)
		if (shape[i] == 'd' ? !is_digit(w.p[i]) : w.p[i] != '-')
			return false;
	return true;
}

/* "3d", "2h", "45m", "1w": 1-4 digits, not zero, and a unit. */
static int duration_read(struct strv w, int64_t *seconds_r)
{
	size_t n = 0;
	int64_t unit;

	while (n < w.len && is_digit(w.p[n]))
		n++;
	if (n == 0 || n > DURATION_DIGITS_MAX || n + 1 != w.len)
		return -1;
	switch (w.p[n]) {
	case 'm': case 'M': unit = 60; break;
	case 'h': case 'H': unit = 3600; break;
	case 'd': case 'D': unit = 86400; break;
	case 'w': case 'W': unit = 7 * 86400; break;
	default: return -1;
	}
	*seconds_r = digits_value(w.p, n) * unit;
	return *seconds_r > 0 ? 0 : -1;
}

/* "HH:MM" or "H:MM", 24-hour. */
static int clock_read(struct strv w, int *hour_r, int *minute_r)
{
	size_t h = w.len == 5 ? 2 : 1;

	if ((w.len != 4 && w.len != 5) || w.p[h] != ':')
		return -1;
	for (size_t i = 0; i < w.len; i++)
		if (i != h && !is_digit(w.p[i]))
			return -1;
	*hour_r = digits_value(w.p, h);
	*minute_r = digits_value(w.p + h + 1, 2);
	return *hour_r <= 23 && *minute_r <= 59 ? 0 : -1;
}

/* The absolute form: a date (and a time) on the agent's wall clock. */
static int snooze_absolute(struct strv date, struct strv time_word, int64_t now, int32_t tz_offset_s,
			   struct agent_snooze *s, struct buf *err)
{
	struct agent_wall_clock *c = &s->local;

	c->year = digits_value(date.p, 4);
	c->month = digits_value(date.p + 5, 2);
	c->day = digits_value(date.p + 8, 2);
	if (c->year < 2000 || c->month < 1 || c->month > 12 || c->day < 1 ||
	    c->day > days_in_month(c->year, c->month)) {
		buf_append_str(err, "#snooze: ");
		agent_quote(err, date);
		buf_append_str(err, " is not a valid date");
		return -1;
	}
	if (time_word.len > 0) {
		if (clock_read(time_word, &c->hour, &c->minute) < 0) {
			buf_append_str(err, "#snooze: ");
			agent_quote(err, time_word);
			buf_append_str(err, " is not a time (use HH:MM, 00:00 to 23:59)");
			return -1;
		}
		c->has_time = true;
	}
	s->absolute = true;
	s->until = days_from_civil(c->year, c->month, c->day) * 86400 +
		   c->hour * 3600 + c->minute * 60 - tz_offset_s;
	if (s->until <= now) {
		buf_printf(err, "#snooze: %04d-%02d-%02d %02d:%02d is in the past",
			   c->year, c->month, c->day, c->hour, c->minute);
		return -1;
	}
	return 0;
}

/* A date-shaped first word means the absolute form, anything else a duration. */
int agent_snooze_read(struct strv word, struct strv time_word, int64_t now, int32_t tz_offset_s,
		      struct agent_snooze *s_r, struct buf *err)
{
	memset(s_r, 0, sizeof(*s_r));
	if (date_shaped(word))
		return snooze_absolute(word, time_word, now, tz_offset_s, s_r, err);
	if (duration_read(word, &s_r->duration_s) < 0) {
		buf_append_str(err, "#snooze: ");
		agent_quote(err, word);
		buf_append_str(err, " is not a duration (" AGENT_SNOOZE_USAGE ")");
		return -1;
	}
	if (time_word.len > 0) {
		buf_append_str(err, "#snooze takes one duration, found also ");
		agent_quote(err, time_word);
		return -1;
	}
	s_r->until = now + s_r->duration_s;
	return 0;
}

/* [a-z0-9][a-z0-9_.-]{0,max-1}, either case. */
static bool name_ok(struct strv w, size_t max, bool alnum_first)
{
	if (w.len == 0 || w.len > max)
		return false;
	if (alnum_first && !is_name_char(w.p[0]))
		return false;
	if (alnum_first && (w.p[0] == '_' || w.p[0] == '.' || w.p[0] == '-'))
		return false;
	for (size_t i = 0; i < w.len; i++)
		if (!is_name_char(w.p[i]))
			return false;
	return true;
}

/* Tags are stored in lower case so "Refund" and "refund" are one tag. */
int agent_tag_read(const char *cmd, struct strv word, char **tag_r, struct buf *err)
{
	if (!name_ok(word, TAG_MAX, true)) {
		buf_printf(err, "#%s: ", cmd);
		agent_quote(err, word);
		buf_append_str(err, " is not a tag (use a-z, 0-9, _ . -, at most 64, "
				    "starting with a letter or digit)");
		return -1;
	}
	*tag_r = lower_dup(word);
	return 0;
}

/* Template names are looked up in lower case, like tags. */
int agent_template_read(struct strv word, char **name_r, struct buf *err)
{
	if (!name_ok(word, TEMPLATE_MAX, false)) {
		buf_append_str(err, "#template: ");
		agent_quote(err, word);
		buf_append_str(err, " is not a template name (use a-z, 0-9, _ . -, at most 64)");
		return -1;
	}
	*name_r = lower_dup(word);
	return 0;
}

/* RFC 5322 atext plus '.', without the characters that end an address. */
static bool local_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"(),:;<>@[\\]", c) == NULL;
}

/* Dot-separated labels of letters, digits and '-', none empty. */
static bool domain_ok(struct strv d)
{
	size_t label = 0;

	if (d.len == 0 || d.len > 253)
		return false;
	for (size_t i = 0; i < d.len; i++) {
		char c = d.p[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (is_digit(c) || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* local@domain with exactly one '@' and sane characters on both sides. */
static bool address_ok(struct strv w)
{
	const char *at = memchr(w.p, '@', w.len);
	size_t local;

	if (at == NULL || w.len > ADDRESS_MAX)
		return false;
	local = (size_t)(at - w.p);
	if (local == 0 || local > 64)
		return false;
	for (size_t i = 0; i < local; i++)
		if (!local_char_ok(w.p[i]))
			return false;
	return domain_ok((struct strv){ at + 1, w.len - local - 1 });
}

/* An agent's address, or "me" for the agent who wrote the reply. */
int agent_address_read(struct strv word, char **address_r, bool *me_r, struct buf *err)
{
	struct strv w = word;

	*address_r = NULL;
	*me_r = false;
	if (strv_eq_ci(w, "me")) {
		*me_r = true;
		return 0;
	}
	if (w.len >= 2 && w.p[0] == '<' && w.p[w.len - 1] == '>')
		w = (struct strv){ w.p + 1, w.len - 2 };
	if (!address_ok(w)) {
		buf_append_str(err, "#assign: ");
		agent_quote(err, word);
		buf_append_str(err, " is not an address (use name@example.org or \"me\")");
		return -1;
	}
	*address_r = lower_dup(w);
	return 0;
}

/* A customer's address an agent names (#cc add/remove). */
int agent_mailbox_read(const char *cmd, struct strv word, char **address_r, struct buf *err)
{
	struct strv w = word;

	*address_r = NULL;
	if (w.len >= 2 && w.p[0] == '<' && w.p[w.len - 1] == '>')
		w = (struct strv){ w.p + 1, w.len - 2 };
	if (!address_ok(w)) {
		buf_printf(err, "#%s: ", cmd);
		agent_quote(err, word);
		buf_append_str(err, " is not an address (use name@example.org)");
		return -1;
	}
	*address_r = lower_dup(w);
	return 0;
}

/* Words and digits map to the same 0-3 scale. */
int agent_priority_read(struct strv word, int *priority_r, struct buf *err)
{
	static const char *const names[] = { "low", "medium", "high", "urgent" };

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strv_eq_ci(word, names[i]) ||
		    (word.len == 1 && word.p[0] == (char)('0' + i))) {
			*priority_r = (int)i;
			return 0;
		}
	}
	buf_append_str(err, "#priority: ");
	agent_quote(err, word);
	buf_append_str(err, " is not one of urgent, high, medium, low, 0-3");
	return -1;
}
