#ifndef FOLIO_EXPORT_H
#define FOLIO_EXPORT_H

/*
 * Packages: what the office receives for one batch, written exactly as it will be uploaded.
 *
 *	<STATION>-B<batch>/
 *	    BATCH.txt                 batch description (station, office, dates, counts)
 *	    D0001/document.xml        ST.96 V6_0 description of document 1
 *	    D0001/P0001.tif           its page images, in page order (.tif bitonal, .jpg grey/colour)
 *	    ...
 *	    MANIFEST.sha256           every other file with its SHA-256, as `sha256sum -c` reads it
 *
 * The package is built in a hidden ".NAME.partial" folder beside its final place, every file
 * synced, and renamed into place last: a crash leaves either no package or a whole one.
 */

#include <stdint.h>

#include "firmware/config/config.h"
#include "firmware/store/store.h"

struct export_result {
	char path[PATH_MAX]; /* the package folder */
	uint32_t documents;
	uint32_t pages;
	uint32_t files; /* files listed in the manifest */
	uint64_t bytes; /* their total size */
};

/*
 * export_batch - write the package of batch @batch into folder @out_dir
 *
 * The batch must be closed or later (-FOLIO_ESTATE while it is open). Every page image is
 * checked against its capture hash (-FOLIO_ECORRUPT). -EEXIST when the package is already
 * there. Returns 0 or an error; nothing is left in @out_dir on failure.
 */
int export_batch(struct store *store, const struct folio_config *cfg, uint32_t batch,
		 const char *out_dir, struct export_result *ret);

/* export_package_name - "<STATION>-B<batch, 6 digits>" into @buf */
void export_package_name(const char *station, uint32_t batch, char *buf, size_t size);

#endif
