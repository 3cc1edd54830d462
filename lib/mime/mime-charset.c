/* Charset handling for lib/mime: every string the module hands out passes
 * through here and comes out as valid UTF-8 without NUL bytes. Declared
 * charsets are honoured when they decode the bytes; undeclared or lying ones
 * are detected with uchardet, and windows-1252 (which maps every byte) is the
 * last resort, so conversion never fails. */
#include "config.h"

#include "mime/mime-private.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include <uchardet/uchardet.h>

#include "base/buf.h"
#include "base/xalloc.h"

enum cs_kind {
	CS_NONE,   /* undeclared or us-ascii: 7-bit expected */
	CS_UTF8,
	CS_LATIN,  /* iso-8859-1 and windows-1252, decoded as windows-1252 (WHATWG) */
	CS_SINGLE, /* other one-byte charsets, via iconv */
	CS_MULTI,  /* multi-byte or stateful charsets, via iconv */
};

struct charset {
	char name[MIME_CHARSET_MAX]; /* name for iconv */
	enum cs_kind kind;
};

static const struct {
	const char *label, *name;
	enum cs_kind kind;
} charset_aliases[] = {
	{ "us-ascii", "ASCII", CS_NONE }, { "ascii", "ASCII", CS_NONE },
	{ "ansi_x3.4-1968", "ASCII", CS_NONE }, { "iso646-us", "ASCII", CS_NONE },
	{ "us", "ASCII", CS_NONE }, { "unknown-8bit", "ASCII", CS_NONE },
	{ "x-unknown", "ASCII", CS_NONE }, { "unknown", "ASCII", CS_NONE },
	{ "default", "ASCII", CS_NONE },
	{ "utf-8", "UTF-8", CS_UTF8 }, { "utf8", "UTF-8", CS_UTF8 },
	{ "x-utf8", "UTF-8", CS_UTF8 }, { "unicode-1-1-utf-8", "UTF-8", CS_UTF8 },
	{ "iso-8859-1", "CP1252", CS_LATIN }, { "iso8859-1", "CP1252", CS_LATIN },
	{ "iso_8859-1", "CP1252", CS_LATIN }, { "latin1", "CP1252", CS_LATIN },
	{ "latin-1", "CP1252", CS_LATIN }, { "l1", "CP1252", CS_LATIN },
	{ "cp819", "CP1252", CS_LATIN }, { "ibm819", "CP1252", CS_LATIN },
	{ "iso-ir-100", "CP1252", CS_LATIN }, { "csisolatin1", "CP1252", CS_LATIN },
	{ "windows-1252", "CP1252", CS_LATIN }, { "cp1252", "CP1252", CS_LATIN },
	{ "x-cp1252", "CP1252", CS_LATIN }, { "cp-1252", "CP1252", CS_LATIN },
	{ "gb2312", "GB18030", CS_MULTI }, { "gbk", "GB18030", CS_MULTI },
	{ "x-gbk", "GB18030", CS_MULTI }, { "cp936", "GB18030", CS_MULTI },
	{ "euc-cn", "GB18030", CS_MULTI }, { "csgb2312", "GB18030", CS_MULTI },
	{ "gb_2312-80", "GB18030", CS_MULTI }, { "gb18030", "GB18030", CS_MULTI },
	{ "ks_c_5601-1987", "CP949", CS_MULTI }, { "euc-kr", "CP949", CS_MULTI },
	{ "ks_c_5601", "CP949", CS_MULTI }, { "cp949", "CP949", CS_MULTI },
	{ "windows-949", "CP949", CS_MULTI }, { "uhc", "CP949", CS_MULTI },
	{ "shift_jis", "CP932", CS_MULTI }, { "shift-jis", "CP932", CS_MULTI },
	{ "sjis", "CP932", CS_MULTI }, { "x-sjis", "CP932", CS_MULTI },
	{ "ms_kanji", "CP932", CS_MULTI }, { "windows-31j", "CP932", CS_MULTI },
	{ "cp932", "CP932", CS_MULTI },
	{ "iso-2022-jp", "ISO-2022-JP-2", CS_MULTI }, { "csiso2022jp", "ISO-2022-JP-2", CS_MULTI },
	{ "big5", "BIG5-HKSCS", CS_MULTI }, { "big-5", "BIG5-HKSCS", CS_MULTI },
	{ "cn-big5", "BIG5-HKSCS", CS_MULTI }, { "x-x-big5", "BIG5-HKSCS", CS_MULTI },
	{ "iso-8859-8-i", "ISO-8859-8", CS_SINGLE },
	{ "unicode-1-1-utf-7", "UTF-7", CS_MULTI },
};

