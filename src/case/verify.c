/*
** verify.c — `citygrid verify`: prove the history was not quietly
** rewritten. One pass over every event in district order recomputes each
** hash, follows each case's chain (seq 1, 2, ... each naming the previous
** event's hash), and rebuilds the district-wide chain head; then each
** case row's cached last event and the ledger are compared with what the
** events say. An edited event breaks its own hash; a removed or reordered
** one breaks its case's chain or the case's last event; a removed last
** event also breaks the ledger's count and head.
*/
#include "case_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-case state while scanning: open addressing on a 64-bit hash of the
** case number. 32 bytes a case keep a million cases in 64 MiB. */
struct slot {
  uint64_t key;           /* 0 = empty */
  int32_t seq;            /* last seq seen */
  int32_t bad;            /* a problem was reported already */
  unsigned char hash[16]; /* first half of the last event's hash */
};

struct seen {
  struct slot *s;
  size_t cap, n;
};

static uint64_t
key_of(const char *no)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *no; no++)
    h = (h ^ (unsigned char)*no) * 1099511628211ull;
  return h ? h : 1;
}

static struct slot *
seen_get(struct seen *m, const char *no)
{
  uint64_t k = key_of(no);
  size_t i;

  if (m->n * 2 >= m->cap) { /* grow */
    struct seen g = {calloc(m->cap ? m->cap * 2 : 1024, sizeof *g.s),
                     m->cap ? m->cap * 2 : 1024, 0};
    if (!g.s) abort();
    for (size_t j = 0; j < m->cap; j++)
      if (m->s[j].key) {
        size_t p = m->s[j].key & (g.cap - 1);
        while (g.s[p].key)
          p = (p + 1) & (g.cap - 1);
        g.s[p] = m->s[j];
        g.n++;
      }
    free(m->s);
    *m = g;
  }
  for (i = k & (m->cap - 1); m->s[i].key && m->s[i].key != k;
       i = (i + 1) & (m->cap - 1))
    ;
  if (!m->s[i].key) {
    m->s[i].key = k;
    m->n++;
  }
  return &m->s[i];
}

static int
nibble(char c)
{
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : 0;
}

/* Hex text to the first 16 bytes (zeros where the text ends). */
static void
half(const char *hex, unsigned char out[16])
{
  memset(out, 0, 16);
  for (int i = 0; i < 16 && hex[2 * i] && hex[2 * i + 1]; i++)
    out[i] = (unsigned char)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
}

int
case_verify(struct db *db,
            void (*fn)(const char *no, const char *problem, void *arg),
            void *arg, int64_t *events, char head[65], struct cg_err *e)
{
  static const char zero[16];
  struct seen m = {0};
  struct db_stmt *st;
  char msg[256], calc[65];
  int64_t expect = 1, ledger_events = 0;
  int rc, ordered = 1;

  *events = 0;
  head[0] = 0;
  /* district order: the table's key */
  rc = db_prepare(db, &st,
                  "SELECT case_no, seq, gseq, at, actor, role,"
                  " action, from_state, to_state, note, data, prev, hash"
                  " FROM event ORDER BY gseq",
                  e);
  if (rc != CG_OK) return rc;
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *no = db_col_text(st, 0), *prev = db_col_text(st, 11);
    const char *stored = db_col_text(st, 12);
    int seq = (int)db_col_int(st, 1);
    int64_t gseq = db_col_int(st, 2);
    struct slot *c = seen_get(&m, no);
    unsigned char p16[16], h16[16];

    (*events)++;
    if (gseq != expect && ordered) {
      snprintf(msg, sizeof msg,
               "event %d is number %lld of the district, "
               "expected %lld: events were removed or reordered",
               seq, (long long)gseq, (long long)expect);
      fn(no, msg, arg);
      ordered = 0;
    }
    expect = gseq + 1;
    case_event_hash(no, seq, gseq, db_col_int(st, 3), db_col_text(st, 4),
                    db_col_text(st, 5), db_col_text(st, 6), db_col_text(st, 7),
                    db_col_text(st, 8), db_col_text(st, 9), db_col_text(st, 10),
                    prev, calc);
    if (strcmp(calc, stored) != 0) {
      snprintf(msg, sizeof msg,
               "event %d was altered (its content does not "
               "match its hash)",
               seq);
      fn(no, msg, arg);
      c->bad = 1;
    }
    half(prev, p16);
    if (seq != c->seq + 1 ||
        memcmp(p16, c->seq ? c->hash : (const unsigned char *)zero, 16)) {
      if (!c->bad) {
        snprintf(msg, sizeof msg,
                 "event %d does not follow event %d: events "
                 "were removed, inserted or reordered",
                 seq, c->seq);
        fn(no, msg, arg);
      }
      c->bad = 1;
    }
    c->seq = seq;
    half(calc, h16);
    memcpy(c->hash, h16, 16);
    case_ledger_next(head, calc, head);
  }
  db_finalize(st);
  if (rc < 0) goto out;
  /* each case's cached last event */
  rc = db_prepare(db, &st, "SELECT no, last_seq, last_hash FROM cases", e);
  if (rc != CG_OK) goto out;
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *no = db_col_text(st, 0);
    struct slot *c = seen_get(&m, no);
    unsigned char h16[16];
    half(db_col_text(st, 2), h16);
    if (c->bad) continue;
    if (c->seq != (int)db_col_int(st, 1) || memcmp(c->hash, h16, 16)) {
      snprintf(msg, sizeof msg,
               "the case records %d events but its history "
               "holds %d: events were removed",
               (int)db_col_int(st, 1), c->seq);
      fn(no, msg, arg);
    }
  }
  db_finalize(st);
  if (rc < 0) goto out;
  /* the district-wide head */
  rc = db_prepare(db, &st, "SELECT events, head FROM ledger WHERE id = 1", e);
  if (rc != CG_OK) goto out;
  if ((rc = db_step(st, e)) == DB_ROW) {
    ledger_events = db_col_int(st, 0);
    if (ledger_events != *events || strcmp(db_col_text(st, 1), head)) {
      snprintf(msg, sizeof msg,
               "the district chain records %lld events but "
               "%lld are stored, or its head differs: the history was "
               "rewritten",
               (long long)ledger_events, (long long)*events);
      fn("", msg, arg);
    }
  }
  db_finalize(st);
out:
  free(m.s);
  return rc < 0 ? -rc : CG_OK;
}
