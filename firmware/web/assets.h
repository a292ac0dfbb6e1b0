#ifndef FOLIO_WEB_ASSETS_H
#define FOLIO_WEB_ASSETS_H

/*
 * The UI's files (firmware/web/static/), compiled into foliod: tools/web-assets.sh writes an
 * assembler file that includes each one with .incbin, so nothing is read from disk at run
 * time and no host tool runs in a cross-build.
 */

struct web_asset {
	const char *name; /* file name, e.g. "index.html" */
	const unsigned char *data;
	const unsigned char *end;
};

/* Every file, then an entry with a NULL name. */
extern const struct web_asset web_assets[];

#endif
