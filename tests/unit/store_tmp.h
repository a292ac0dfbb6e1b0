#ifndef FOLIO_TESTS_UNIT_STORE_TMP_H
#define FOLIO_TESTS_UNIT_STORE_TMP_H

/*
 * A store in a fresh folder under /tmp, for the store tests' fixtures (test_store,
 * test_store_crypt, test_store_queue, test_store_text). Included after <cmocka.h>; all
 * static inline, so a test takes what it uses.
 */

#include <stdio.h>
#include <stdlib.h>

#include "fileio.h"
#include "firmware/store/store.h"

/*
 * Makes the folder /tmp/folio-@name-XXXXXX in @dir (@size bytes) and, when @ret is not NULL,
 * opens a store of @map_mb MiB there; 0, or -1 when either fails.
 */
static inline int store_tmp_open(char *dir, size_t size, const char *name, size_t map_mb,
				 struct store **ret)
{
	snprintf(dir, size, "/tmp/folio-%s-XXXXXX", name);
	if (!mkdtemp(dir))
		return -1;
	if (ret && store_open(dir, map_mb, ret) < 0)
		return -1;
	return 0;
}

/*
 * A fixture's teardown: closes @s (NULL is fine), removes @dir with all below it and frees
 * @fixture, which holds both; 0, or -1 when the folder stays.
 */
static inline int store_tmp_teardown(void *fixture, struct store *s, const char *dir)
{
	int r;

	store_close(s);
	r = remove_tree(dir);
	free(fixture);
	return r < 0 ? -1 : 0;
}

#endif
