/* requires: CONFIG_UPLOAD_WEBDAV CONFIG_UPLOAD_S3 */
/*
 * The uploader's pieces that need no server: the nightly window (wrapping midnight), the
 * credentials file (mode, keys, secrets kept out of messages), the [upload] settings as
 * config_load() checks them, targets that upload_target_open() refuses, and file:// delivery
 * through the transport API (temporary names, manifest last, resume, never overwrite).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "firmware/config/config.h"
#include "firmware/upload/creds.h"
#include "firmware/upload/driver.h"
#include "firmware/upload/transport.h"

static char tmp[] = "/tmp/folio-upload-XXXXXX";

static time_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_isdst = -1 };

	return mktime(&tm);
}

static void test_window(void **state)
{
	struct upload_window w;
	time_t open_at, close_at;
	char why[128];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(upload_window_parse("22:00-06:00", &w, why, sizeof(why)), 0);
	/* 23:30: open, closes at 06:00 the next day. */
	assert_true(upload_window_next(&w, at(2024, 3, 1, 23, 30), &open_at, &close_at));
	assert_true(close_at == at(2024, 3, 2, 6, 0));
	/* 03:00: open, from the window that started yesterday. */
	assert_true(upload_window_next(&w, at(2024, 3, 2, 3, 0), &open_at, &close_at));
	assert_true(close_at == at(2024, 3, 2, 6, 0));
	/* 12:00: closed, opens at 22:00 the same day. */
	assert_false(upload_window_next(&w, at(2024, 3, 2, 12, 0), &open_at, &close_at));
	assert_true(open_at == at(2024, 3, 2, 22, 0));
	/* The end is not inside. */
	assert_false(upload_window_next(&w, at(2024, 3, 2, 6, 0), &open_at, NULL));
	/* A window within the day. */
	assert_int_equal(upload_window_parse("01:15-02:45", &w, why, sizeof(why)), 0);
	assert_false(upload_window_next(&w, at(2024, 3, 2, 3, 0), &open_at, NULL));
	assert_true(open_at == at(2024, 3, 3, 1, 15));
	assert_int_equal(upload_window_parse("always", &w, why, sizeof(why)), 0);
	assert_true(upload_window_next(&w, 1000, &open_at, NULL));
	assert_true(open_at == 1000);
	assert_int_equal(upload_window_parse("25:00-06:00", &w, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "HH:MM-HH:MM"));
	assert_int_equal(upload_window_parse("22:00", &w, why, sizeof(why)), -EINVAL);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static void test_creds(void **state)
{
	struct upload_creds c = { 0 };
	char path[256], link[300], why[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/creds", tmp);
	write_file(path, "# office\nuser = folio\npassword =  s3cr=t \naccess_key_id=AK\n", 0600);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), 0);
	assert_string_equal(c.user, "folio");
	assert_string_equal(c.password, "s3cr=t");
	assert_string_equal(c.access_key_id, "AK");
	upload_creds_wipe(&c);
	assert_string_equal(c.password, "");

	chmod(path, 0640);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "chmod 600"));
	write_file(path, "password = hunter2\npassword = x\n", 0600);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, ":2: 'password' is set twice"));
	assert_null(strstr(why, "hunter2"));
	write_file(path, "token = hunter2\n", 0600);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EINVAL);
	assert_null(strstr(why, "hunter2"));
	write_file(path, "hunter2\n", 0600);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EINVAL);
	assert_null(strstr(why, "hunter2"));
	/* A password typed after the key's name, without '=' between. */
	write_file(path, "password hunter2=\n", 0600);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EINVAL);
	assert_null(strstr(why, "hunter2"));
	/* A symbolic link is refused as the key files are: name the file itself. */
	write_file(path, "user = folio\n", 0600);
	snprintf(link, sizeof(link), "%s/creds.link", tmp);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(upload_creds_load(link, &c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "is a symbolic link: name the file itself"));
	unlink(link);
	/* A FIFO is refused at once, never waited on. */
	snprintf(path, sizeof(path), "%s/fifo", tmp);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	/* A file of another user, even 0600, is refused (as root: owned by nobody). */
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/creds", tmp);
		write_file(path, "user = folio\n", 0600);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -EPERM);
		assert_non_null(strstr(why, "belongs to uid 65534"));
	}
	snprintf(path, sizeof(path), "%s/none", tmp);
	assert_int_equal(upload_creds_load(path, &c, why, sizeof(why)), -ENOENT);
}

