/* Times mime_parse() on hostile Subject headers (RFC 2047 words that never
 * end, many words, nested starts) so a quadratic path shows up as seconds
 * instead of milliseconds. Prints one line per case; no assertion (the unit
 * tests in t/test-mime.c check the output, not the time). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "mime/mime.h"

/* A message whose header name is unit repeated until size bytes. */
static char *hostile_message(const char *name, const char *unit, size_t size, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "Message-ID: <a@example.org>\n");
	buf_append_str(&b, name);
	buf_append_str(&b, ": ");
	for (size_t n = 0; n < size; n += strlen(unit))
		buf_append_str(&b, unit);
	buf_append_str(&b, " <x@example.org>\n\nbody\n");
	return buf_steal(&b, len_r);
}

/* Milliseconds of CPU time between two clock() readings. */
static double ms_between(clock_t a, clock_t b)
{
	return (double)(b - a) * 1000.0 / CLOCKS_PER_SEC;
}

/* Parses one hostile message and prints the time it took. */
static void bench_case(const char *header, const char *unit, size_t size)
{
	size_t len;
	char *raw = hostile_message(header, unit, size, &len);
	clock_t t0 = clock();
	struct mime_message *msg = mime_parse(raw, len);
	clock_t t1 = clock();

	printf("%-9s %-36s %7zu bytes %9.1f ms\n", header, unit, len, ms_between(t0, t1));
	mime_message_free(&msg);
	free(raw);
}

/* Size in KB from argv[1], default 300. */
int main(int argc, char **argv)
{
	size_t size = (argc > 1 ? (size_t)atol(argv[1]) : 300) * 1024;

	mime_init();
	printf("%-9s %-36s %7s       %9s\n", "header", "repeated", "size", "CPU time");
	bench_case("Subject", "=?a?q?a", size);
	bench_case("Subject", "=?", size);
	bench_case("Subject", "=?utf-8?q?a?= ", size);
	bench_case("Subject", "=?utf-8?q?a?= =?iso-8859-1?q?b?= ", size);
	bench_case("Subject", "=?utf-8?b?w6k=?=", size);
	bench_case("Subject", "plain text ", size);
	bench_case("From", "=?a?q?a", size);
	bench_case("To", "=?a?q?a", size);
	bench_case("Reply-To", "=?a?q?a", size);
	bench_case("X-Junk", "=?a?q?a", size);
	mime_shutdown();
	return 0;
}
