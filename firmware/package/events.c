/* EVENTS.txt: a batch's chain of custody as text an office can check (events.h). */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "errors.h"
#include "firmware/package/events.h"

#define FIELDS 10

/* Appends @s escaped; false when it does not fit. */
static bool put_escaped(char *buf, size_t size, size_t *n, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int w;

		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			w = snprintf(buf + *n, size - *n, "\\x%02x", *p);
		else
			w = snprintf(buf + *n, size - *n, "%c", *p);
		if (w < 0 || (size_t)w >= size - *n)
			return false;
		*n += (size_t)w;
	}
	return true;
}

static void link_of(const char *prev, const char *line, size_t len, char out[EVENTS_LINK_HEX])
{
	crypto_hash_sha256_state st;
	uint8_t sum[32];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)prev, 64);
	crypto_hash_sha256_update(&st, (const uint8_t *)"\t", 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)line, len);
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(out, EVENTS_LINK_HEX, sum, sizeof(sum));
}

int events_line(const struct custody_event *e, char link[EVENTS_LINK_HEX], char *buf, size_t size)
{
	char when[32], hash[65];
	time_t t = (time_t)e->time;
	struct tm tm;
	size_t n;
	int w;

	if (size > EVENTS_LINE_MAX)
		size = EVENTS_LINE_MAX;
	if (!gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -EINVAL;
	w = snprintf(buf, size, "%" PRIu64 "\t%s\t%u\t%u\t%u\t", e->seq, when, e->batch,
		     e->document, e->page);
	if (w < 0 || (size_t)w >= size)
		return -ENAMETOOLONG;
	n = (size_t)w;
	if (!put_escaped(buf, size, &n, e->who ? e->who : "") || n + 1 >= size)
		return -ENAMETOOLONG;
	buf[n++] = '\t';
	if (!put_escaped(buf, size, &n, e->what ? e->what : "") || n + 1 >= size)
		return -ENAMETOOLONG;
	buf[n++] = '\t';
	if (!put_escaped(buf, size, &n, e->detail ? e->detail : ""))
		return -ENAMETOOLONG;
	sodium_bin2hex(hash, sizeof(hash), e->station_hash, 32);
	w = snprintf(buf + n, size - n, "\t%s", hash);
	if (w < 0 || (size_t)w >= size - n)
		return -ENAMETOOLONG;
	n += (size_t)w;
	link_of(link, buf, n, link);
	w = snprintf(buf + n, size - n, "\t%s\n", link);
	if (w < 0 || (size_t)w >= size - n)
		return -ENAMETOOLONG;
	return (int)(n + (size_t)w);
}

/* A whole decimal number of 1..@max digits: no sign, no leading zero (but "0" itself). */
static bool all_digits(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int64_t events_parse_time(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = { 0 };
	char buf[21], again[21];
	char *end;
	time_t t;

	if (n != 20)
		return -1;
	for (size_t i = 0; i < 20; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return -1;
	memcpy(buf, s, 20);
	buf[20] = '\0';
	end = strptime(buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	t = timegm(&tm);
	/* a real moment: no February 31st or 24:00:00, which timegm() would carry over */
	if (!gmtime_r(&t, &tm) || strftime(again, sizeof(again), "%Y-%m-%dT%H:%M:%SZ", &tm) != 20 ||
	    memcmp(again, buf, 20) != 0)
		return -1;
	return (int64_t)t;
}

static bool field_is(const char *f, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(f, want, n) == 0;
}

static bool ends_with(const char *f, size_t n, const char *tail)
{
	size_t tl = strlen(tail);

	return n >= tl && memcmp(f + n - tl, tail, tl) == 0;
}

bool events_is_approval(const char *what, size_t what_len, const char *detail, size_t detail_len)
{
	return field_is(what, what_len, "batch-state") &&
	       ends_with(detail, detail_len, "-> approved");
}

/*
 * Splits event line @lineno, @n bytes without its newline, into its FIELDS tab-separated
 * fields (@f, @flen), and checks the form of those a line must have: 0, or -FOLIO_ECORRUPT with the
 * reason in @why.
 */
static int split_event_line(const char *line, size_t n, unsigned lineno, const char *f[FIELDS],
			    size_t flen[FIELDS], char *why, size_t why_size)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && line[i] != '\t')
			continue;
		if (k == FIELDS)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u has more than %d fields", EVENTS_FILE, lineno,
					 FIELDS);
		f[k] = line + start;
		flen[k++] = i - start;
		start = i + 1;
	}
	if (k != FIELDS)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "%s line %u has %zu fields, not %d", EVENTS_FILE, lineno, k,
				 FIELDS);
	if (!all_digits(f[0], flen[0], 19) || !all_digits(f[2], flen[2], 10) ||
	    !all_digits(f[3], flen[3], 10) || !all_digits(f[4], flen[4], 10) || flen[8] != 64 ||
	    !lower_hex(f[8], 64) || flen[9] != 64 || !lower_hex(f[9], 64))
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s line %u is not an event line",
				 EVENTS_FILE, lineno);
	return 0;
}

