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
 * A pixel loop built twice on x86-64, for AVX2 and for the baseline (SSE2), the loader
 * choosing for the processor; other processors build it once, for themselves.
 */
#if defined(__x86_64__)
#define _vector_clones_ __attribute__((target_clones("avx2", "default")))
#else
#define _vector_clones_
#endif

#endif
