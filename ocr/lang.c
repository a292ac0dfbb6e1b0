/* Which Tesseract models read a page (lang.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"
#include "ocr/lang.h"

static const struct {
	const char *iso, *models;
} language_models[] = {
	{ "en", "eng" }, { "fr", "fra" },     { "ar", "ara" }, { "de", "deu" },
	{ "es", "spa" }, { "it", "ita" },     { "pt", "por" }, { "nl", "nld" },
	{ "ru", "rus" }, { "zh", "chi_sim" }, { "ja", "jpn" }, { "ko", "kor" },
};

/* Models of scripts other than Latin: never used to read a Latin page. */
static const char *const non_latin[] = { "ara", "fas", "urd", "heb",	 "rus",
					 "ukr", "bul", "ell", "chi_sim", "chi_tra",
					 "jpn", "kor", "hin", "tha",	 "osd" };

const char *ocr_models_of_language(const char *iso)
{
	if (!iso)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(language_models); i++)
		if (strcmp(iso, language_models[i].iso) == 0)
			return language_models[i].models;
	return NULL;
}

/* Whether the '+' list @list holds the model @m (@n bytes). */
static bool list_has(const char *list, const char *m, size_t n)
{
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, "+");

		if (len == n && strncmp(p, m, n) == 0)
			return true;
		p += len;
		if (*p == '+')
			p++;
	}
	return false;
}

bool ocr_models_include(const char *configured, const char *models)
{
	for (const char *p = models; *p;) {
		size_t len = strcspn(p, "+");

		if (!list_has(configured, p, len))
			return false;
		p += len;
		if (*p == '+')
			p++;
	}
	return *models != '\0';
}

static bool latin(const char *m, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(non_latin); i++)
		if (strlen(non_latin[i]) == n && strncmp(non_latin[i], m, n) == 0)
			return false;
	return true;
}

bool ocr_models_latin(const char *models)
{
	for (const char *p = models; *p;) {
		size_t len = strcspn(p, "+");

		if (!latin(p, len))
			return false;
		p += len;
		if (*p == '+')
			p++;
	}
	return true;
}

int ocr_models_for_script(const char *script, const char *configured, char *buf, size_t size)
{
	size_t used = 0;
	int n;

	if (strcmp(script, "Arabic") == 0 && list_has(configured, "ara", 3))
		n = snprintf(buf, size, "ara%s", list_has(configured, "eng", 3) ? "+eng" : "");
	else if (strcmp(script, "Latin") != 0)
		n = snprintf(buf, size, "%s", configured);
	else {
		buf[0] = '\0';
		for (const char *p = configured; *p;) {
			size_t len = strcspn(p, "+");

			if (latin(p, len)) {
				n = snprintf(buf + used, size - used, "%s%.*s", used ? "+" : "",
					     (int)len, p);
				if (n < 0 || (size_t)n >= size - used)
					return -ENAMETOOLONG;
				used += (size_t)n;
			}
			p += len;
			if (*p == '+')
				p++;
		}
		n = used ? (int)used : snprintf(buf, size, "eng");
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
