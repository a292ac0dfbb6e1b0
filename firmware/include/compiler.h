#ifndef FOLIO_COMPILER_H
#define FOLIO_COMPILER_H

/* Small language helpers every module may use. */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _printf_(fmt, args) __attribute__((format(printf, fmt, args)))
#define _unused_ __attribute__((unused))
#define _warn_unused_ __attribute__((warn_unused_result))

#define STRINGIFY_ARG(x) #x
#define STRINGIFY(x) STRINGIFY_ARG(x)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * _clones_("avx2") - a hot loop built twice on x86-64: for the named target (an instruction
 * set the baseline lacks: "avx2", "popcnt") and for the baseline, the loader choosing for the
 * processor (gcc's target_clones). Other processors build it once, for themselves.
 */
#if defined(__x86_64__)
#define _clones_(target) __attribute__((target_clones(target, "default")))
#else
#define _clones_(target)
#endif

#endif
