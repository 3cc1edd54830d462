/* Subject tags such as "[#1042]": made for outgoing subjects, found in
 * incoming ones, with a per-tenant format. */
#include "config.h"
#include "thread/thread.h"
#include "thread/thread-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define THREAD_TAG_PLACEHOLDER "{number}"
#define THREAD_TAG_FORMAT_MAX 64
/* Ticket numbers in tags: up to 18 digits, always inside int64. */
#define THREAD_TAG_DIGITS_MAX 18

/* A format cut at its placeholder; views into the format string. */
struct thread_tag_format {
	const char *prefix;
	size_t prefix_len;
	const char *suffix;
	size_t suffix_len;
};

/* Parses and checks a format in one pass so make, find and the check
 * agree on what is valid. Returns NULL or the reason it is not. */
static const char *thread_tag_format_parse(const char *format, struct thread_tag_format *tf)
{
	const char *ph;
	size_t len;

	if (format == NULL || format[0] == '\0')
		return "the format is empty";
	len = strlen(format);
	if (len > THREAD_TAG_FORMAT_MAX)
		return "the format is longer than 64 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)format[i];
		if (c < 0x20 || c == 0x7f)
			return "the format contains a control character";
	}
	ph = strstr(format, THREAD_TAG_PLACEHOLDER);
	if (ph == NULL)
		return "the format has no {number}";
	if (strstr(ph + 1, THREAD_TAG_PLACEHOLDER) != NULL)
		return "the format has {number} more than once";
	if (ph == format)
		return "the format needs literal text before {number} (else any number in a subject matches)";
	tf->prefix = format;
	tf->prefix_len = (size_t)(ph - format);
	tf->suffix = ph + strlen(THREAD_TAG_PLACEHOLDER);
	tf->suffix_len = len - tf->prefix_len - strlen(THREAD_TAG_PLACEHOLDER);
	if (tf->suffix[0] >= '0' && tf->suffix[0] <= '9')
		return "the text after {number} must not start with a digit";
	return NULL;
}

const char *thread_subject_tag_format_check(const char *format)
{
	struct thread_tag_format tf;

	return thread_tag_format_parse(format, &tf);
}

int thread_subject_tag_make(const char *format, int64_t number, char *out, size_t out_size)
{
	struct thread_tag_format tf;
	int n;

	if (out_size > 0)
		out[0] = '\0';
	if (thread_tag_format_parse(format, &tf) != NULL || number <= 0)
		return -1;
	n = snprintf(out, out_size, "%.*s%" PRId64 "%.*s", (int)tf.prefix_len, tf.prefix, number,
		     (int)tf.suffix_len, tf.suffix);
	if (n < 0 || (size_t)n >= out_size) {
		if (out_size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/* Literal text of the format matches regardless of ASCII case ("[acme-7]"
 * for "[ACME-{number}]"): mail clients and people retype tags. */
static bool thread_literal_match(const char *s, const char *lit, size_t lit_len)
{
	for (size_t i = 0; i < lit_len; i++) {
		if (s[i] == '\0' || thread_ascii_lower(s[i]) != thread_ascii_lower(lit[i]))
			return false;
	}
	return true;
}

/* Tries a tag at s: prefix, a ticket number, suffix. */
static bool thread_tag_match_at(const struct thread_tag_format *tf, const char *s, int64_t *number_r)
{
	const char *digits;
	size_t n = 0;
	int64_t number;

	if (!thread_literal_match(s, tf->prefix, tf->prefix_len))
		return false;
	digits = s + tf->prefix_len;
	while (digits[n] >= '0' && digits[n] <= '9')
		n++;
	if (!thread_digits_parse(digits, n, THREAD_TAG_DIGITS_MAX, &number) || number == 0)
		return false;
	if (!thread_literal_match(digits + n, tf->suffix, tf->suffix_len))
		return false;
	*number_r = number;
	return true;
}

int thread_subject_tag_find(const char *format, const char *subject, int64_t *number_r)
{
	struct thread_tag_format tf;

	if (subject == NULL || thread_tag_format_parse(format, &tf) != NULL)
		return 0;
	for (const char *s = subject; *s != '\0'; s++) {
		if (thread_tag_match_at(&tf, s, number_r))
			return 1;
	}
	return 0;
}
