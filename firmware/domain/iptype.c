#include <errno.h>
#include <string.h>

#include "compiler.h"
#include "firmware/domain/iptype.h"

static const char *const ip_type_names[] = {
	[IP_PATENT] = "patent",
	[IP_TRADEMARK] = "trademark",
	[IP_DESIGN] = "design",
};

const char *ip_type_name(enum ip_type t)
{
	if ((unsigned)t >= ARRAY_SIZE(ip_type_names))
		return "unknown";
	return ip_type_names[t];
}

int ip_type_parse(const char *s, enum ip_type *ret)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(ip_type_names); i++)
		if (strcmp(s, ip_type_names[i]) == 0) {
			*ret = (enum ip_type)i;
			return 0;
		}
	return -EINVAL;
}
