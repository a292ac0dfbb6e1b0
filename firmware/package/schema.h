#ifndef FOLIO_PACKAGE_SCHEMA_H
#define FOLIO_PACKAGE_SCHEMA_H

/*
 * XML Schema validation with libxml2, offline.
 *
 * Nothing is ever fetched from the network: schema files and their imports are read from local
 * files only, and documents being validated may not load anything at all (no DTDs, no external
 * entities). To enforce this, the first schema_load() installs a process-wide libxml2 external
 * entity loader; outside schema_load() and schema_validate() it defers to the loader that was
 * there before. libxml2's error output is silenced for the duration of these calls.
 */

#include <stddef.h>

/* A compiled schema. Compiling the ST.96 schemas takes a while: load once, validate many. */
struct schema;

/*
 * schema_load - compile the XML Schema in the local file @xsd_path (imports resolved next to it)
 * @ret: on success, the compiled schema; free it with schema_free()
 *
 * Returns 0; -ENOENT if @xsd_path cannot be read; -FOLIO_ESCHEMA if it is not a valid schema
 * (or an import is missing or remote); -ENOMEM.
 */
int schema_load(const char *xsd_path, struct schema **ret);

/* Frees a schema from schema_load(). Takes NULL; returns NULL. */
struct schema *schema_free(struct schema *s);

/*
 * schema_validate - validate the XML document in @xml (@len bytes, no NUL needed) against @s
 * @why: buffer for the first problem as "line N: message" (one line), or NULL
 * @why_size: size of @why
 *
 * Returns 0 if valid; -FOLIO_ESCHEMA if well-formed but not valid; -FOLIO_EFORMAT if not
 * well-formed XML (or it tries to load a DTD or external entity); -FOLIO_ETOOBIG if @len is over
 * 256 MiB; -ENOMEM. @why is filled on both failures. Never prints. A schema may be used by several
 * threads at once.
 */
int schema_validate(struct schema *s, const char *xml, size_t len, char *why, size_t why_size);

#endif
