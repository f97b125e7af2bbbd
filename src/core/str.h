/*
** str.h — small string helpers the C library lacks.
*/
#ifndef CG_STR_H
#define CG_STR_H

#include <stddef.h>
#include <string.h>

/* Copy src into dst of n bytes (n > 0), cut short if it does not fit and
** always terminated; returns the length copied. For the hot paths that
** fill fixed fields, where snprintf("%s") costs ten times as much. */
static inline size_t
cg_copy(char *dst, size_t n, const char *src)
{
  size_t len = src ? strnlen(src, n - 1) : 0;
  memcpy(dst, src ? src : "", len);
  dst[len] = 0;
  return len;
}

#endif
