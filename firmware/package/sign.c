/* The station key: Ed25519 key files and detached signatures (libsodium). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "errors.h"
#include "secret.h"
#include "firmware/package/sign.h"

#define SECRET_TAG "folio-ed25519-secret "
#define PUBLIC_TAG "folio-ed25519-public "
#define SIG_TAG "folio-ed25519 "

static int ensure_sodium(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static void key_id(const uint8_t pk[32], char id[SIGN_KEY_ID_LEN + 1])
{
	uint8_t sum[32];

	crypto_hash_sha256(sum, pk, 32);
	sodium_bin2hex(id, SIGN_KEY_ID_LEN + 1, sum, SIGN_KEY_ID_LEN / 2);
}

/* Strict lower-case hex of exactly @n bytes. */
static int from_hex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return -FOLIO_EFORMAT;
	for (size_t i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -FOLIO_EFORMAT;
	if (sodium_hex2bin(out, n, s, slen, NULL, NULL, NULL) != 0)
		return -FOLIO_EFORMAT;
	return 0;
}

/* Reads a one-line key file: @tag, hex, a newline, nothing else. */
static int read_line_file(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, size - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == size)
			return -FOLIO_EFORMAT;
	}
	*ret_len = n;
	return 0;
}

static int parse_key_line(const char *buf, size_t n, const char *tag, uint8_t *out, size_t bytes)
{
	size_t tl = strlen(tag);

	if (n < tl + 1 || memcmp(buf, tag, tl) != 0 || buf[n - 1] != '\n')
		return -FOLIO_EFORMAT;
	return from_hex(buf + tl, n - tl - 1, out, bytes);
}