/* Label prefixes of charsets that are not one byte per character. */
static const char *const multi_prefixes[] = {
	"utf-", "ucs", "iso-2022", "gb", "big5", "euc", "hz", "johab", "x-euc", "shift",
};

/* Ensures a label is a plausible charset name before it reaches iconv. */
static bool charset_label_sane(const char *label, size_t len)
{
	if (len == 0 || len >= MIME_CHARSET_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = label[i];
		if (!g_ascii_isalnum(c) && !strchr("-_.:+()", c))
			return false;
	}
	return true;
}

/* Maps a declared or guessed charset label to an iconv name and its kind;
 * false when the label is absent or unusable. */
static bool charset_resolve(const char *label, struct charset *cs)
{
	char low[MIME_CHARSET_MAX];
	size_t len;

	if (label == NULL)
		return false;
	while (*label == ' ' || *label == '\t' || *label == '"')
		label++;
	len = strlen(label);
	while (len > 0 && strchr(" \t\"", label[len - 1]))
		len--;
	if (!charset_label_sane(label, len))
		return false;
	for (size_t i = 0; i < len; i++)
		low[i] = g_ascii_tolower(label[i]);
	low[len] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(charset_aliases); i++) {
		if (strcmp(low, charset_aliases[i].label) == 0) {
			g_strlcpy(cs->name, charset_aliases[i].name, sizeof cs->name);
			cs->kind = charset_aliases[i].kind;
			return true;
		}
	}
	g_strlcpy(cs->name, low, sizeof cs->name);
	cs->kind = CS_SINGLE;
	for (size_t i = 0; i < G_N_ELEMENTS(multi_prefixes); i++)
		if (g_str_has_prefix(low, multi_prefixes[i]))
			cs->kind = CS_MULTI;
	return true;
}

/* Cheap test that decides whether any charset work is needed. */
bool mime_has_8bit(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] & 0x80)
			return true;
	return false;
}

/* ISO-2022 escape sequences: 7-bit text that is not ASCII. */
static bool has_iso2022_escape(const char *data, size_t len)
{
	for (const char *p = data; (p = memchr(p, 0x1b, len - (size_t)(p - data))) != NULL; p++)
		if ((size_t)(p - data) + 1 < len && (p[1] == '$' || p[1] == '(' || p[1] == ')'))
			return true;
	return false;
}

/* UTF-8 validity where NUL bytes are allowed (they are dropped later). */
static bool utf8_valid_with_nuls(const char *data, size_t len)
{
	while (len > 0) {
		const char *end;

		if (g_utf8_validate_len(data, len, &end))
			return true;
		if (*end != '\0')
			return false;
		len -= (size_t)(end - data) + 1;
		data = end + 1;
	}
	return true;
}

/* Strict validity: NULs count as invalid, as they would truncate a C string. */
bool mime_utf8_valid(const char *data, size_t len)
{
	return g_utf8_validate_len(data, len, NULL);
}

/* 8-bit bytes that UTF-8 does not explain: a charset has to be chosen. */
bool mime_needs_charset(const char *data, size_t len)
{
	return mime_has_8bit(data, len) && !utf8_valid_with_nuls(data, len);
}

/* Appends the valid parts of data, U+FFFD for each invalid byte, no NULs. */
static void utf8_repair(const char *data, size_t len, struct buf *out)
{
	while (len > 0) {
		const char *end;
		size_t good;

		if (g_utf8_validate_len(data, len, &end)) {
			buf_append(out, data, len);
			return;
		}
		good = (size_t)(end - data);
		buf_append(out, data, good);
		if (*end != '\0')
			buf_append(out, "\xEF\xBF\xBD", 3);
		data = end + 1;
		len -= good + 1;
	}
}

