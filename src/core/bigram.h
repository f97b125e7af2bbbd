/*
** bigram.h — the two-character words of Chinese text, for the full-text
** index of cases: a search word of two characters ("井盖", "路灯") is one
** of them, a longer one all those it holds (see
** src/db/migrations/0017_case_bigram.sql and 0018_one_search_index.sql).
*/
#ifndef CG_BIGRAM_H
#define CG_BIGRAM_H

#include <stddef.h>

/* Non-zero if the UTF-8 text p[0..n) is exactly two characters that
** bigrams are made of: ASCII letters and digits and CJK ideographs. */
int cg_bigram_word(const char *p, size_t n);

/* Every pair of neighbouring characters of text (NUL-terminated UTF-8)
** that are both such characters, separated by spaces: "井盖缺失，5G" gives
** "井盖 盖缺 缺失 5G". Returns a new string (caller frees), or NULL if out
** of memory. */
char *cg_bigrams(const char *text);

#endif
