/*
 * Whether this build seals the store (CONFIG_STORE_ENCRYPTION). Alone in its file so a test
 * of the sealing code can stand in for it in a build without encryption.
 */
#include <stdbool.h>

#include "kconfig.h"
#include "firmware/store/store.h"

bool store_encryption_built_in(void)
{
	return IS_ENABLED(CONFIG_STORE_ENCRYPTION);
}
