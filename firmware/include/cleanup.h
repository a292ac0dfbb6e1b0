#ifndef FOLIO_CLEANUP_H
#define FOLIO_CLEANUP_H

/*
 * Scope-bound cleanup for local scratch values. The one place __attribute__((cleanup)) is
 * spelled out. Hand ownership out explicitly with TAKE_PTR()/TAKE_FD():
 *
 *	_cleanup_free_ char *buf = malloc(n);
 *	...
 *	*ret = TAKE_PTR(buf);
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Declares name##p(type **) calling fn(*p) when *p is not NULL, for use with _cleanup_(). */
#define DEFINE_POINTER_CLEANUP(type, fn)   \
	static inline void fn##p(type **p) \
	{                                  \
		if (*p)                    \
			fn(*p);            \
	}

#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) _taken = (p); \
		(p) = NULL;                 \
		_taken;                     \
	})

#define TAKE_FD(fd)                \
	({                         \
		int _taken = (fd); \
		(fd) = -1;         \
		_taken;            \
	})

#endif
