#include "log.h"
int main(void) { log_open("folio", LOG_TARGET_AUTO); log_info("hello"); return 0; }
