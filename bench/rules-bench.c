/* bench/rules-bench: times lib/rules on 1,000 generated rules against one
 * ~4 KB message (compile once, evaluate N times: mean and p99 per
 * evaluation, rules compiled per second), and writes the same patterns as
 * a Postfix PCRE table plus the message as header and body lines, so that
 * bench/rules can time `postmap -q - pcre:TABLE` as the peer.
 * Usage: rules-bench [-n EVALS] [-r RULES] [-t TABLE] [-l LINES] */
#include "config.h"
#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

static const char *const words[] = {
	"the", "lamp", "arrived", "yesterday", "but", "it", "does", "not", "switch", "on", "when", "I",
	"press", "button", "cable", "looks", "fine", "and", "socket", "works", "with", "other", "devices",
	"could", "you", "please", "send", "a", "replacement", "or", "tell", "me", "what", "to", "try",
	"next", "thanks", "for", "your", "help", "kind", "regards", "order", "delivery", "box", "was",
	"slightly", "damaged", "inside", "everything", "seemed", "okay", "manual", "says", "nothing",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char from[] = "carla@customer.example";
static const char subject[] = "My lamp is broken (ORD-5512)";
static const struct rules_header headers[] = {
	{ "From", "Carla <carla@customer.example>" },
	{ "To", "support@demo.example" },
	{ "Subject", subject },
	{ "X-Mailer", "Thunderbird 115.3" },
	{ "Message-Id", "<4f2a-77@customer.example>" },
	{ "Date", "Tue, 5 Mar 2024 10:00:00 +0100" },
};
#define N_HEADERS (sizeof(headers) / sizeof(headers[0]))

static unsigned long long seed = 42;

/* A fixed pseudo-random sequence: every run benchmarks the same input. */
static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(seed >> 33) % n;
}

/* ~4 KB of plain text in lines of about 70 characters. */
static char *make_body(void)
{
	struct buf b;
	size_t line = 0;

	buf_init(&b, 0);
	while (b.len < 4096) {
		const char *w = words[rnd(N_WORDS)];
		buf_printf(&b, "%s%s", line ? " " : "", w);
		line += strlen(w) + 1;
		if (line > 68) {
			buf_append_str(&b, "\n");
			line = 0;
		}
	}
	return buf_steal(&b, NULL);
}

/* Rule i in the language and as a Postfix PCRE line with the same
 * pattern (header tests anchored on their header line, body tests on any
 * line). One rule in fifty matches the message. */
static void make_rule(unsigned i, struct buf *prog, struct buf *table)
{
	unsigned k = i % 7, n = 1000 + rnd(9000);

	if (i % 50 == 49) {
		buf_printf(prog, "rule \"r%u\" on ticket.created if subject contains \"lamp\" then tag \"t%u\" end\n", i, i);
		buf_printf(table, "/^Subject:.*lamp/i t%u\n", i);
		return;
	}
	buf_printf(prog, "rule \"r%u\" on ticket.created, message.received if ", i);
	switch (k) {
	case 0:
		buf_printf(prog, "subject contains \"w%u\"", n);
		buf_printf(table, "/^Subject:.*w%u/i", n);
		break;
	case 1:
		buf_printf(prog, "body contains \"please w%u\"", n);
		buf_printf(table, "/please w%u/i", n);
		break;
	case 2:
		buf_printf(prog, "from.domain is \"d%u.example\"", n);
		buf_printf(table, "/^From:.*@d%u\\.example>?$/i", n);
		break;
	case 3:
		buf_printf(prog, "header \"X-Mailer\" contains \"m%u\"", n);
		buf_printf(table, "/^X-Mailer:.*m%u/i", n);
		break;
	case 4:
		buf_printf(prog, "subject matches \"ORD-%u[0-9]{2}\"", n);
		buf_printf(table, "/^Subject:.*ORD-%u[0-9]{2}/", n);
		break;
	case 5:
		buf_printf(prog, "body matches \"(?i)invoice\\\\s+#?%u\\\\b\"", n);
		buf_printf(table, "/invoice\\s+#?%u\\b/i", n);
		break;
	default:
		buf_printf(prog, "body contains \"w%u\"", n);
		buf_printf(table, "/w%u/i", n);
		break;
	}
	buf_printf(prog, " then\n  tag \"t%u\"\n  set priority high\nend\n", i);
	buf_printf(table, " t%u\n", i);
}

