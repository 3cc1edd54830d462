/* Where the new part of a reply ends: the separators mail clients write
 * above the quoted history (see text.h for the list). */
#include "config.h"
#include "text/text.h"

#include <stdbool.h>
#include <string.h>

#include "base/strv.h"

/* Longer "lines" are paragraphs, not attributions. */
#define ATTRIBUTION_MAX 400
/* Outlook on the web draws its separator with at least this many '_'. */
#define UNDERSCORES_MIN 20

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* An attribution: the word it starts with and the verb before the colon
 * (verb_last) or somewhere inside it (German, Dutch: "schrieb Carla:"). */
struct attribution {
	const char *start;
	const char *verb;
	bool verb_last;
};

static const struct attribution attributions[] = {
	{ "On", "wrote", true },
	{ "Am", "schrieb", false },
	{ "El", "escribió", true },
	{ "Le", "a écrit", true },
	{ "Op", "schreef", false },
	{ "Il", "ha scritto", true },
	{ "Em", "escreveu", true },
};

/* Between dashes: "-----Original Message-----" and the forwarded kind. */
static const char *const dashed_phrases[] = {
	"Original Message", "Ursprüngliche Nachricht", "Mensaje original",
	"Message d'origine", "Oorspronkelijk bericht", "Messaggio originale",
	"Mensagem original", "Forwarded message", "Weitergeleitete Nachricht",
	"Mensaje reenviado", "Message transféré", "Doorgestuurd bericht",
	"Messaggio inoltrato", "Mensagem encaminhada",
};

/* A whole line before its colon: Apple Mail's forward separators. */
static const char *const colon_phrases[] = {
	"Begin forwarded message", "Anfang der weitergeleiteten Nachricht",
	"Inicio del mensaje reenviado", "Début du message réexpédié",
	"Início da mensagem reencaminhada",
};

/* Header names that open an Outlook header block. */
static const char *const from_names[] = {
	"From", "De", "Von", "Van", "Da", "Fra", "Från",
};

/* Header names that follow the From line of an Outlook header block. */
static const char *const next_names[] = {
	"Sent", "Date", "To", "Subject", "Cc",
	"Enviado", "Fecha", "Para", "Asunto", "Gesendet", "Datum", "An",
	"Betreff", "Envoyé", "À", "Objet", "Verzonden", "Aan", "Onderwerp",
	"Inviato", "Data", "A", "Oggetto", "Assunto",
};

/* The line at *off without its LF or CR LF; moves *off past the line.
 * Call only with *off < len. */
static struct strv line_take(const char *text, size_t len, size_t *off)
{
	const char *p = text + *off;
	const char *nl = memchr(p, '\n', len - *off);
	size_t n = nl != NULL ? (size_t)(nl - p) : len - *off;

	*off += nl != NULL ? n + 1 : n;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return (struct strv){ p, n };
}

/* Blank lines separate paragraphs and never decide anything. */
static bool line_is_blank(struct strv line)
{
	return strv_trim(line).len == 0;
}

/* A line quoted by the usual "> " convention. */
static bool line_is_quoted(struct strv line)
{
	struct strv t = strv_trim(line);
	return t.len > 0 && t.p[0] == '>';
}

/* Spaces before a colon may be no-break ones in French (U+00A0, U+202F). */
static struct strv trim_end_nbsp(struct strv v)
{
	for (;;) {
		v = strv_trim(v);
		if (v.len >= 2 && memcmp(v.p + v.len - 2, "\xc2\xa0", 2) == 0)
			v.len -= 2;
		else if (v.len >= 3 && memcmp(v.p + v.len - 3, "\xe2\x80\xaf", 3) == 0)
			v.len -= 3;
		else
			return v;
	}
}

/* Lines like "... wrote:" end with a colon; *before_r is what precedes it. */
static bool colon_end_split(struct strv v, struct strv *before_r)
{
	v = trim_end_nbsp(v);
	if (v.len == 0 || v.p[v.len - 1] != ':')
		return false;
	v.len--;
	*before_r = trim_end_nbsp(v);
	return true;
}

