/* ST.3 office codes: the list from the ST.96 schema, and what is not on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "firmware/domain/office.h"

static void test_accepted(void **state)
{
	static const char *const ok[] = { "KE", "EP", "WO", "OA", "AP", "GC", "BX", "EA", "EM",
					  "IB", "QZ", "XN", "XU", "XV", "XX", "AD", "ZW", "US" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!office_code_valid(ok[i]))
			fail_msg("office code '%s' rejected", ok[i]);
	}
}

static void test_rejected(void **state)
{
	/* "SU" and "YU" are former ST.3 codes; "ZZ" was never one. */
	static const char *const bad[] = { "ZZ",  "ke", "K",  "KEN", "",    "Ke",  "kE",       "K1",
					   "E P", "SU", "YU", "AA",  "KE ", " KE", "\xc3\x89P" };

	(void)state;
	assert_false(office_code_valid(NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (office_code_valid(bad[i]))
			fail_msg("office code '%s' accepted", bad[i]);
	}
}

/* Exactly 233 of the 676 two-letter codes are on the list built into the table. */
static void test_count(void **state)
{
	char code[3] = "AA";
	int n = 0;

	(void)state;
	for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
		for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
			n += office_code_valid(code);
	assert_int_equal(n, 233);
}

/* The table equals the WIPOST3CodeType enumeration of the official schema, when it is here. */
static void test_matches_schema(void **state)
{
	const char *shared = getenv("FOLIO_SHARED");
	char path[4096];
	xmlDoc *doc;
	xmlNode *n, *t;
	int seen = 0;

	(void)state;
	if (!shared) {
		print_message("FOLIO_SHARED not set: cannot compare with Common_V6_0.xsd\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/st96/V6_0/Common_V6_0.xsd", shared);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		print_message("cannot read '%s': skipping the comparison\n", path);
		skip();
	}
	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		xmlChar *name;

		if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "simpleType"))
			continue;
		name = xmlGetProp(n, BAD_CAST "name");
		if (name && xmlStrEqual(name, BAD_CAST "WIPOST3CodeType")) {
			for (t = n->children; t; t = t->next) {
				if (t->type != XML_ELEMENT_NODE ||
				    !xmlStrEqual(t->name, BAD_CAST "restriction"))
					continue;
				for (xmlNode *e = t->children; e; e = e->next) {
					xmlChar *v;

					if (e->type != XML_ELEMENT_NODE ||
					    !xmlStrEqual(e->name, BAD_CAST "enumeration"))
						continue;
					v = xmlGetProp(e, BAD_CAST "value");
					if (!office_code_valid((const char *)v))
						fail_msg("schema code '%s' rejected", (char *)v);
					seen++;
					xmlFree(v);
				}
			}
		}
		xmlFree(name);
	}
	xmlFreeDoc(doc);
	assert_int_equal(seen, 233);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_matches_schema),
	};

	return cmocka_run_group_tests_name("office", tests, NULL, NULL);
}