int events_check(const char *text, size_t len, uint32_t batch, struct events_summary *ret,
		 char *why, size_t why_size)
{
	char link[EVENTS_LINK_HEX], want[EVENTS_LINK_HEX];
	struct events_summary s = { 0 };
	uint64_t last_seq = 0;
	int64_t last_time = INT64_MIN;
	unsigned lineno = 0;
	size_t pos = 0;
	int r;

	memset(link, '0', 64);
	link[64] = '\0';
	if (len > EVENTS_MAX)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s is larger than %u bytes",
				 EVENTS_FILE, EVENTS_MAX);
	if (sodium_init() < 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "libsodium cannot start");
	while (pos < len) {
		const char *line = text + pos, *nl, *f[FIELDS];
		size_t flen[FIELDS], n;
		char num[24];
		uint64_t seq;
		int64_t t;

		lineno++;
		nl = memchr(line, '\n', len - pos);
		if (!nl)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u does not end with a newline: truncated",
					 EVENTS_FILE, lineno);
		n = (size_t)(nl - line);
		pos += n + 1;
		if (n + 1 > EVENTS_LINE_MAX)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u is longer than %d bytes", EVENTS_FILE, lineno,
					 EVENTS_LINE_MAX);
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
				return folio_why(
				    -FOLIO_ECORRUPT, why, why_size,
				    "%s line %u holds a control character (byte %zu): every "
				    "one is written escaped",
				    EVENTS_FILE, lineno, i + 1);
		if (lineno == 1) {
			if (n + 1 != strlen(EVENTS_HEADER) || memcmp(line, EVENTS_HEADER, n) != 0)
				return folio_why(
				    -FOLIO_ECORRUPT, why, why_size,
				    "%s does not start with its header line: not a Folio "
				    "chain of custody, or another version",
				    EVENTS_FILE);
			continue;
		}
		r = split_event_line(line, n, lineno, f, flen, why, why_size);
		if (r < 0)
			return r;
		memcpy(num, f[0], flen[0]);
		num[flen[0]] = '\0';
		seq = strtoull(num, NULL, 10);
		t = events_parse_time(f[1], flen[1]);
		if (t < 0)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u: '%.*s' is not a UTC time", EVENTS_FILE,
					 lineno, (int)MIN(flen[1], (size_t)32), f[1]);
		memcpy(num, f[2], flen[2]);
		num[flen[2]] = '\0';
		if (strtoull(num, NULL, 10) != batch)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u is an event of batch %s, not of %u",
					 EVENTS_FILE, lineno, num, batch);
		if (seq <= last_seq)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u: event %" PRIu64 " does not follow %" PRIu64
					 ": events removed, reordered or repeated",
					 EVENTS_FILE, lineno, seq, last_seq);
		if (t < last_time)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u goes back in time", EVENTS_FILE, lineno);
		link_of(link, line, (size_t)(f[9] - 1 - line), want);
		if (memcmp(want, f[9], 64) != 0)
			return folio_why(-FOLIO_ECORRUPT, why, why_size,
					 "%s line %u (event %" PRIu64
					 "): the chain is broken: the line "
					 "or one before it was altered",
					 EVENTS_FILE, lineno, seq);
		memcpy(link, want, sizeof(link));
		if (s.events == 0) {
			if (!field_is(f[6], flen[6], "batch-create"))
				return folio_why(-FOLIO_ECORRUPT, why, why_size,
						 "%s starts with '%.*s', not with the batch's "
						 "batch-create: its first events are missing",
						 EVENTS_FILE, (int)MIN(flen[6], (size_t)40), f[6]);
			s.first_seq = seq;
			s.first_time = t;
		}
		if (!s.approved_seq && events_is_approval(f[6], flen[6], f[7], flen[7])) {
			s.approved_seq = seq;
			s.approved_time = t;
		}
		s.events++;
		last_seq = seq;
		last_time = t;
	}
	if (lineno == 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s is empty", EVENTS_FILE);
	if (s.events == 0)
		return folio_why(-FOLIO_ECORRUPT, why, why_size, "%s holds no event", EVENTS_FILE);
	if (!s.approved_seq)
		return folio_why(-FOLIO_ECORRUPT, why, why_size,
				 "%s has no approval (batch-state -> approved)", EVENTS_FILE);
	if (ret)
		*ret = s;
	return 0;
}