/* Words compare without regard to ASCII case; other bytes exactly. */
static bool bytes_eq_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* True when v starts with word followed by a space or tab. */
static bool starts_with_word(struct strv v, const char *word)
{
	size_t n = strlen(word);
	return v.len > n && bytes_eq_ci(v.p, word, n) && (v.p[n] == ' ' || v.p[n] == '\t');
}

/* True when v ends with word preceded by a space or tab. */
static bool ends_with_word(struct strv v, const char *word)
{
	size_t n = strlen(word);
	if (v.len <= n || !bytes_eq_ci(v.p + v.len - n, word, n))
		return false;
	char c = v.p[v.len - n - 1];
	return c == ' ' || c == '\t';
}

/* True when word occurs in v between spaces (German "schrieb Carla"). */
static bool contains_word(struct strv v, const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 1; i + n + 1 <= v.len; i++) {
		if (v.p[i - 1] == ' ' && bytes_eq_ci(v.p + i, word, n)
		    && (i + n == v.len || v.p[i + n] == ' '))
			return true;
	}
	return false;
}

/* The date in an attribution tells it from a sentence ("On Monday I wrote:"). */
static bool contains_digit(struct strv v)
{
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] >= '0' && v.p[i] <= '9')
			return true;
	}
	return false;
}

/* One (already joined) attribution line, e.g. "On 3 Nov 2026, Carla wrote:". */
static bool attribution_match(struct strv t)
{
	struct strv body;

	if (t.len >= ATTRIBUTION_MAX || !colon_end_split(t, &body) || !contains_digit(body))
		return false;
	for (size_t i = 0; i < N_ELEMENTS(attributions); i++) {
		const struct attribution *a = &attributions[i];
		if (!starts_with_word(body, a->start))
			continue;
		if (a->verb_last ? ends_with_word(body, a->verb) : contains_word(body, a->verb))
			return true;
	}
	return false;
}

/* A first line that may continue on the next: it starts like an
 * attribution and does not end a sentence. */
static bool attribution_may_wrap(struct strv t)
{
	bool starts = false;

	for (size_t i = 0; i < N_ELEMENTS(attributions); i++)
		starts = starts || starts_with_word(t, attributions[i].start);
	if (!starts || t.len == 0)
		return false;
	char c = t.p[t.len - 1];
	return c != '.' && c != '!' && c != '?' && c != ':';
}

/* The attribution starting at line t (next line at *off); on a match *off
 * moves past its last line. */
static bool attribution_find(const char *text, size_t len, struct strv t, size_t *off)
{
	char joined[ATTRIBUTION_MAX];
	size_t off2 = *off;

	if (attribution_match(t))
		return true;
	if (off2 >= len || t.len >= ATTRIBUTION_MAX || !attribution_may_wrap(t))
		return false;
	struct strv t2 = strv_trim(line_take(text, len, &off2));
	if (t2.len == 0 || t2.p[0] == '>' || t.len + 1 + t2.len >= ATTRIBUTION_MAX)
		return false;
	memcpy(joined, t.p, t.len);
	joined[t.len] = ' ';
	memcpy(joined + t.len + 1, t2.p, t2.len);
	if (!attribution_match((struct strv){ joined, t.len + 1 + t2.len }))
		return false;
	*off = off2;
	return true;
}

/* After an attribution: quoted lines followed by unquoted text mean the
 * reply is written between the quotes, so nothing may be cut. */
static bool inline_reply_follows(const char *text, size_t len, size_t off)
{
	bool quoted = false;

	while (off < len) {
		struct strv line = line_take(text, len, &off);
		if (line_is_blank(line))
			continue;
		if (!line_is_quoted(line))
			return quoted;
		quoted = true;
	}
	return false;
}

