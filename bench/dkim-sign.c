/* bench/dkim-sign OUTDIR SECONDS: how many DKIM signatures per second
 * lib/dkim makes, per algorithm, on a typical ~4 KB agent reply. Writes
 * the reply (OUTDIR/reply.eml) and the keys (OUTDIR/rsa.pem,
 * OUTDIR/ed25519.pem) so that bench/dkim can time a peer signer on the
 * same input. Prints one line per algorithm:
 *   ALG SIGNATURES_PER_SECOND MICROSECONDS_PER_SIGNATURE COUNT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "dkim/dkim.h"

#define REPLY_BODY_BYTES 3600 /* plus about 600 bytes of headers */

/* What an agent's answer looks like on the wire: threading headers, a
 * quoted-printable text part with the customer's mail quoted below. */
static char *typical_reply(size_t *len_r)
{
	static const char *const lines[] = {
		"Hello Carla,",
		"",
		"thank you for the details. I had a look at your order and the payment",
		"went through on our side; the confirmation mail was held back by a",
		"filter on our side, which we have fixed now. You should receive it=20",
		"within the next hour. If it does not arrive, please reply to this mail",
		"and we will send the invoice as an attachment instead.",
		"",
		"Kind regards,",
		"Ana from the support team",
		"",
		"> On Mon, 3 Nov 2026 at 09:12, Carla Diaz <carla@customer.example> wrote:",
		"> I paid for order 4711 yesterday but never got a confirmation. Could",
		"> you check whether the payment arrived? The amount was taken from my",
		"> card already.",
	};
	struct buf b;
	size_t i = 0;

	buf_init(&b, 0);
	buf_append_str(&b,
		       "From: Acme Support <support@acme.example>\r\n"
		       "To: Carla Diaz <carla@customer.example>\r\n"
		       "Subject: Re: [#4711] Payment confirmation missing\r\n"
		       "Date: Mon, 03 Nov 2026 10:00:00 +0000\r\n"
		       "Message-ID: <20261103100000.4711.ana@acme.example>\r\n"
		       "In-Reply-To: <CAF1x2y3z4@mail.customer.example>\r\n"
		       "References: <CAF0a1b2c3@mail.customer.example>\r\n"
		       " <CAF1x2y3z4@mail.customer.example>\r\n"
		       "Reply-To: Acme Support <support@acme.example>\r\n"
		       "MIME-Version: 1.0\r\n"
		       "Content-Type: text/plain; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n"
		       "Auto-Submitted: no\r\n"
		       "\r\n");
	for (size_t start = b.len; b.len - start < REPLY_BODY_BYTES; i++) {
		buf_append_str(&b, lines[i % (sizeof(lines) / sizeof(lines[0]))]);
		buf_append(&b, "\r\n", 2);
	}
	return buf_steal(&b, len_r);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs msg with key for at least `seconds` and prints the rate. */
static int time_signing(const struct dkim_key *key, const char *msg, size_t len, double seconds)
{
	struct dkim_sign_params p = { "acme.example", "sel", key, 1793700000, NULL };
	double t0 = now_s(), elapsed;
	long count = 0;

	do {
		char *err = NULL, *sig = dkim_sign(&p, msg, len, &err);

		if (sig == NULL) {
			fprintf(stderr, "bench/dkim-sign: %s\n", err);
			return -1;
		}
		free(sig);
		count++;
		elapsed = now_s() - t0;
	} while (elapsed < seconds);
	printf("%s %.1f %.1f %ld\n", dkim_alg_name(dkim_key_alg(key)), (double)count / elapsed,
	       elapsed * 1e6 / (double)count, count);
	return 0;
}

/* A fresh key of each kind, saved where the peer signer can read it. */
static int bench_alg(enum dkim_alg alg, const char *dir, const char *msg, size_t len, double seconds)
{
	char *err = NULL, *path = xasprintf("%s/%s.pem", dir, dkim_key_type_name(alg));
	struct dkim_key *key = dkim_key_generate(alg, &err);
	int ret = -1;

	if (key == NULL || dkim_key_write_file(key, path, &err) < 0)
		fprintf(stderr, "bench/dkim-sign: %s\n", err);
	else
		ret = time_signing(key, msg, len, seconds);
	dkim_key_free(&key);
	free(path);
	return ret;
}

int main(int argc, char **argv)
{
	double seconds = argc == 3 ? atof(argv[2]) : 0;
	char *msg, *path;
	size_t len;
	FILE *f;

	if (argc != 3 || seconds <= 0) {
		fputs("usage: dkim-sign OUTDIR SECONDS\n", stderr);
		return 2;
	}
	msg = typical_reply(&len);
	path = xasprintf("%s/reply.eml", argv[1]);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(msg, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	free(path);
	if (bench_alg(DKIM_RSA_SHA256, argv[1], msg, len, seconds) < 0 ||
	    bench_alg(DKIM_ED25519_SHA256, argv[1], msg, len, seconds) < 0)
		return 1;
	free(msg);
	return 0;
}
