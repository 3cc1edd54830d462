/* DKIM keys: generate, read and write PEM files with strict modes, and the
 * DNS record that publishes the public half. */
#include "config.h"
#include "dkim/dkim-private.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define DKIM_KEY_FILE_MAX (64 * 1024)
#define DKIM_RSA_MIN_BITS 1024 /* RFC 8301 3.2: signers use at least 1024 */

/* Wraps an OpenSSL key after checking it is one DKIM can sign with. */
static struct dkim_key *key_wrap(EVP_PKEY *pkey, char **error_r)
{
	struct dkim_key *key;
	enum dkim_alg alg;

	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		alg = DKIM_ED25519_SHA256;
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		if (EVP_PKEY_get_bits(pkey) < DKIM_RSA_MIN_BITS) {
			*error_r = xasprintf("RSA key of %d bits is too short for DKIM (at least %d)",
					     EVP_PKEY_get_bits(pkey), DKIM_RSA_MIN_BITS);
			EVP_PKEY_free(pkey);
			return NULL;
		}
		alg = DKIM_RSA_SHA256;
	} else {
		*error_r = xasprintf("unsupported key type %s (need RSA or Ed25519)",
				     EVP_PKEY_get0_type_name(pkey));
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key = xcalloc(1, sizeof(*key));
	key->pkey = pkey;
	key->alg = alg;
	return key;
}

/* A fresh key pair for a new selector. */
struct dkim_key *dkim_key_generate(enum dkim_alg alg, char **error_r)
{
	EVP_PKEY *pkey;

	if (alg == DKIM_ED25519_SHA256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (pkey == NULL) {
		*error_r = dkim_ssl_error("key generation");
		return NULL;
	}
	return key_wrap(pkey, error_r);
}

/* Parses PEM text; OpenSSL's decoder accepts PKCS#8 and "RSA PRIVATE KEY". */
struct dkim_key *dkim_key_load_pem(const char *pem, size_t len, char **error_r)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pkey;

	if (bio == NULL || len > DKIM_KEY_FILE_MAX) {
		BIO_free(bio);
		*error_r = xstrdup("cannot read the PEM key: too large");
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		*error_r = dkim_ssl_error("cannot read the PEM private key");
		return NULL;
	}
	return key_wrap(pkey, error_r);
}

/* Reads all of fd (a key file, so small) into a malloc'd buffer. */
static char *read_small_fd(int fd, size_t *len_r)
{
	char *data = xmalloc(DKIM_KEY_FILE_MAX + 1);
	size_t len = 0;
	ssize_t n;

	while (len <= DKIM_KEY_FILE_MAX &&
	       (n = read(fd, data + len, DKIM_KEY_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(data);
			return NULL;
		}
		len += (size_t)n;
	}
	*len_r = len;
	return data;
}

/* A private key others can read is a leaked key: refuse it, and say how
 * to fix it. */
struct dkim_key *dkim_key_load_file(const char *path, char **error_r)
{
	struct dkim_key *key;
	struct stat st;
	char *data, *err = NULL;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*error_r = xasprintf("cannot open DKIM key %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*error_r = xasprintf("DKIM key %s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		*error_r = xasprintf("DKIM key %s has mode %04o: it must not be accessible by group or others (chmod 600 %s)",
				     path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	data = read_small_fd(fd, &len);
	close(fd);
	if (data == NULL || len > DKIM_KEY_FILE_MAX) {
		*error_r = xasprintf("cannot read DKIM key %s: %s", path,
				     data == NULL ? strerror(errno) : "file too large");
		free(data);
		return NULL;
	}
	key = dkim_key_load_pem(data, len, &err);
	OPENSSL_cleanse(data, len);
	free(data);
	if (key == NULL) {
		*error_r = xasprintf("DKIM key %s: %s", path, err);
		free(err);
	}
	return key;
}

/* The PKCS#8 PEM of the private key; the same text goes to files. */
char *dkim_key_pem(const struct dkim_key *key, size_t *len_r)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem, *out;
	long n;

	if (bio == NULL || !PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL))
		abort(); /* only a memory BIO: nothing but out-of-memory can fail */
	n = BIO_get_mem_data(bio, &mem);
	out = xstrndup(mem, (size_t)n);
	OPENSSL_cleanse(mem, (size_t)n);
	BIO_free(bio);
	if (len_r != NULL)
		*len_r = (size_t)n;
	return out;
}

/* Writes everything, retrying short writes. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* O_EXCL so a key is never replaced by accident (a rotated selector gets a
 * new file); fsync so a crash cannot leave a published record without its
 * key. */
int dkim_key_write_file(const struct dkim_key *key, const char *path, char **error_r)
{
	size_t len;
	char *pem;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		*error_r = xasprintf("cannot create DKIM key %s: %s", path, strerror(errno));
		return -1;
	}
	pem = dkim_key_pem(key, &len);
	if (fchmod(fd, 0600) < 0 || write_all(fd, pem, len) < 0 || fsync(fd) < 0) {
		*error_r = xasprintf("cannot write DKIM key %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		OPENSSL_cleanse(pem, len);
		free(pem);
		return -1;
	}
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (close(fd) < 0) {
		*error_r = xasprintf("cannot write DKIM key %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

enum dkim_alg dkim_key_alg(const struct dkim_key *key) { return key->alg; }

/* RSA publishes the DER SubjectPublicKeyInfo, Ed25519 the bare 32 bytes
 * (RFC 8463 4.2). */
char *dkim_key_public_b64(const struct dkim_key *key)
{
	unsigned char *der = NULL, raw[32];
	size_t rawlen = sizeof(raw);
	char *out;
	int n;

	if (key->alg == DKIM_ED25519_SHA256) {
		if (!EVP_PKEY_get_raw_public_key(key->pkey, raw, &rawlen))
			abort(); /* an Ed25519 key always has its public half */
		return dkim_b64(raw, rawlen);
	}
	n = i2d_PUBKEY(key->pkey, &der);
	if (n <= 0)
		abort(); /* encoding a valid RSA key fails only without memory */
	out = dkim_b64(der, (size_t)n);
	OPENSSL_free(der);
	return out;
}

/* What the domain owner publishes at SELECTOR._domainkey.DOMAIN. */
char *dkim_key_record(const struct dkim_key *key)
{
	char *p = dkim_key_public_b64(key);
	char *rec = xasprintf("v=DKIM1; k=%s; p=%s", dkim_key_type_name(key->alg), p);

	free(p);
	return rec;
}

void dkim_key_free(struct dkim_key **key)
{
	if (*key == NULL)
		return;
	EVP_PKEY_free((*key)->pkey);
	free(*key);
	*key = NULL;
}

/* The daemon refuses to start with a key directory others can list or
 * enter: say exactly what is wrong and the command that fixes it. */
int dkim_key_dir_check(const char *dir, char **error_r)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		*error_r = xasprintf("DKIM key directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error_r = xasprintf("DKIM key directory %s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		*error_r = xasprintf("DKIM key directory %s is owned by uid %u, not by the daemon's user (uid %u) (chown it)",
				     dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*error_r = xasprintf("DKIM key directory %s has mode %04o: it must not be accessible by group or others (chmod 700 %s)",
				     dir, (unsigned)(st.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}
