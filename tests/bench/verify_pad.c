/*
 * For the verifier's memory benchmark (tests/bench/verify.sh): pads a delivered package to a
 * large size with listed files, as a package of many large pages would be, and signs it again
 * with the station's key, so that folio-verify passes it.
 *
 * Adds D0001/bulk-NNN.bin files of 128 MiB (pseudo-random bytes, written and hashed in 1 MiB
 * steps) up to @MB mebibytes, lists each in MANIFEST.sizes and MANIFEST.sha256, and writes
 * MANIFEST.sha256.sig and .sshsig again. Never holds a file in memory.
 *
 * Usage: verify_pad PACKAGE SECRET_KEY MB
 */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/package/sign.h"

#define CHUNK (1u << 20)
#define BULK_MB 128u

static int die(const char *what)
{
	fprintf(stderr, "verify_pad: %s: %s\n", what, strerror(errno));
	return 1;
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*ret_len = (size_t)n;
	return buf;
}

static int put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wbe");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		return -1;
	return 0;
}

/* One bulk file of @mb MiB; its SHA-256 in @hex. */
static int write_bulk(const char *path, unsigned mb, uint64_t *seed, char hex[65])
{
	static uint64_t buf[CHUNK / 8];
	crypto_hash_sha256_state st;
	uint8_t sum[32];
	FILE *f = fopen(path, "wbe");

	if (!f)
		return -1;
	crypto_hash_sha256_init(&st);
	for (unsigned m = 0; m < mb; m++) {
		for (size_t i = 0; i < CHUNK / 8; i++) { /* xorshift64 */
			*seed ^= *seed << 13;
			*seed ^= *seed >> 7;
			*seed ^= *seed << 17;
			buf[i] = *seed;
		}
		crypto_hash_sha256_update(&st, (const uint8_t *)buf, CHUNK);
		if (fwrite(buf, 1, CHUNK, f) != CHUNK) {
			fclose(f);
			return -1;
		}
	}
	if (fclose(f) != 0)
		return -1;
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(hex, 65, sum, sizeof(sum));
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], hex[65], sig[SIGN_LINE_MAX * 8];
	char *manifest, *sizes, *more, *sums, *l;
	size_t ml, sl, cap, n = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned mb, files;
	struct sign_key k;
	int r;

	if (argc != 4 || (mb = (unsigned)strtoul(argv[3], NULL, 10)) == 0) {
		fprintf(stderr, "usage: verify_pad PACKAGE SECRET_KEY MB\n");
		return 2;
	}
	if (sodium_init() < 0 || sign_load_secret(argv[2], &k) < 0) {
		fprintf(stderr, "verify_pad: cannot load the key '%s'\n", argv[2]);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", argv[1]);
	manifest = slurp(path, &ml);
	snprintf(path, sizeof(path), "%s/MANIFEST.sizes", argv[1]);
	sizes = slurp(path, &sl);
	files = (mb + BULK_MB - 1) / BULK_MB;
	cap = ml + 128 * (size_t)files + 128;
	sums = malloc(cap);
	more = sizes ? realloc(sizes, sl + 64 * (size_t)files + 1) : NULL;
	if (!manifest || !more || !sums)
		return die("cannot read the package's manifest");
	sizes = more;
	/* the manifest without its MANIFEST.sizes line, which changes */
	for (l = strtok(manifest, "\n"); l; l = strtok(NULL, "\n"))
		if (strlen(l) > 66 && strcmp(l + 66, "MANIFEST.sizes") != 0)
			n += (size_t)snprintf(sums + n, cap - n, "%s\n", l);
	for (unsigned i = 0; i < files; i++) {
		unsigned this_mb = i + 1 < files ? BULK_MB : mb - BULK_MB * (files - 1);

		snprintf(path, sizeof(path), "%s/D0001/bulk-%03u.bin", argv[1], i + 1);
		if (write_bulk(path, this_mb, &seed, hex) < 0)
			return die(path);
		n += (size_t)snprintf(sums + n, cap - n, "%s  D0001/bulk-%03u.bin\n", hex, i + 1);
		sl += (size_t)sprintf(sizes + sl, "%llu  D0001/bulk-%03u.bin\n",
				      (unsigned long long)this_mb * CHUNK, i + 1);
	}
	snprintf(path, sizeof(path), "%s/MANIFEST.sizes", argv[1]);
	if (put(path, sizes, sl) < 0)
		return die(path);
	{
		uint8_t sum[32];

		crypto_hash_sha256(sum, (const uint8_t *)sizes, sl);
		sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	}
	n += (size_t)snprintf(sums + n, cap - n, "%s  MANIFEST.sizes\n", hex);
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", argv[1]);
	if (put(path, sums, n) < 0)
		return die(path);
	r = sign_detached(&k, sums, n, sig, sizeof(sig));
	snprintf(path, sizeof(path), "%s/%s", argv[1], SIGN_FILE);
	if (r < 0 || put(path, sig, (size_t)r) < 0)
		return die(path);
	r = sign_sshsig(&k, sums, n, sig, sizeof(sig));
	snprintf(path, sizeof(path), "%s/%s", argv[1], SIGN_SSH_FILE);
	if (r < 0 || put(path, sig, (size_t)r) < 0)
		return die(path);
	sign_key_wipe(&k);
	free(manifest);
	free(sizes);
	free(sums);
	printf("%u MiB in %u files added\n", mb, files);
	return 0;
}