static double clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Writes s to path (the table or the message lines for the peer). */
static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(s, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The message as Postfix's header_checks and body_checks see it: one
 * lookup per header line, then one per body line. */
static char *message_lines(const char *body)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < N_HEADERS; i++)
		buf_printf(&b, "%s: %s\n", headers[i].name, headers[i].value);
	buf_append_str(&b, body);
	if (b.len && b.data[b.len - 1] != '\n')
		buf_append_str(&b, "\n");
	return buf_steal(&b, NULL);
}

/* Compiles the program several times; returns rules per second. */
static double time_compile(const struct buf *prog, unsigned n_rules)
{
	struct rules_error err;
	double t0 = now_us(), rounds = 5;

	for (int i = 0; i < rounds; i++) {
		struct rules_program *p = rules_compile(prog->data, prog->len, NULL, &err);
		if (p == NULL) {
			fprintf(stderr, "rules-bench: %u:%u: %s\n", err.line, err.column, err.message);
			exit(1);
		}
		rules_program_free(&p);
	}
	return n_rules * rounds / ((now_us() - t0) / 1e6);
}

/* Evaluates n times; prints the wall-clock mean, median and p99 and the
 * CPU time per evaluation (microseconds): on a busy machine the wall
 * clock includes time the process waited for a CPU. */
static void time_eval(const struct rules_program *p, const struct rules_facts *f, unsigned n)
{
	double *t = calloc(n, sizeof(*t)), sum = 0, cpu0 = clock_us(CLOCK_PROCESS_CPUTIME_ID), cpu;
	size_t n_actions = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rules_result r;
		double t0 = now_us();
		if (rules_eval(p, f, &r) < 0)
			exit(1);
		t[i] = now_us() - t0;
		sum += t[i];
		n_actions = r.n_actions;
		rules_result_free(&r);
	}
	cpu = clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	qsort(t, n, sizeof(*t), cmp_double);
	printf("eval_mean_us=%.2f eval_median_us=%.2f eval_p99_us=%.2f eval_cpu_us=%.2f evaluations=%u actions=%zu\n",
	       sum / n, t[n / 2], t[n * 99 / 100], cpu / n, n, n_actions);
	free(t);
}

int main(int argc, char **argv)
{
	unsigned n_eval = 20000, n_rules = 1000;
	const char *table_path = NULL, *lines_path = NULL;
	struct buf prog, table;
	struct rules_error err;
	int c;

	while ((c = getopt(argc, argv, "n:r:t:l:")) != -1) {
		switch (c) {
		case 'n': n_eval = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': n_rules = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': table_path = optarg; break;
		case 'l': lines_path = optarg; break;
		default: fprintf(stderr, "usage: rules-bench [-n EVALS] [-r RULES] [-t TABLE] [-l LINES]\n"); return 2;
		}
	}
	if (n_eval == 0)
		n_eval = 1;
	char *body = make_body();
	buf_init(&prog, 0);
	buf_init(&table, 0);
	for (unsigned i = 0; i < n_rules; i++)
		make_rule(i, &prog, &table);
	struct rules_facts f = {
		.event = RULES_EV_TICKET_CREATED, .from = from, .to = "support@demo.example", .subject = subject,
		.body = body, .headers = headers, .n_headers = N_HEADERS, .priority = 1, .team = "support",
		.status = "open", .assignee = "", .business_hours = true,
	};
	printf("rules=%u body_bytes=%zu compile_rules_per_s=%.0f\n", n_rules, strlen(body), time_compile(&prog, n_rules));
	struct rules_program *p = rules_compile(prog.data, prog.len, NULL, &err);
	if (p == NULL)
		return 1;
	time_eval(p, &f, n_eval);
	if (table_path)
		write_file(table_path, table.data);
	if (lines_path) {
		char *lines = message_lines(body);
		write_file(lines_path, lines);
		free(lines);
	}
	rules_program_free(&p);
	buf_free(&prog);
	buf_free(&table);
	free(body);
	return 0;
}