int sign_keygen(const char *dir, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	char line[SIGN_LINE_MAX];
	_cleanup_close_ int dfd = -1;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (faccessat(dfd, SIGN_SECRET_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(dfd, SIGN_PUBLIC_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	crypto_sign_keypair(k.pk, k.sk);
	k.has_secret = true;
	key_id(k.pk, k.id);

	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the hex key follows */
	memcpy(line, SECRET_TAG, strlen(SECRET_TAG));
	sodium_bin2hex(line + strlen(SECRET_TAG), sizeof(line) - strlen(SECRET_TAG), k.sk, 64);
	strcat(line, "\n");
	r = file_create_synced(dfd, SIGN_SECRET_FILE, 0600, line, strlen(line));
	sodium_memzero(line, sizeof(line));
	if (r < 0)
		goto fail;
	snprintf(line, sizeof(line), PUBLIC_TAG);
	sodium_bin2hex(line + strlen(PUBLIC_TAG), sizeof(line) - strlen(PUBLIC_TAG), k.pk, 32);
	strcat(line, "\n");
	r = file_create_synced(dfd, SIGN_PUBLIC_FILE, 0644, line, strlen(line));
	if (r < 0) {
		unlinkat(dfd, SIGN_SECRET_FILE, 0);
		goto fail;
	}
	/* OpenSSH's forms of the public key, for `ssh-keygen -Y verify` at the office */
	for (int allowed = 0; allowed <= 1; allowed++) {
		const char *file = allowed ? SIGN_ALLOWED_SIGNERS_FILE : SIGN_SSH_PUBLIC_FILE;
		char ssh[SIGN_LINE_MAX];
		int n = sign_ssh_public(&k, allowed, ssh, sizeof(ssh));

		(void)unlinkat(dfd, file, 0); /* left by an older key that was removed by hand */
		r = n < 0 ? n : file_create_synced(dfd, file, 0644, ssh, (size_t)n);
		if (r < 0) {
			unlinkat(dfd, SIGN_SECRET_FILE, 0);
			unlinkat(dfd, SIGN_PUBLIC_FILE, 0);
			unlinkat(dfd, SIGN_SSH_PUBLIC_FILE, 0);
			goto fail;
		}
	}
	if (fsync(dfd) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = k;
	sodium_memzero(&k, sizeof(k));
	return 0;
fail:
	sodium_memzero(&k, sizeof(k));
	return r;
}

int sign_load_secret(const char *path, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	uint8_t pk[32], sk[64];
	char *buf = NULL;
	size_t n;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	r = secret_load(path, SIGN_LINE_MAX - 1, 0, &buf, &n, NULL);
	if (r == -FOLIO_ETOOBIG)
		r = -FOLIO_EFORMAT;
	if (r == 0) {
		r = parse_key_line(buf, n, SECRET_TAG, k.sk, sizeof(k.sk));
		sodium_free(buf);
	}
	if (r < 0)
		goto out;
	/* The secret key is seed + public key: both halves must belong together. */
	crypto_sign_ed25519_sk_to_pk(k.pk, k.sk);
	crypto_sign_seed_keypair(pk, sk, k.sk);
	if (sodium_memcmp(pk, k.pk, sizeof(pk)) != 0) {
		r = -FOLIO_EFORMAT;
		goto out;
	}
	k.has_secret = true;
	key_id(k.pk, k.id);
	*ret = k;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&k, sizeof(k));
	return r;
}

int sign_load_public(const char *path, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	char buf[SIGN_LINE_MAX];
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_line_file(fd, buf, sizeof(buf), &n);
	if (r < 0)
		return r;
	r = parse_key_line(buf, n, PUBLIC_TAG, k.pk, sizeof(k.pk));
	if (r < 0)
		return r;
	key_id(k.pk, k.id);
	*ret = k;
	return 0;
}

int sign_detached(const struct sign_key *k, const void *data, size_t len, char *buf, size_t size)
{
	uint8_t sig[crypto_sign_BYTES];
	int n;

	if (!k->has_secret || size < SIGN_LINE_MAX || ensure_sodium() < 0)
		return -EINVAL;
	crypto_sign_detached(sig, NULL, data, len, k->sk);
	n = snprintf(buf, size, SIG_TAG "%s ", k->id);
	sodium_bin2hex(buf + n, size - (size_t)n, sig, sizeof(sig));
	n += 2 * (int)sizeof(sig);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int sign_check(const struct sign_key *k, const void *data, size_t len, const char *sig,
	       size_t sig_len, char *why, size_t why_size)
{
	const size_t tl = strlen(SIG_TAG), want = tl + SIGN_KEY_ID_LEN + 1 + 128 + 1;
	uint8_t bin[crypto_sign_BYTES], idbin[SIGN_KEY_ID_LEN / 2];
	char id[SIGN_KEY_ID_LEN + 1];

	if (ensure_sodium() < 0)
		return folio_why(-EIO, why, why_size, "libsodium cannot start");
	if (sig_len != want || memcmp(sig, SIG_TAG, tl) != 0 || sig[tl + SIGN_KEY_ID_LEN] != ' ' ||
	    sig[want - 1] != '\n' ||
	    from_hex(sig + tl, SIGN_KEY_ID_LEN, idbin, sizeof(idbin)) < 0 ||
	    from_hex(sig + tl + SIGN_KEY_ID_LEN + 1, 128, bin, sizeof(bin)) < 0)
		return folio_why(
		    -FOLIO_EFORMAT, why, why_size,
		    "'%s' is not a signature line (%zu bytes, expected %zu): truncated "
		    "or altered",
		    SIGN_FILE, sig_len, want);
	memcpy(id, sig + tl, SIGN_KEY_ID_LEN);
	id[SIGN_KEY_ID_LEN] = '\0';
	if (strcmp(id, k->id) != 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "signed by station key %s, not by the enrolled key %s", id, k->id);
	if (crypto_sign_verify_detached(bin, data, len, k->pk) != 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "signature does not match the manifest: the manifest or the "
				 "signature was altered");
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* OpenSSH's formats (PROTOCOL.key for the public key, PROTOCOL.sshsig for signatures) */

#define SSH_KEY_TYPE "ssh-ed25519"
#define SSHSIG_MAGIC "SSHSIG"
#define SSHSIG_VERSION 1
#define SSHSIG_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define SSHSIG_END "-----END SSH SIGNATURE-----\n"
#define SSHSIG_WRAP 70 /* base64 characters per line, as ssh-keygen writes them */
#define SSH_BLOB_MAX 512

/* A wire-format buffer: fixed size, remembers overflow. */
struct wire {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void put_raw(struct wire *w, const void *d, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void put_u32(struct wire *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put_raw(w, b, 4);
}

static void put_string(struct wire *w, const void *d, size_t n)
{
	put_u32(w, (uint32_t)n);
	put_raw(w, d, n);
}

static void put_cstring(struct wire *w, const char *s)
{
	put_string(w, s, strlen(s));
}

/* string "ssh-ed25519", string pk */
static void put_public_blob(struct wire *w, const uint8_t pk[32])
{
	uint8_t buf[64];
	struct wire b = { buf, 0, sizeof(buf), false };

	put_cstring(&b, SSH_KEY_TYPE);
	put_string(&b, pk, 32);
	put_string(w, buf, b.len);
}

/* Reading: a cursor over received bytes; every length checked against what is left. */
struct cursor {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v;

	if (c->bad || c->left < 4) {
		c->bad = true;
		return 0;
	}
	v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

/* A string: its bytes in *ret (not copied) and its length. */
static size_t get_string(struct cursor *c, const uint8_t **ret)
{
	uint32_t n = get_u32(c);

	if (c->bad || n > c->left) {
		c->bad = true;
		*ret = NULL;
		return 0;
	}
	*ret = c->p;
	c->p += n;
	c->left -= n;
	return n;
}

static bool string_is(const uint8_t *s, size_t n, const char *want)
{
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

/* The blob an SSH signature signs: magic, namespace, reserved, hash name, hash. */
static int signed_blob(const char *ns, const char *hash, const void *data, size_t len,
		       struct wire *w)
{
	uint8_t h[crypto_hash_sha512_BYTES];
	size_t hn;

	if (strcmp(hash, "sha512") == 0) {
		crypto_hash_sha512(h, data, len);
		hn = crypto_hash_sha512_BYTES;
	} else {
		crypto_hash_sha256(h, data, len);
		hn = crypto_hash_sha256_BYTES;
	}
	put_raw(w, SSHSIG_MAGIC, 6);
	put_cstring(w, ns);
	put_string(w, "", 0);
	put_cstring(w, hash);
	put_string(w, h, hn);
	return w->overflow ? -EINVAL : 0;
}

int sign_ssh_public(const struct sign_key *k, bool allowed, char *buf, size_t size)
{
	uint8_t blob[64];
	struct wire w = { blob, 0, sizeof(blob), false };
	char b64[128];
	int n;

	if (ensure_sodium() < 0)
		return -EINVAL;
	put_cstring(&w, SSH_KEY_TYPE);
	put_string(&w, k->pk, 32);
	sodium_bin2base64(b64, sizeof(b64), blob, w.len, sodium_base64_VARIANT_ORIGINAL);
	if (allowed)
		n = snprintf(buf, size, SIGN_SSH_PRINCIPAL_PREFIX "%s namespaces=\"%s\" %s %s\n",
			     k->id, SIGN_SSH_NAMESPACE, SSH_KEY_TYPE, b64);
	else
		n = snprintf(buf, size, "%s %s " SIGN_SSH_PRINCIPAL_PREFIX "%s\n", SSH_KEY_TYPE,
			     b64, k->id);
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	return n;
}

const struct sign_ssh_use sign_ssh_package = {
	.ns = SIGN_SSH_NAMESPACE,
	.file = SIGN_SSH_FILE,
	.subject = "the manifest",
};

int sign_sshsig(const struct sign_key *k, const void *data, size_t len, char *buf, size_t size)
{
	return sign_sshsig_for(&sign_ssh_package, k, data, len, buf, size);
}

int sign_sshsig_check(const struct sign_key *k, const void *data, size_t len, const char *sig,
		      size_t sig_len, char *why, size_t why_size)
{
	return sign_sshsig_check_for(&sign_ssh_package, k, data, len, sig, sig_len, why, why_size);
}

int sign_sshsig_for(const struct sign_ssh_use *u, const struct sign_key *k, const void *data,
		    size_t len, char *buf, size_t size)
{
	uint8_t msg[SSH_BLOB_MAX], out[SSH_BLOB_MAX], sig[crypto_sign_BYTES], sigblob[96];
	struct wire m = { msg, 0, sizeof(msg), false }, o = { out, 0, sizeof(out), false };
	struct wire sb = { sigblob, 0, sizeof(sigblob), false };
	char b64[SSH_BLOB_MAX * 2];
	size_t b64len, n;

	if (!k->has_secret || size < SIGN_SSH_MAX || ensure_sodium() < 0)
		return -EINVAL;
	if (signed_blob(u->ns, "sha512", data, len, &m) < 0)
		return -EINVAL;
	crypto_sign_detached(sig, NULL, msg, m.len, k->sk);

	put_cstring(&sb, SSH_KEY_TYPE);
	put_string(&sb, sig, sizeof(sig));
	put_raw(&o, SSHSIG_MAGIC, 6);
	put_u32(&o, SSHSIG_VERSION);
	put_public_blob(&o, k->pk);
	put_cstring(&o, u->ns);
	put_string(&o, "", 0);
	put_cstring(&o, "sha512");
	put_string(&o, sigblob, sb.len);
	if (o.overflow || sb.overflow)
		return -EINVAL;
	sodium_bin2base64(b64, sizeof(b64), out, o.len, sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(b64);

	n = (size_t)snprintf(buf, size, "%s", SSHSIG_BEGIN);
	for (size_t i = 0; i < b64len; i += SSHSIG_WRAP) {
		size_t chunk = b64len - i < SSHSIG_WRAP ? b64len - i : SSHSIG_WRAP;

		if (n + chunk + 2 >= size)
			return -EINVAL;
		memcpy(buf + n, b64 + i, chunk);
		n += chunk;
		buf[n++] = '\n';
	}
	if (n + strlen(SSHSIG_END) + 1 > size)
		return -EINVAL;
	memcpy(buf + n, SSHSIG_END, strlen(SSHSIG_END) + 1);
	return (int)(n + strlen(SSHSIG_END));
}

int sign_sshsig_check_for(const struct sign_ssh_use *u, const struct sign_key *k, const void *data,
			  size_t len, const char *sig, size_t sig_len, char *why, size_t why_size)
{
	const size_t bl = strlen(SSHSIG_BEGIN), el = strlen(SSHSIG_END);
	uint8_t bin[SSH_BLOB_MAX], msg[SSH_BLOB_MAX];
	char b64[SIGN_SSH_MAX];
	struct wire m = { msg, 0, sizeof(msg), false };
	struct cursor c, pk, sb;
	const uint8_t *pkblob, *ns, *reserved, *hash, *sigblob, *t, *key, *raw;
	size_t b64len = 0, binlen = 0, pkn, nsn, hn, sbn, tn, keyn, rawn;

	if (ensure_sodium() < 0)
		return folio_why(-EIO, why, why_size, "libsodium cannot start");
	if (sig_len > SIGN_SSH_MAX || sig_len < bl + el || memcmp(sig, SSHSIG_BEGIN, bl) != 0 ||
	    memcmp(sig + sig_len - el, SSHSIG_END, el) != 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "'%s' is not an armored SSH signature (%zu bytes)", u->file,
				 sig_len);
	for (size_t i = bl; i < sig_len - el; i++)
		if (sig[i] != '\n')
			b64[b64len++] = sig[i];
	if (sodium_base642bin(bin, sizeof(bin), b64, b64len, NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "'%s' is not valid base64",
				 u->file);

	c = (struct cursor){ bin, binlen, false };
	if (binlen < 10 || memcmp(bin, SSHSIG_MAGIC, 6) != 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "'%s' lacks the SSHSIG magic",
				 u->file);
	c.p += 6;
	c.left -= 6;
	if (get_u32(&c) != SSHSIG_VERSION)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "'%s' is not SSHSIG version 1",
				 u->file);
	pkn = get_string(&c, &pkblob);
	nsn = get_string(&c, &ns);
	(void)get_string(&c, &reserved);
	hn = get_string(&c, &hash);
	sbn = get_string(&c, &sigblob);
	if (c.bad || c.left != 0)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "'%s' is truncated or has extra bytes", u->file);

	pk = (struct cursor){ pkblob, pkn, false };
	tn = get_string(&pk, &t);
	keyn = get_string(&pk, &key);
	if (pk.bad || pk.left != 0 || !string_is(t, tn, SSH_KEY_TYPE) || keyn != 32)
		return folio_why(-FOLIO_EFORMAT, why, why_size, "'%s' does not hold an Ed25519 key",
				 u->file);
	if (sodium_memcmp(key, k->pk, 32) != 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "'%s' is signed by another key than the enrolled key %s", u->file,
				 k->id);
	if (!string_is(ns, nsn, u->ns))
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "'%s' is not for namespace %s",
				 u->file, u->ns);
	if (!string_is(hash, hn, "sha512") && !string_is(hash, hn, "sha256"))
		return folio_why(-FOLIO_EFORMAT, why, why_size, "'%s' names an unknown hash",
				 u->file);
	sb = (struct cursor){ sigblob, sbn, false };
	tn = get_string(&sb, &t);
	rawn = get_string(&sb, &raw);
	if (sb.bad || sb.left != 0 || !string_is(t, tn, SSH_KEY_TYPE) || rawn != crypto_sign_BYTES)
		return folio_why(-FOLIO_EFORMAT, why, why_size,
				 "'%s' does not hold an Ed25519 signature", u->file);
	if (signed_blob(u->ns, string_is(hash, hn, "sha512") ? "sha512" : "sha256", data, len, &m) <
	    0)
		return folio_why(-EINVAL, why, why_size, "internal: signed blob too long");
	if (crypto_sign_verify_detached(raw, msg, m.len, k->pk) != 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "'%s' does not match %s: it or the signature was altered", u->file,
				 u->subject);
	return 0;
}

/*
 * "ssh-ed25519 <base64> [comment]" (a line of a .pub file or of authorized_keys, without
 * options): the blob must be exactly the key type and a 32-byte key.
 */
int sign_ssh_parse_public(const char *line, size_t len, struct sign_key *ret)
{
	const size_t tl = strlen(SSH_KEY_TYPE " ");
	struct sign_key k = { 0 };
	uint8_t blob[SSH_BLOB_MAX];
	const uint8_t *t, *key;
	struct cursor c;
	size_t b64len = 0, binlen = 0, tn, keyn;

	if (ensure_sodium() < 0)
		return -EIO;
	if (len < tl || memcmp(line, SSH_KEY_TYPE " ", tl) != 0)
		return -FOLIO_EFORMAT;
	while (tl + b64len < len && line[tl + b64len] != ' ' && line[tl + b64len] != '\n')
		b64len++;
	for (size_t i = tl + b64len; i < len; i++)
		if (line[i] == '\0' || (line[i] == '\n' && i + 1 != len))
			return -FOLIO_EFORMAT;
	if (b64len == 0 || b64len > 2 * sizeof(blob) ||
	    sodium_base642bin(blob, sizeof(blob), line + tl, b64len, NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -FOLIO_EFORMAT;
	c = (struct cursor){ blob, binlen, false };
	tn = get_string(&c, &t);
	keyn = get_string(&c, &key);
	if (c.bad || c.left != 0 || !string_is(t, tn, SSH_KEY_TYPE) || keyn != 32)
		return -FOLIO_EFORMAT;
	memcpy(k.pk, key, 32);
	key_id(k.pk, k.id);
	*ret = k;
	return 0;
}

#define OPENSSH_KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define OPENSSH_KEY_END "-----END OPENSSH PRIVATE KEY-----\n"
#define OPENSSH_KEY_MAGIC "openssh-key-v1"
#define OPENSSH_KEY_MAX 4096 /* an Ed25519 key file is about 400 bytes */

/* The private section of an unencrypted openssh-key-v1 blob: check ints, type, pk, seed+pk. */
static int openssh_private(struct cursor *c, struct sign_key *k)
{
	const uint8_t *t, *pk, *sk, *comment;
	size_t tn, pkn, skn;
	uint32_t check1, check2;
	uint8_t pk2[32], sk2[64];
	int r = 0;

	check1 = get_u32(c);
	check2 = get_u32(c);
	tn = get_string(c, &t);
	pkn = get_string(c, &pk);
	skn = get_string(c, &sk);
	(void)get_string(c, &comment);
	if (c->bad || check1 != check2 || !string_is(t, tn, SSH_KEY_TYPE) || pkn != 32 ||
	    skn != 64 || memcmp(sk + 32, pk, 32) != 0)
		return -FOLIO_EFORMAT;
	/* padding 1, 2, 3 ... to the cipher's block size (8 for "none") */
	if (c->left >= 8)
		return -FOLIO_EFORMAT;
	for (size_t i = 0; i < c->left; i++)
		if (c->p[i] != (uint8_t)(i + 1))
			return -FOLIO_EFORMAT;
	crypto_sign_seed_keypair(pk2, sk2, sk);
	if (sodium_memcmp(pk2, pk, 32) != 0)
		r = -FOLIO_EFORMAT;
	else {
		memcpy(k->sk, sk2, 64);
		memcpy(k->pk, pk2, 32);
	}
	sodium_memzero(sk2, sizeof(sk2));
	return r;
}

static int parse_openssh_key(const char *text, size_t n, struct sign_key *ret)
{
	const size_t bl = strlen(OPENSSH_KEY_BEGIN), el = strlen(OPENSSH_KEY_END);
	uint8_t bin[OPENSSH_KEY_MAX];
	char b64[OPENSSH_KEY_MAX];
	const uint8_t *cipher, *kdf, *kdfopts, *pub, *priv;
	size_t b64len = 0, binlen = 0, cn, kn, privn;
	struct cursor c, pc;
	int r = -FOLIO_EFORMAT;

	if (n < bl + el || memcmp(text, OPENSSH_KEY_BEGIN, bl) != 0 ||
	    memcmp(text + n - el, OPENSSH_KEY_END, el) != 0)
		return -FOLIO_EFORMAT;
	for (size_t i = bl; i < n - el; i++)
		if (text[i] != '\n')
			b64[b64len++] = text[i];
	if (sodium_base642bin(bin, sizeof(bin), b64, b64len, NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		goto out;
	if (binlen < sizeof(OPENSSH_KEY_MAGIC) ||
	    memcmp(bin, OPENSSH_KEY_MAGIC, sizeof(OPENSSH_KEY_MAGIC)) != 0)
		goto out;
	c = (struct cursor){ bin + sizeof(OPENSSH_KEY_MAGIC), binlen - sizeof(OPENSSH_KEY_MAGIC),
			     false };
	cn = get_string(&c, &cipher);
	kn = get_string(&c, &kdf);
	(void)get_string(&c, &kdfopts);
	if (get_u32(&c) != 1)
		goto out;
	(void)get_string(&c, &pub);
	privn = get_string(&c, &priv);
	if (c.bad || c.left != 0)
		goto out;
	if (!string_is(cipher, cn, "none") || !string_is(kdf, kn, "none")) {
		r = -EKEYREJECTED; /* a passphrase protects it */
		goto out;
	}
	pc = (struct cursor){ priv, privn, false };
	r = openssh_private(&pc, ret);
	if (r == 0) {
		ret->has_secret = true;
		key_id(ret->pk, ret->id);
	}
out:
	sodium_memzero(bin, sizeof(bin));
	sodium_memzero(b64, sizeof(b64));
	return r;
}

int sign_load_ssh_secret(const char *path, struct sign_key *ret)
{
	struct sign_key k = { 0 };
	_cleanup_close_ int fd = -1;
	char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int r;

	r = ensure_sodium();
	if (r < 0)
		return r;
	fd = secret_open(path, &st);
	if (fd < 0)
		return fd;
	r = secret_read(fd, OPENSSH_KEY_MAX - 1, &buf, &n);
	if (r == -FOLIO_ETOOBIG)
		r = -FOLIO_EFORMAT;
	if (r == 0) {
		r = parse_openssh_key(buf, n, &k);
		sodium_free(buf);
	}
	/* after the format, so a public key given by mistake is named as such */
	if (r == 0 && (!secret_private(&st) || !secret_owned(&st)))
		r = -EPERM;
	if (r == 0)
		*ret = k;
	sodium_memzero(&k, sizeof(k));
	return r;
}

void sign_key_wipe(struct sign_key *k)
{
	sodium_memzero(k, sizeof(*k));
}
