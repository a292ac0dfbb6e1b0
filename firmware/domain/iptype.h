#ifndef FOLIO_DOMAIN_IPTYPE_H
#define FOLIO_DOMAIN_IPTYPE_H

/*
 * The kind of intellectual-property right a document belongs to. Stored in documents
 * (struct document_info), printed on cover sheets, checked in application numbers, and it
 * chooses the ST.96 schema of a document.
 */

enum ip_type { IP_PATENT, IP_TRADEMARK, IP_DESIGN };

/* "patent", "trademark", "design"; "unknown" for a value outside the enum. Static string. */
const char *ip_type_name(enum ip_type t);

/*
 * ip_type_parse - the IP type named by @s ("patent", "trademark" or "design", exact)
 * Returns 0 and sets *ret, or -EINVAL (*ret untouched) for anything else, NULL included.
 */
int ip_type_parse(const char *s, enum ip_type *ret);

#endif