/* A key file libcurl reads by name (sftp_key, client_key): checked as secret.h opens it. */
static void test_key_file_check(void **state)
{
	char path[256], link[256], why[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/id.key", tmp);
	snprintf(link, sizeof(link), "%s/link.key", tmp);
	write_file(path, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0600);
	assert_int_equal(upload_key_file_check("[upload] sftp_key", path, why, sizeof(why)), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(upload_key_file_check("[upload] sftp_key", link, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "is a symbolic link"));
	unlink(link);
	assert_int_equal(mkfifo(link, 0600), 0);
	assert_int_equal(upload_key_file_check("[upload] sftp_key", link, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not a regular file"));
	unlink(link);
	chmod(path, 0640);
	assert_int_equal(upload_key_file_check("[upload] sftp_key", path, why, sizeof(why)),
			 -EPERM);
	assert_non_null(strstr(why, "chmod 600"));
	unlink(path);
}

static int load(const char *upload, struct folio_config *cfg, struct config_problems *p)
{
	char text[2048];

	snprintf(text, sizeof(text), "[station]\nid = T\noffice = KE\n[upload]\n%s", upload);
	return config_load_string("t.conf", text, cfg, p);
}

static void test_config(void **state)
{
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	struct config_problems *p = calloc(1, sizeof(*p));

	(void)state;
	assert_int_equal(load("target = https://dav.example/in\nwindow = 22:00-06:00\n"
			      "bandwidth_kbps = 800\nconcurrency = 4\n",
			      cfg, p),
			 0);
	assert_string_equal(cfg->upload_window, "22:00-06:00");
	assert_int_equal(cfg->upload_bandwidth_kbps, 800);
	assert_int_equal(cfg->upload_retries, 5);
	assert_int_equal(load("target = https://u:pw@dav.example/in\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "credentials_file"));
	/* The userinfo runs to the last '@': a password after a first '@' is one too. */
	assert_int_equal(load("target = https://office@host:Pw@host/in\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "credentials_file"));
	assert_null(strstr(p->text[0], "Pw"));
	assert_int_equal(load("target = sftp://u@h:pw@h/in\nsftp_key = /k\n", cfg, p),
			 -FOLIO_ECONFIG);
	{
		char shown[128];

		assert_string_equal(
		    config_url_redact("sftp://folio@h.example/in", shown, sizeof(shown)),
		    "sftp://h.example/in");
		assert_string_equal(
		    config_url_redact("https://a@b@h.example:8443/x@y", shown, sizeof(shown)),
		    "https://h.example:8443/x@y");
		assert_string_equal(config_url_redact("file:///srv/out", shown, sizeof(shown)),
				    "file:///srv/out");
	}
	assert_int_equal(load("target = ftp://x/\n", cfg, p), -FOLIO_ECONFIG);
	assert_int_equal(load("target = s3://bucket/p\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "s3_endpoint"));
	assert_int_equal(load("target = sftp://u@h/p\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "sftp_key"));
	assert_int_equal(load("window = 7pm\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "t.conf:5: bad value for 'window'"));
	assert_int_equal(load("s3_endpoint = http://h:9000\n", cfg, p), -FOLIO_ECONFIG);
	assert_non_null(strstr(p->text[0], "TLS only"));
	free(cfg);
	free(p);
}

static void test_target_open(void **state)
{
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	struct config_problems *p = calloc(1, sizeof(*p));
	struct upload_target *t = NULL;
	char why[512];

	(void)state;
	assert_int_equal(load("target = s3://Bad_Bucket/x\ns3_endpoint = https://h\n"
			      "credentials_file = /nonexistent\n",
			      cfg, p),
			 0);
	assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bucket"));
	assert_int_equal(load("target = https://h/in\nca_file = /nonexistent/ca.pem\n", cfg, p), 0);
	assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "ca_file '/nonexistent/ca.pem' cannot be read"));
	assert_int_equal(load("target = https://h:99999/in\n", cfg, p), 0);
	assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "port"));
	/* file:// outboxes: no '.' or '..' (also percent-encoded), no system folder, not
	 * inside the store; a malformed escape, a NUL or a control character, in upper or lower
	 * case hex, is a bad folder. */
	static const struct {
		const char *target, *why; /* a part of the reason, or NULL */
	} bad_file[] = {
		{ "file:///srv/out/../../etc", NULL },
		{ "file:///srv/out/..", NULL },
		{ "file:///srv/./out", NULL },
		{ "file:///srv/out/%2e%2e", NULL },
		{ "file:///srv/%2E/out", NULL },
		{ "file:///etc", NULL },
		{ "file:///etc/folio/out", NULL },
		{ "file:///", NULL },
		{ "file:///proc/self", NULL },
		{ "file:///srv/out%zz", "bad folder in target" },
		{ "file:///srv/out%4", "bad folder in target" },
		{ "file:///srv/out%", "bad folder in target" },
		{ "file:///srv/o%00ut", "bad folder in target" },
		{ "file:///srv/o%0aut", "bad folder in target" },
		{ "file:///srv/o%7Fut", "bad folder in target" },
		{ "file:///srv/o%1fut", "bad folder in target" },
		/* https://: what libcurl's URL parser reads leniently or splits off is refused */
		{ "https:///in", "names no host" },
		{ "https://[fe80::1%25eth0]/in", "bad host name" },
		{ "https://[::1]x/in", "bad port" },
		{ "https://dav.example/in#f", "query or fragment" },
		{ "https://u@dav.example/in", "credentials_file" },
	};
	for (size_t i = 0; i < sizeof(bad_file) / sizeof(bad_file[0]); i++) {
		char conf[256];

		snprintf(conf, sizeof(conf), "target = %s\n", bad_file[i].target);
		assert_int_equal(load(conf, cfg, p), 0);
		assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), -EINVAL);
		if (bad_file[i].why)
			assert_non_null(strstr(why, bad_file[i].why));
		assert_null(t);
	}
	{
		char conf[512];

		snprintf(conf, sizeof(conf), "target = file://%s/store/outgoing\n", tmp);
		assert_int_equal(load(conf, cfg, p), 0);
		snprintf(cfg->store_path, sizeof(cfg->store_path), "%s/store", tmp);
		assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "inside the store"));
	}
	assert_null(t);
	free(cfg);
	free(p);
}

/* A package folder as the exporter writes one, with sha256sum's manifest. */
static void make_package(const char *dir)
{
	char cmd[2048];
	int k;

	k = snprintf(cmd, sizeof(cmd),
		     "mkdir -p %s/D0001 && head -c 70000 /dev/urandom >%s/D0001/P0001.tif && "
		     "echo batch >%s/BATCH.txt && cd %s && sha256sum BATCH.txt D0001/P0001.tif "
		     ">MANIFEST.sha256",
		     dir, dir, dir, dir);
	assert_true(k > 0 && k < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
}

/* A file:// target that delivers into the folder @outbox of the test's scratch folder. */
static struct upload_target *file_target(const char *outbox)
{
	struct folio_config *cfg = calloc(1, sizeof(*cfg));
	struct config_problems *p = calloc(1, sizeof(*p));
	struct upload_target *t = NULL;
	char conf[512], why[512];

	assert_non_null(cfg);
	assert_non_null(p);
	snprintf(conf, sizeof(conf), "target = file://%s/%s\n", tmp, outbox);
	assert_int_equal(load(conf, cfg, p), 0);
	assert_int_equal(upload_target_open(cfg, &t, why, sizeof(why)), 0);
	free(cfg);
	free(p);
	return t;
}

static void test_file_delivery(void **state)
{
	struct upload_target *t;
	struct upload_receipt r;
	char pkg[256], path[512], why[512];
	struct stat st;

	(void)state;
	snprintf(pkg, sizeof(pkg), "%s/pkg/S-B000001", tmp);
	make_package(pkg);
	t = file_target("outbox");

	assert_int_equal(upload_package(t, pkg, "S-B000001", &r, why, sizeof(why)), 0);
	assert_int_equal(r.files, 3);
	assert_int_equal(r.files_skipped, 0);
	assert_true(r.bytes_sent == r.bytes_total);
	snprintf(path, sizeof(path), "%s/outbox/S-B000001/D0001/P0001.tif", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 70000);
	snprintf(path, sizeof(path),
		 "cd %s/outbox/S-B000001 && sha256sum --quiet -c MANIFEST.sha256", tmp);
	assert_int_equal(system(path), 0);

	/* Again: all there, nothing sent. */
	assert_int_equal(upload_package(t, pkg, "S-B000001", &r, why, sizeof(why)), 0);
	assert_int_equal(r.files_skipped, 3);
	assert_true(r.bytes_sent == 0);

	/* A different file under a final name is never overwritten. */
	snprintf(path, sizeof(path), "%s/outbox/S-B000001/BATCH.txt", tmp);
	write_file(path, "someone else's\n", 0644);
	assert_int_equal(upload_package(t, pkg, "S-B000001", &r, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "S-B000001/BATCH.txt"));
	assert_non_null(strstr(why, "remove it there to deliver again"));

	/* A wrong file in the station's own temporary folder is replaced, the package delivered. */
	snprintf(path, sizeof(path), "%s/outbox/.S-B000004.folio-part", tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/outbox/.S-B000004.folio-part/BATCH.txt", tmp);
	write_file(path, "left by a run that stopped\n", 0600);
	assert_int_equal(upload_package(t, pkg, "S-B000004", &r, why, sizeof(why)), 0);
	assert_int_equal(r.files_skipped, 0);
	snprintf(path, sizeof(path),
		 "cd %s/outbox/S-B000004 && sha256sum --quiet -c MANIFEST.sha256", tmp);
	assert_int_equal(system(path), 0);

	/* A local file that no longer matches its manifest is not delivered. */
	snprintf(path, sizeof(path), "%s/BATCH.txt", pkg);
	write_file(path, "hatch\n", 0644);
	assert_int_equal(upload_package(t, pkg, "S-B000002", &r, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	snprintf(path, sizeof(path), "%s/outbox/S-B000002/MANIFEST.sha256", tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* Unsafe names and manifests. */
	assert_int_equal(upload_package(t, pkg, "../x", &r, why, sizeof(why)), -EINVAL);
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", pkg);
	write_file(path,
		   "0000000000000000000000000000000000000000000000000000000000000000  ../etc\n",
		   0644);
	assert_int_equal(upload_package(t, pkg, "S-B000003", &r, why, sizeof(why)), -FOLIO_EFORMAT);
	assert_non_null(strstr(why, "line 1"));
	upload_target_close(t);
}

/* Links planted in the outbox never redirect a delivery; what lands is 0600 in 0700 folders. */
static void test_file_links(void **state)
{
	struct upload_target *t;
	struct upload_receipt r;
	char pkg[256], path[512], link[512], why[512], buf[64];
	struct stat st;
	mode_t old_mask = umask(022);
	FILE *f;

	(void)state;
	snprintf(pkg, sizeof(pkg), "%s/pkg2/S-B000020", tmp);
	make_package(pkg);
	snprintf(path, sizeof(path), "%s/victim", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/victim/file", tmp);
	write_file(path, "precious\n", 0644);
	snprintf(path, sizeof(path), "%s/outbox2", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	t = file_target("outbox2");

	/* A link planted as the package folder: refused, nothing lands where it points. */
	snprintf(path, sizeof(path), "%s/victim", tmp);
	snprintf(link, sizeof(link), "%s/outbox2/S-B000021", tmp);
	assert_int_equal(symlink(path, link), 0);
	assert_true(upload_package(t, pkg, "S-B000021", &r, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "symbolic link"));
	snprintf(path, sizeof(path), "%s/victim/BATCH.txt", tmp);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/victim/D0001", tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* A link planted as the package's temporary folder: refused the same way. */
	snprintf(link, sizeof(link), "%s/outbox2/.S-B000022.folio-part", tmp);
	assert_int_equal(symlink(path, link), 0);
	assert_true(upload_package(t, pkg, "S-B000022", &r, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "symbolic link"));
	assert_int_equal(access(path, F_OK), -1);

	/* A link planted as a temporary file (in the package's temporary folder, where an
	 * interrupted delivery resumes): the victim is not written; the delivery goes on. */
	snprintf(path, sizeof(path), "%s/outbox2/.S-B000020.folio-part", tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/victim/file", tmp);
	snprintf(link, sizeof(link), "%s/outbox2/.S-B000020.folio-part/.BATCH.txt.folio-part", tmp);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(upload_package(t, pkg, "S-B000020", &r, why, sizeof(why)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious\n");
	/* Renamed into place whole, every file read back. */
	assert_true(r.renamed);
	assert_int_equal(r.files_read_back, r.files);
	snprintf(path, sizeof(path), "%s/outbox2/.S-B000020.folio-part", tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* Modes: files 0600, folders 0700, whatever the umask. */
	snprintf(path, sizeof(path), "%s/outbox2/S-B000020/D0001/P0001.tif", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/outbox2/S-B000020/D0001", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* The delivered copy altered, same size: delivering again reads it back and refuses. */
	snprintf(path, sizeof(path), "%s/outbox2/S-B000020/D0001/P0001.tif", tmp);
	f = fopen(path, "r+");
	assert_non_null(f);
	buf[0] = (char)(fgetc(f) ^ 0x01);
	rewind(f);
	fputc(buf[0], f);
	fclose(f);
	assert_int_equal(upload_package(t, pkg, "S-B000020", &r, why, sizeof(why)),
			 -FOLIO_ECORRUPT);
	assert_non_null(strstr(why, "same size, other SHA-256"));
	umask(old_mask);
	upload_target_close(t);
}

static void test_receipt(void **state)
{
	struct upload_receipt r = { .bytes_sent = 10,
				    .bytes_total = 20,
				    .files = 3,
				    .files_skipped = 1,
				    .seconds = 1.25,
				    .files_read_back = 3,
				    .bytes_read_back = 20,
				    .renamed = true };
	char buf[512];

	(void)state;
	snprintf(r.remote, sizeof(r.remote), "https://h/in/S-B000001/");
	snprintf(r.manifest_sha256, sizeof(r.manifest_sha256), "%064d", 7);
	upload_receipt_format(&r, buf, sizeof(buf));
	assert_non_null(
	    strstr(buf, "remote=https://h/in/S-B000001/ files=3 skipped=1 bytes=20 sent=10"));
	assert_non_null(strstr(buf, "read_back=3 read_back_bytes=20 published=rename"));
	assert_non_null(strstr(buf, "manifest_sha256=0000"));
	r.renamed = false; /* S3 */
	upload_receipt_format(&r, buf, sizeof(buf));
	assert_non_null(strstr(buf, "published=manifest-last"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

/* What a WebDAV server answers to PROPFIND: a size is digits, nothing else. */
static void test_propfind_answer(void **state)
{
	static const char head[] =
	    "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:propstat><d:prop>"
	    "<d:getcontentlength>";
	static const char tail[] = "</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK"
				   "</d:status></d:propstat></d:response></d:multistatus>";
	static const char *const refused[] = {
		"-1", " 12", "+12", "12 ", "", "99999999999999999999"
	};
	struct upload_stat st;
	char xml[512];

	(void)state;
	snprintf(xml, sizeof(xml), "%s12345%s", head, tail);
	assert_int_equal(upload_dav_parse_propfind(xml, strlen(xml), &st), 0);
	assert_true(st.exists && !st.is_dir);
	assert_int_equal(st.size, 12345);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(xml, sizeof(xml), "%s%s%s", head, refused[i], tail);
		assert_int_equal(upload_dav_parse_propfind(xml, strlen(xml), &st), -EPROTO);
	}
}

/* An S3 error's Code goes into an error line: one line, whatever the server sends. */
static void test_s3_answer(void **state)
{
	static const char good[] = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
	static const char evil[] = "<Error><Code>Denied&#10;upload: done</Code></Error>";
	char code[64];

	(void)state;
	assert_int_equal(upload_s3_xml_find(good, strlen(good), "Code", code, sizeof(code)), 0);
	assert_string_equal(code, "SignatureDoesNotMatch");
	assert_int_equal(upload_s3_xml_find(evil, strlen(evil), "Code", code, sizeof(code)),
			 -EPROTO);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_key_file_check),	cmocka_unit_test(test_config),
		cmocka_unit_test(test_target_open),	cmocka_unit_test(test_file_delivery),
		cmocka_unit_test(test_file_links),	cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_propfind_answer), cmocka_unit_test(test_s3_answer),
	};

	return cmocka_run_group_tests_name("upload", tests, setup, teardown);
}
