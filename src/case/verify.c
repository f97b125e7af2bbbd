/*
** verify.c — `citygrid verify`: prove the history was not quietly
** rewritten. One pass over every event in district order follows each
** case's chain (seq 1, 2, ...), recomputes each hash over the event's
** content and the stored hash of the case's event before it, and rebuilds
** the district-wide chain head; then each case row's cached last event and
** the ledger are compared with what the events say. An edited event breaks
** its own hash (or, if its hash was recomputed too, the next one's); a
** removed or reordered one breaks its case's sequence or the case's last
** event; a removed last event also breaks the ledger's count and head.
*/
#include "case_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-case state while scanning: open addressing on a 64-bit hash of the
** case number, 48 bytes a case. */
struct slot {
  uint64_t key;           /* 0 = empty */
  int32_t seq;            /* last seq seen */
  int32_t bad;            /* a problem was reported already */
  unsigned char hash[32]; /* the last event's stored hash, as bytes */
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

/* Events travel from the reader to a checker in batches: the main thread
** reads one batch from the store, and hashes each event's content up to
** the previous event's hash, while the checker thread finishes the hashes
** of the batch before with the hash each case's chain gives, and follows
** the chains and the district chain. Problems are reported from the
** checker, in district order. */
#define VBATCH 4096
enum {
  F_NO,
  F_ACTOR,
  F_ROLE,
  F_ACTION,
  F_FROM,
  F_TO,
  F_NOTE,
  F_DATA,
  F_HASH,
  NF
};

struct vrow {
  int64_t gseq, at;
  int seq;
  size_t off[NF];               /* strings in the batch's text */
  size_t len[NF];               /* and their lengths */
  crypto_generichash_state pre; /* the hash up to the previous hash */
};

struct vbatch {
  struct vrow row[VBATCH];
  int n;
  char *text;
  size_t len, cap;
};

struct chain;

struct hasher {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct vbatch *job; /* to hash; NULL when idle */
  int stop, done;
  unsigned char head[32]; /* district chain so far (zeros: none yet) */
  struct chain *chain;    /* each case's chain, checked here */
};

static const char *
vstr(const struct vbatch *b, const struct vrow *r, int f)
{
  return b->text + r->off[f];
}

/* The checks that follow each case's chain, in district order. */
struct chain {
  struct seen m;
  int64_t expect, events;
  int ordered;
  void (*fn)(const char *no, const char *problem, void *arg);
  void *arg;
};

/* Bytes of 64 hex digits into out[32]; 0 if h is not that. */
static int
unhex32(const char *h, size_t len, unsigned char out[32])
{
  if (len != 64) return 0;
  for (int i = 0; i < 32; i++) {
    int hi = h[2 * i], lo = h[2 * i + 1];
    if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
        !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
      return 0;
    hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
    lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 1;
}

static void
hex32(const unsigned char *d, char out[65])
{
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[64] = 0;
}

/* Check a batch in district order: each event follows its case's last
** one, its hash is recomputed over its content and that event's stored
** hash, and the district chain goes on. */
static void
hash_batch(struct hasher *h, struct vbatch *b)
{
  struct chain *c = h->chain;
  char msg[256], prev[65], calc[65];
  unsigned char bin[32];

  for (int i = 0; i < b->n; i++) {
    struct vrow *r = &b->row[i];
    const char *no = vstr(b, r, F_NO);
    struct slot *s = seen_get(&c->m, no);
    unsigned char stored[32];
    int hex_ok = unhex32(vstr(b, r, F_HASH), r->len[F_HASH], stored);

    c->events++;
    if (r->gseq != c->expect && c->ordered) {
      snprintf(msg, sizeof msg,
               "event %d is number %lld of the district, expected %lld: "
               "events were removed or reordered",
               r->seq, (long long)r->gseq, (long long)c->expect);
      c->fn(no, msg, c->arg);
      c->ordered = 0;
    }
    c->expect = r->gseq + 1;
    /* the first event has no previous one: its previous hash is "" */
    if (s->seq)
      hex32(s->hash, prev);
    else
      prev[0] = 0;
    case_event_hash_finish(&r->pre, prev, strlen(prev), calc, bin);
    case_ledger_step(h->head, bin);
    if (r->seq != s->seq + 1) {
      if (!s->bad) {
        snprintf(msg, sizeof msg,
                 "event %d does not follow event %d: events were removed, "
                 "inserted or reordered",
                 r->seq, s->seq);
        c->fn(no, msg, c->arg);
      }
      s->bad = 1;
    } else if (!hex_ok || strcmp(calc, vstr(b, r, F_HASH)) != 0) {
      if (!s->bad) {
        snprintf(msg, sizeof msg,
                 "event %d was altered (its content does not match its hash)",
                 r->seq);
        c->fn(no, msg, c->arg);
      }
      s->bad = 1;
    }
    s->seq = r->seq;
    if (hex_ok)
      memcpy(s->hash, stored, 32);
    else
      memset(s->hash, 0, 32);
  }
}

static void *
hasher_main(void *arg)
{
  struct hasher *h = arg;
  pthread_mutex_lock(&h->mu);
  for (;;) {
    while (!h->job && !h->stop)
      pthread_cond_wait(&h->cv, &h->mu);
    if (!h->job) break;
    pthread_mutex_unlock(&h->mu);
    hash_batch(h, h->job);
    pthread_mutex_lock(&h->mu);
    h->job = NULL;
    h->done = 1;
    pthread_cond_broadcast(&h->cv);
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

static void
hasher_give(struct hasher *h, struct vbatch *b)
{
  pthread_mutex_lock(&h->mu);
  h->job = b;
  h->done = 0;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static void
hasher_wait(struct hasher *h)
{
  pthread_mutex_lock(&h->mu);
  while (!h->done)
    pthread_cond_wait(&h->cv, &h->mu);
  pthread_mutex_unlock(&h->mu);
}

/* A batch, zeroed, aligned as its hash states need (libsodium's are
** 64-byte aligned, more than malloc promises). Freed with free(). */
static struct vbatch *
new_batch(void)
{
  size_t n = (sizeof(struct vbatch) + 63) / 64 * 64;
  struct vbatch *b = aligned_alloc(64, n);
  if (b) memset(b, 0, n);
  return b;
}

/* Read up to VBATCH events into b. Returns the count, or -1 on error.
** *end is set once the statement is done: stepping it again would start
** it over. */
static int
read_batch(struct db_stmt *st, struct vbatch *b, int *end, struct cg_err *e)
{
  static const int col[NF] = {0, 4, 5, 6, 7, 8, 9, 10, 11};
  int rc = DB_ROW;

  b->n = 0;
  b->len = 0;
  while (!*end && b->n < VBATCH && (rc = db_step(st, e)) == DB_ROW) {
    struct vrow *r = &b->row[b->n++];
    r->seq = (int)db_col_int(st, 1);
    r->gseq = db_col_int(st, 2);
    r->at = db_col_int(st, 3);
    for (int f = 0; f < NF; f++) {
      const char *v = db_col_text(st, col[f]);
      size_t n = v ? (size_t)db_col_bytes(st, col[f]) : 0;
      if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        if (!(b->text = realloc(b->text, b->cap))) abort();
      }
      if (n) memcpy(b->text + b->len, v, n);
      b->text[b->len + n] = 0;
      r->off[f] = b->len;
      r->len[f] = n;
      b->len += n + 1;
    }
    { /* its content hashed here, while the checker works */
      const char *part[F_HASH];
      for (int f = 0; f < F_HASH; f++)
        part[f] = vstr(b, r, f);
      case_event_hash_start(&r->pre, part, r->len, r->seq, r->gseq, r->at);
    }
  }
  if (rc != DB_ROW) *end = 1;
  return rc < 0 ? -1 : b->n;
}

int
case_verify(struct db *db,
            void (*fn)(const char *no, const char *problem, void *arg),
            void *arg, int64_t *events, int64_t *cases, char head[65],
            struct cg_err *e)
{
  struct vbatch *b[2] = {new_batch(), new_batch()};
  struct hasher h = {0};
  struct chain c = {{0}, 1, 0, 1, fn, arg};
  struct db_stmt *st = NULL;
  char msg[256];
  int rc, n, i = 0, end = 0;

  *events = *cases = 0;
  head[0] = 0;
  if (!b[0] || !b[1]) {
    free(b[0]);
    free(b[1]);
    return cg_fail(e, CG_ENOMEM, "out of memory");
  }
  h.chain = &c;
  pthread_mutex_init(&h.mu, NULL);
  pthread_cond_init(&h.cv, NULL);
  if (pthread_create(&h.thread, NULL, hasher_main, &h) != 0) {
    free(b[0]);
    free(b[1]);
    return cg_fail(e, CG_EINTERNAL, "cannot start a thread");
  }
  /* district order: the table's key */
  rc = db_prepare(db, &st,
                  "SELECT case_no, seq, gseq, at, actor, role,"
                  " action, from_state, to_state, note, data, hash"
                  " FROM event ORDER BY gseq",
                  e);
  n = rc == CG_OK ? read_batch(st, b[0], &end, e) : -1;
  while (n > 0) {
    int next;
    hasher_give(&h, b[i % 2]);
    next = read_batch(st, b[(i + 1) % 2], &end, e); /* meanwhile */
    hasher_wait(&h);
    n = next;
    i++;
  }
  pthread_mutex_lock(&h.mu);
  h.stop = 1;
  pthread_cond_broadcast(&h.cv);
  pthread_mutex_unlock(&h.mu);
  pthread_join(h.thread, NULL);
  pthread_mutex_destroy(&h.mu);
  pthread_cond_destroy(&h.cv);
  db_finalize(st);
  for (int k = 0; k < 2; k++) {
    free(b[k]->text);
    free(b[k]);
  }
  if (n < 0) {
    rc = e ? e->code : CG_EDB;
    goto out;
  }
  *events = c.events;
  if (c.events) /* (no event, no head: the ledger's is '' then) */
    hex32(h.head, head);
  /* each case's cached last event */
  rc = db_prepare(db, &st, "SELECT no, last_seq, last_hash FROM cases", e);
  if (rc != CG_OK) goto out;
  while ((rc = db_step(st, e)) == DB_ROW) {
    const char *no = db_col_text(st, 0), *last = db_col_text(st, 2);
    struct slot *s = seen_get(&c.m, no);
    unsigned char lastb[32];
    ++*cases;
    if (s->bad) continue;
    if (s->seq != (int)db_col_int(st, 1) ||
        (s->seq &&
         (!unhex32(last, strlen(last), lastb) || memcmp(s->hash, lastb, 32)))) {
      snprintf(msg, sizeof msg,
               "the case records %d events but its history holds %d: "
               "events were removed",
               (int)db_col_int(st, 1), s->seq);
      fn(no, msg, arg);
    }
  }
  db_finalize(st);
  if (rc < 0) goto out;
  /* the district-wide head */
  rc = db_prepare(db, &st, "SELECT events, head FROM ledger WHERE id = 1", e);
  if (rc != CG_OK) goto out;
  if ((rc = db_step(st, e)) == DB_ROW &&
      (db_col_int(st, 0) != *events || strcmp(db_col_text(st, 1), head))) {
    snprintf(msg, sizeof msg,
             "the district chain records %lld events but %lld are stored, "
             "or its head differs: the history was rewritten",
             (long long)db_col_int(st, 0), (long long)*events);
    fn("", msg, arg);
  }
  db_finalize(st);
out:
  free(c.m.s);
  return rc < 0 ? -rc : rc == DB_ROW || rc == DB_DONE ? CG_OK : rc;
}