/* For strings that should already be UTF-8 (from GMime, from libxml2): a repaired copy. */
char *mime_utf8_dup(const char *data, size_t len, size_t *len_r)
{
	struct buf out;

	buf_init(&out, 0);
	utf8_repair(data, len, &out);
	buf_append(&out, "", 0);
	return buf_steal(&out, len_r);
}

/* windows-1252 bytes 0x80-0x9F; the five unassigned ones map to C1 as WHATWG does. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* The decoder of last resort: every byte means something in windows-1252. */
static void cp1252_decode(const char *data, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		gunichar u = c;
		char tmp[6];

		if (c < 0x80) {
			buf_append(out, &data[i], 1);
			continue;
		}
		if (c < 0xA0)
			u = cp1252_high[c - 0x80];
		buf_append(out, tmp, (size_t)g_unichar_to_utf8(u, tmp));
	}
}

/* Converts with iconv. Strict fails on any invalid or incomplete sequence;
 * lenient puts U+FFFD there. False also when iconv lacks the charset. */
static bool iconv_decode(const char *data, size_t len, const char *name, bool strict, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", name);
	char *in = (char *)data, tmp[4096], *o;
	size_t inleft = len, oleft;

	if (cd == (iconv_t)-1)
		return false;
	while (inleft > 0) {
		o = tmp;
		oleft = sizeof tmp;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		buf_append(out, tmp, sizeof tmp - oleft);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (strict) {
			iconv_close(cd);
			return false;
		}
		buf_append(out, "\xEF\xBF\xBD", 3);
		in++;
		inleft--;
	}
	o = tmp;
	oleft = sizeof tmp;
	iconv(cd, NULL, NULL, &o, &oleft); /* shift back to the initial state */
	buf_append(out, tmp, sizeof tmp - oleft);
	iconv_close(cd);
	return true;
}

/* Decodes with one charset; strict means any doubt is a failure. out is
 * left empty on failure. */
static bool decode_as(const char *data, size_t len, const struct charset *cs, bool strict, struct buf *out)
{
	bool ok = true;

	buf_reset(out);
	switch (cs->kind) {
	case CS_NONE:
		ok = !mime_has_8bit(data, len) && !has_iso2022_escape(data, len);
		if (ok)
			buf_append(out, data, len);
		break;
	case CS_UTF8:
		ok = !strict || utf8_valid_with_nuls(data, len);
		if (ok)
			utf8_repair(data, len, out);
		break;
	case CS_LATIN:
		cp1252_decode(data, len, out);
		break;
	case CS_SINGLE:
	case CS_MULTI:
		ok = iconv_decode(data, len, cs->name, strict, out);
		break;
	}
	if (!ok)
		buf_reset(out);
	return ok;
}

/* uchardet's opinion on data, resolved; false when it has none. */
static bool charset_detect(const char *data, size_t len, struct charset *cs)
{
	uchardet_t ud = uchardet_new();
	bool ok = false;

	if (ud == NULL)
		return false;
	if (uchardet_handle_data(ud, data, MIN(len, (size_t)MIME_DETECT_MAX)) == 0) {
		uchardet_data_end(ud);
		ok = charset_resolve(uchardet_get_charset(ud), cs);
	}
	uchardet_delete(ud);
	return ok;
}

/* Count of well-formed multi-byte UTF-8 sequences: tells "UTF-8 with a few
 * broken bytes" from "some other charset labelled UTF-8". */
static bool has_utf8_multibyte(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;

		if (n > 0 && i + n <= len && g_utf8_validate_len(data + i, n, NULL))
			return true;
	}
	return false;
}

/* The declared charset's reading, when it is believable. */
static bool text_decode_declared(const char *data, size_t len, const struct charset *cs, unsigned *defects,
				 struct buf *out)
{
	bool high = mime_has_8bit(data, len);

	if (cs->kind == CS_UTF8 && !utf8_valid_with_nuls(data, len) && has_utf8_multibyte(data, len)) {
		*defects |= MIME_DEFECT_BAD_CHARSET; /* UTF-8 with a few broken bytes */
		return decode_as(data, len, cs, false, out);
	}
	if ((cs->kind == CS_LATIN || cs->kind == CS_SINGLE) && high && utf8_valid_with_nuls(data, len)) {
		*defects |= MIME_DEFECT_BAD_CHARSET; /* UTF-8 labelled as a legacy charset */
		buf_reset(out);
		utf8_repair(data, len, out);
		return true;
	}
	return decode_as(data, len, cs, true, out);
}

