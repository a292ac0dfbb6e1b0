#ifndef FOLIO_KCONFIG_H
#define FOLIO_KCONFIG_H

/*
 * Reading build-time options.
 *
 * genconfig writes `#define CONFIG_FOO 1` for an enabled bool and nothing for a disabled one.
 * IS_ENABLED(CONFIG_FOO) turns that into the constant 1 or 0, so code can say
 * `if (IS_ENABLED(CONFIG_FOO))` and the compiler still sees (and type-checks) both branches.
 *
 * How: when CONFIG_FOO is 1, FOLIO_KC_PROBE_1 expands to "0," which pushes the 1 into the
 * second argument slot that FOLIO_KC_SECOND picks; when it is undefined, the probe name stays
 * a single token and the default 0 is picked.
 */
#define FOLIO_KC_PROBE_1 0,
#define FOLIO_KC_SECOND(ignored, val, ...) val
#define FOLIO_KC_PICK(probe_or_token) FOLIO_KC_SECOND(probe_or_token 1, 0, ~)
#define FOLIO_KC_PASTE(value) FOLIO_KC_PICK(FOLIO_KC_PROBE_##value)
#define FOLIO_KC_EXPAND(value) FOLIO_KC_PASTE(value)

#define IS_ENABLED(option) FOLIO_KC_EXPAND(option)

#endif
