#ifndef FOLIO_PACKAGE_REGISTRY_H
#define FOLIO_PACKAGE_REGISTRY_H

/*
 * The office's registry of accepted packages (`folio-verify --registry DIR`): an LMDB
 * environment in folder DIR that remembers, for every station and batch the office accepted,
 * the station's store, the manifest's SHA-256, the key that signed it, the package's name and
 * when it was accepted. A second package for the same station and batch is refused: the same
 * manifest again is a replay; another manifest is a collision (a station whose store was
 * re-created numbers its batches from 1 again).
 *
 * Layout: named database "meta" holds "format" = REGISTRY_FORMAT; "accepted" maps
 * "STATION/BBBBBBBBBB" (the batch in 10 digits, so a listing is in station and batch order) to
 * one text line "TIME STORE KEYID MANIFEST NAME". Each acceptance is one write transaction,
 * synced at commit: a power cut leaves the package recorded or not, never half. The map is
 * bounded (REGISTRY_MAP_SIZE, or FOLIO_REGISTRY_MAP_KB in the environment, for tests); a full
 * registry refuses with a clear reason and changes nothing.
 *
 * The first registry layout, one file per package name holding "accepted TIME key KEYID
 * manifest HEX", is migrated when it is found: its records are imported in one transaction
 * and the old files moved into DIR/old-layout/.
 *
 * Every function that can fail writes one line for people into @why (the folder name is
 * printed as given; the caller escapes it).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGISTRY_FORMAT "folio-registry 1"
#define REGISTRY_MAP_SIZE (256u << 20)
#define REGISTRY_NAME_MAX 128
#define REGISTRY_LOCK_WAIT_MS 5000 /* how long to wait for another process's lock */

struct registry;

struct registry_record {
	char station[33];
	uint32_t batch;
	char store[17]; /* 16 hex digits; 8 for a record migrated from the first layout; "" none */
	char key_id[17];
	char manifest_sha256[65];
	char name[REGISTRY_NAME_MAX]; /* the package folder's name */
	int64_t accepted;	      /* unix seconds */
};

/*
 * registry_open - open the registry in folder @dir
 * @create: make @dir and a new registry when there is none (else: -ENOENT)
 *
 * Migrates the first layout (above). Returns 0; -ENOENT; -ENOTDIR or -FOLIO_EFORMAT when @dir
 * is not a registry (a file, another LMDB environment, a folder of other files);
 * -FOLIO_ELOCKED when another process holds it longer than REGISTRY_LOCK_WAIT_MS; -errno.
 */
int registry_open(const char *dir, bool create, struct registry **ret, char *why, size_t why_size);

/* registry_close - close @r (NULL is fine); returns NULL. */
struct registry *registry_close(struct registry *r);

/*
 * registry_accept - record @rec (its station and batch not accepted before) in one write
 * transaction, synced.
 * @ret_prev: when the station and batch were accepted before, that record
 *
 * Returns 0 when recorded; -EEXIST when accepted before (nothing written: @ret_prev and @why
 * say whether it is a replay or a collision); -FOLIO_ESTOREFULL when the registry is full;
 * -FOLIO_ELOCKED; -errno.
 */
int registry_accept(struct registry *r, const struct registry_record *rec,
		    struct registry_record *ret_prev, char *why, size_t why_size);

/*
 * registry_list - call @fn for every record, in station and batch order, until it returns
 * non-zero (returned). Returns 0, that value, -FOLIO_ECORRUPT for a record that does not
 * parse (@why names it), or -errno.
 */
int registry_list(struct registry *r, int (*fn)(const struct registry_record *rec, void *user),
		  void *user, char *why, size_t why_size);

#endif