/* The fallback chain once the declared charset failed: UTF-8, uchardet's
 * guess, the declared charset leniently, windows-1252. */
static void text_decode_detected(const char *data, size_t len, const struct charset *declared, struct buf *out)
{
	struct charset guess;

	buf_reset(out);
	if (utf8_valid_with_nuls(data, len)) {
		utf8_repair(data, len, out);
		return;
	}
	if (charset_detect(data, len, &guess) && decode_as(data, len, &guess, true, out))
		return;
	if (declared->kind == CS_MULTI && decode_as(data, len, declared, false, out))
		return;
	buf_reset(out);
	cp1252_decode(data, len, out);
}

/* Hands out the buffer as a C string: NULs dropped (and reported), UTF-8
 * validity guaranteed even if a converter misbehaved. */
static char *text_finish(struct buf *out, unsigned *defects, size_t *len_r)
{
	struct buf clean;

	if (memchr(out->data ? out->data : "", '\0', out->len) != NULL)
		*defects |= MIME_DEFECT_NUL_BYTES;
	buf_init(&clean, 0);
	utf8_repair(out->data ? out->data : "", out->len, &clean);
	buf_append(&clean, "", 0);
	buf_free(out);
	return buf_steal(&clean, len_r);
}

/* Body text: the full chain, with detection, as declared charsets often lie. */
char *mime_text_to_utf8(const char *data, size_t len, const char *declared, unsigned *defects, size_t *len_r)
{
	struct charset cs = { "ASCII", CS_NONE };
	struct buf out;

	buf_init(&out, 0);
	charset_resolve(declared, &cs);
	if (!text_decode_declared(data, len, &cs, defects, &out)) {
		*defects |= MIME_DEFECT_BAD_CHARSET;
		text_decode_detected(data, len, &cs, &out);
	}
	return text_finish(&out, defects, len_r);
}

/* Short strings: no detection, a known or guessed charset is all there is. */
char *mime_charset_decode_short(const char *data, size_t len, const char *charset, unsigned *defects)
{
	struct charset cs = { "ASCII", CS_NONE };
	struct buf out;

	buf_init(&out, 0);
	charset_resolve(charset, &cs);
	if (!decode_as(data, len, &cs, true, &out)) {
		*defects |= MIME_DEFECT_BAD_CHARSET;
		if (utf8_valid_with_nuls(data, len) || (cs.kind == CS_UTF8 && has_utf8_multibyte(data, len)))
			utf8_repair(data, len, &out);
		else if (cs.kind < CS_SINGLE || !decode_as(data, len, &cs, false, &out))
			cp1252_decode(data, len, &out);
	}
	return text_finish(&out, defects, NULL);
}

/* One charset for all raw 8-bit header bytes of a message, chosen once. */
void mime_charset_guess(const char *data, size_t len, const char *hint, char out[MIME_CHARSET_MAX])
{
	struct charset cs;
	struct buf tmp;

	buf_init(&tmp, 0);
	g_strlcpy(out, "windows-1252", MIME_CHARSET_MAX);
	if (charset_resolve(hint, &cs) && cs.kind >= CS_LATIN && decode_as(data, len, &cs, true, &tmp))
		g_strlcpy(out, cs.name, MIME_CHARSET_MAX);
	else if (charset_detect(data, len, &cs) && cs.kind >= CS_LATIN && decode_as(data, len, &cs, true, &tmp))
		g_strlcpy(out, cs.name, MIME_CHARSET_MAX);
	buf_free(&tmp);
}

/* CRLF and LF inputs must give the same text. Every CR right before an
 * LF goes, not only one: "\r\r\n" must not leave a CRLF behind. */
size_t mime_crlf_to_lf(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			while (o > 0 && s[o - 1] == '\r')
				o--;
		s[o++] = s[i];
	}
	if (o < len)
		s[o] = '\0';
	return o;
}
