/*
** bigram.c — see bigram.h. A character counts if it is an ASCII letter or
** digit or a CJK ideograph: those are what the index's tokenizer
** (unicode61) keeps together as one word, so each pair written is one
** token of the index, and each two-character search word is one lookup.
*/
#include "bigram.h"

#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 character at p (of at most n bytes): its code point,
** and its length in *len (1 for a byte that starts no valid character,
** whose code point is then -1). */
static long
decode(const unsigned char *p, size_t n, size_t *len)
{
  long c;
  size_t k, i;

  if (p[0] < 0x80) {
    *len = 1;
    return p[0];
  }
  k = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
  *len = 1;
  if (k == 0 || k > n) return -1;
  c = p[0] & (0x7f >> k);
  for (i = 1; i < k; i++) {
    if ((p[i] & 0xc0) != 0x80) return -1;
    c = c << 6 | (p[i] & 0x3f);
  }
  *len = k;
  return c;
}

/* An ASCII letter or digit, or a CJK ideograph (the unified blocks, their
** extensions and the compatibility ideographs). */
static int
counts(long c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c >= 0x3400 && c <= 0x4dbf) ||
         (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
         (c >= 0x20000 && c <= 0x3134f);
}

int
cg_bigram_word(const char *p, size_t n)
{
  const unsigned char *u = (const unsigned char *)p;
  size_t a, b;
  if (n == 0 || !counts(decode(u, n, &a)) || a >= n) return 0;
  return counts(decode(u + a, n - a, &b)) && a + b == n;
}

char *
cg_bigrams(const char *text)
{
  const unsigned char *p = (const unsigned char *)text;
  size_t n = strlen(text), i = 0, k = 0, a, b;
  char *out = malloc(n * 3 + 1); /* each character at most twice, + spaces */

  if (!out) return NULL;
  while (i < n) {
    long c = decode(p + i, n - i, &a), d;
    if (i + a >= n) break;
    d = decode(p + i + a, n - i - a, &b);
    if (counts(c) && counts(d)) {
      if (k) out[k++] = ' ';
      memcpy(out + k, p + i, a + b);
      k += a + b;
    }
    i += a;
  }
  out[k] = 0;
  return out;
}
