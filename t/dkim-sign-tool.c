/* dkim-sign-tool KEYFILE DOMAIN SELECTOR < msg > signed: signs a message
 * with lib/dkim so that t/dkim-pyverify.sh can check it with an
 * independent verifier. Writes the DKIM-Signature field, then the message
 * unchanged.
 * dkim-sign-tool --new rsa|ed25519 KEYFILE: generates a key into KEYFILE
 * and prints its DNS record. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "dkim/dkim.h"

/* The whole of stdin. */
static void read_stdin(struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_append(b, chunk, n);
}

/* --new: what "maildeskctl domain add" does for one key, minus the DB. */
static int new_key(const char *type, const char *path)
{
	enum dkim_alg alg = strcmp(type, "ed25519") == 0 ? DKIM_ED25519_SHA256 : DKIM_RSA_SHA256;
	char *err = NULL, *rec;
	struct dkim_key *key = dkim_key_generate(alg, &err);

	if (key == NULL || dkim_key_write_file(key, path, &err) < 0) {
		fprintf(stderr, "dkim-sign-tool: %s\n", err);
		return 1;
	}
	rec = dkim_key_record(key);
	puts(rec);
	free(rec);
	dkim_key_free(&key);
	return 0;
}

int main(int argc, char **argv)
{
	struct dkim_sign_params p = { 0 };
	struct buf msg;
	char *err = NULL, *sig;
	struct dkim_key *key;

	if (argc == 4 && strcmp(argv[1], "--new") == 0)
		return new_key(argv[2], argv[3]);
	if (argc != 4) {
		fputs("usage: dkim-sign-tool KEYFILE DOMAIN SELECTOR < msg > signed\n"
		      "       dkim-sign-tool --new rsa|ed25519 KEYFILE\n", stderr);
		return 2;
	}
	key = dkim_key_load_file(argv[1], &err);
	if (key == NULL) {
		fprintf(stderr, "dkim-sign-tool: %s\n", err);
		return 1;
	}
	buf_init(&msg, 0);
	read_stdin(&msg);
	p = (struct dkim_sign_params){ argv[2], argv[3], key, (long long)time(NULL), NULL };
	sig = dkim_sign(&p, msg.data ? msg.data : "", msg.len, &err);
	if (sig == NULL) {
		fprintf(stderr, "dkim-sign-tool: %s\n", err);
		return 1;
	}
	fputs(sig, stdout);
	fwrite(msg.data, 1, msg.len, stdout);
	free(sig);
	buf_free(&msg);
	dkim_key_free(&key);
	return fflush(stdout) == 0 ? 0 : 1;
}