/* "-----Original Message-----", "---------- Forwarded message ---------". */
static bool dashed_phrase_match(struct strv t)
{
	size_t lead = 0, trail = 0;

	while (lead < t.len && t.p[lead] == '-')
		lead++;
	while (trail < t.len - lead && t.p[t.len - 1 - trail] == '-')
		trail++;
	if (lead < 2 || trail < 2)
		return false;
	struct strv mid = strv_trim((struct strv){ t.p + lead, t.len - lead - trail });
	for (size_t i = 0; i < N_ELEMENTS(dashed_phrases); i++) {
		if (mid.len == strlen(dashed_phrases[i]) && bytes_eq_ci(mid.p, dashed_phrases[i], mid.len))
			return true;
	}
	return false;
}

/* "Begin forwarded message:" and its translations. */
static bool colon_phrase_match(struct strv t)
{
	struct strv before;

	if (!colon_end_split(t, &before))
		return false;
	for (size_t i = 0; i < N_ELEMENTS(colon_phrases); i++) {
		if (before.len == strlen(colon_phrases[i]) && bytes_eq_ci(before.p, colon_phrases[i], before.len))
			return true;
	}
	return false;
}

/* True when line t is "Name: ..." (or "*Name:* ...") for a name in names. */
static bool header_line_match(struct strv t, const char *const *names, size_t n_names)
{
	t = strv_trim(t);
	if (t.len > 0 && t.p[0] == '*') {
		t.p++;
		t.len--;
	}
	for (size_t i = 0; i < n_names; i++) {
		size_t n = strlen(names[i]);
		if (t.len > n && t.p[n] == ':' && bytes_eq_ci(t.p, names[i], n))
			return true;
	}
	return false;
}

/* Outlook's header block: a From line with another header line among the
 * next two lines (starting at off). */
static bool header_block_match(const char *text, size_t len, struct strv t, size_t off)
{
	if (!header_line_match(t, from_names, N_ELEMENTS(from_names)))
		return false;
	for (int i = 0; i < 2 && off < len; i++) {
		if (header_line_match(line_take(text, len, &off), next_names, N_ELEMENTS(next_names)))
			return true;
	}
	return false;
}

/* Outlook on the web: a line of underscores, then (maybe after one blank
 * line) a From line. */
static bool underscores_match(const char *text, size_t len, struct strv t, size_t off)
{
	if (t.len < UNDERSCORES_MIN)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] != '_')
			return false;
	}
	for (int i = 0; i < 2 && off < len; i++) {
		struct strv next = line_take(text, len, &off);
		if (header_line_match(next, from_names, N_ELEMENTS(from_names)))
			return true;
		if (!line_is_blank(next))
			return false;
	}
	return false;
}

/* True when line (the next line starts at off) begins the history. */
static bool line_is_separator(const char *text, size_t len, struct strv line, size_t off)
{
	struct strv t = strv_trim(line);

	if (memmem(line.p, line.len, TEXT_REPLY_MARKER, strlen(TEXT_REPLY_MARKER)) != NULL)
		return true;
	if (t.len == 0 || t.p[0] == '>')
		return false;
	if (dashed_phrase_match(t) || colon_phrase_match(t))
		return true;
	if (attribution_find(text, len, t, &off))
		return !inline_reply_follows(text, len, off);
	return header_block_match(text, len, t, off) || underscores_match(text, len, t, off);
}

/* Offset of the first line of the trailing quote (quoted and blank lines
 * up to the end), or len when the text does not end in a quote. */
static size_t quote_tail_start(const char *text, size_t len)
{
	size_t off = 0, tail = len;

	while (off < len) {
		size_t start = off;
		struct strv line = line_take(text, len, &off);
		if (line_is_quoted(line)) {
			if (tail == len)
				tail = start;
		} else if (!line_is_blank(line)) {
			tail = len;
		}
	}
	return tail;
}

/* The trailing quote is found first so each line is tested once against
 * it; the first separator above it wins. */
size_t text_reply_new_len(const char *text, size_t len)
{
	size_t tail, off = 0;

	if (len == 0)
		return 0;
	tail = quote_tail_start(text, len);
	while (off < tail) {
		size_t start = off;
		struct strv line = line_take(text, len, &off);
		if (line_is_separator(text, len, line, off))
			return start;
	}
	return tail;
}
