/* WIPO ST.3 office codes: a sorted table and a binary search. */
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "firmware/domain/office.h"

/*
 * The current ST.3 codes, in strcmp() order. Source: the enumeration of the simple type
 * com:WIPOST3CodeType in WIPO's ST.96 V6_0 schema Common_V6_0.xsd (233 codes; the former codes
 * of com:WIPOFormerST3CodeType are deliberately left out). When WIPO publishes a new ST.96
 * version, regenerate this table from that enumeration and keep it sorted.
 */
static const char office_codes[][3] = {
	"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AP", "AR", "AT", "AU", "AW", "AZ", "BA",
	"BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BM", "BN", "BO", "BQ", "BR", "BS", "BT",
	"BV", "BW", "BX", "BY", "BZ", "CA", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
	"CO", "CR", "CU", "CV", "CW", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EA", "EC",
	"EE", "EG", "EH", "EM", "EP", "ER", "ES", "ET", "EU", "FI", "FJ", "FK", "FO", "FR", "GA",
	"GB", "GC", "GD", "GE", "GG", "GH", "GI", "GL", "GM", "GN", "GQ", "GR", "GS", "GT", "GW",
	"GY", "HK", "HN", "HR", "HT", "HU", "IB", "ID", "IE", "IL", "IM", "IN", "IQ", "IR", "IS",
	"IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY",
	"KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD",
	"ME", "MG", "MK", "ML", "MM", "MN", "MO", "MP", "MR", "MS", "MT", "MU", "MV", "MW", "MX",
	"MY", "MZ", "NA", "NE", "NG", "NI", "NL", "NO", "NP", "NR", "NZ", "OA", "OM", "PA", "PE",
	"PG", "PH", "PK", "PL", "PT", "PW", "PY", "QA", "QZ", "RO", "RS", "RU", "RW", "SA", "SB",
	"SC", "SD", "SE", "SG", "SH", "SI", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
	"SX", "SY", "SZ", "TC", "TD", "TG", "TH", "TJ", "TL", "TM", "TN", "TO", "TR", "TT", "TV",
	"TW", "TZ", "UA", "UG", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VN", "VU", "WO", "WS",
	"XN", "XU", "XV", "XX", "YE", "ZA", "ZM", "ZW",
};

static int office_code_cmp(const void *key, const void *elem)
{
	return strcmp(key, elem);
}

bool office_code_valid(const char *code)
{
	if (!code)
		return false;
	for (size_t i = 0; i < 2; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return false;
	if (code[2] != '\0')
		return false;
	return bsearch(code, office_codes, ARRAY_SIZE(office_codes), sizeof(office_codes[0]),
		       office_code_cmp) != NULL;
}
