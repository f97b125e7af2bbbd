/*
** cache.c — lists as the server sends them, kept rendered.
**
** A page of a list is 50 cases, each built from three statements (the
** case, its tasks, the names of its codes) and written out as JSON, after
** counting up to 1,000 cases that match: some milliseconds a page. Many
** people look at the same lists (a street's cases to check, the overdue
** ones, a category's), and a store changes in steps — an event at a
** time — so the server keeps what it built, under a key, the version of
** the store it was built from, and a time until which it may be served:
**
**  - a page: its query (the filter, the page, and who asks: their role,
**    login and scope are in it) and the store's event count (max(gseq):
**    every change to a case is an event, written in the same transaction
**    as its row);
**  - a case as lists show it: its number and the view (is the reporter's
**    contact shown?), and its own event count (cases.last_seq) — so that
**    after a change only the cases that changed are built again.
**
** The time, because a case's traffic light and the share of its step's
** time used go on with the clock (and with them, which cases an overdue
** list holds), and the names of areas, categories and
** departments may be renamed by an import: what is built here is served
** for less than a minute (CASE_CACHE_TTL), and a page no longer than the
** cases on it. The lifetimes are spread between half a minute and a
** minute by the key's hash, so that what was built together is not all
** built again in the same second.
**
** The table is 4-way set-associative (a key may be in one of the four
** slots its hash picks; a newcomer takes the one used least recently),
** CASE_CACHE_SLOTS entries, and holds at most the bytes of keys and texts
** it was made for: past that it is emptied and fills again. One mutex
** guards it; texts are copied out under it.
**
** When a page is not held, the first to ask builds it and the others who
** ask for the same page meanwhile wait for it (at start many ask at once:
** each building its own copy would keep the cores busy with the same
** work many times over).
*/
#include "case_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CASE_CACHE_SLOTS 8192 /* entries at most (power of two) */
#define CASE_CACHE_WAYS 4     /* slots a key may take */
#define CASE_CACHE_BUILDS 32  /* pages built at once that others wait for */
#define CASE_CACHE_TTL 60     /* seconds an entry is served, at most */

struct cache_slot {
  char *key; /* malloc'd, klen bytes; NULL for an empty slot */
  size_t klen;
  uint64_t hash;
  int64_t version; /* of what it was built from (see above) */
  int64_t until;   /* served before this time only */
  uint64_t used;   /* the table's tick when last found or put */
  char *text;      /* malloc'd */
  size_t len;
};

/* A page being built: its key's hash and the version it is built from. */
struct cache_build {
  uint64_t hash;
  int64_t version;
  int on; /* 1 while built */
};

struct case_cache {
  pthread_mutex_t lock;
  pthread_cond_t built; /* a build ended */
  struct cache_build build[CASE_CACHE_BUILDS];
  struct cache_slot *slot; /* CASE_CACHE_SLOTS, allocated at the first put */
  size_t bytes, max;       /* of keys and texts held, at most */
  uint64_t tick;           /* counts lookups and puts */
  int64_t hits, misses;
};

struct case_cache *
case_cache_new(size_t max)
{
  struct case_cache *c = max ? calloc(1, sizeof *c) : NULL;
  if (c) {
    c->max = max;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->built, NULL);
  }
  return c;
}

/* Empty slot s. */
static void
drop(struct case_cache *c, struct cache_slot *s)
{
  if (!s->key) return;
  c->bytes -= s->klen + s->len;
  free(s->key);
  free(s->text);
  memset(s, 0, sizeof *s);
}

void
case_cache_free(struct case_cache *c)
{
  if (!c) return;
  if (c->slot)
    for (int i = 0; i < CASE_CACHE_SLOTS; i++)
      drop(c, &c->slot[i]);
  free(c->slot);
  pthread_cond_destroy(&c->built);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

/* FNV-1a of key[0..n). */
static uint64_t
hash_of(const char *key, size_t n)
{
  uint64_t h = 14695981039346656037u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)key[i]) * 1099511628211u;
  return h;
}

int64_t
case_cache_until(const char *key, size_t klen, int64_t now)
{
  return now + CASE_CACHE_TTL -
         (int64_t)(hash_of(key, klen) >> 33) % (CASE_CACHE_TTL / 2);
}

/* The first of the CASE_CACHE_WAYS slots of hash h. */
static struct cache_slot *
set_of(struct case_cache *c, uint64_t h)
{
  return &c->slot[h & (CASE_CACHE_SLOTS - CASE_CACHE_WAYS)];
}

/* The slot holding key as built from version, still good at now, or
** NULL. */
static struct cache_slot *
find(struct case_cache *c, uint64_t h, const char *key, size_t klen,
     int64_t version, int64_t now)
{
  for (int i = 0; c->slot && i < CASE_CACHE_WAYS; i++) {
    struct cache_slot *s = set_of(c, h) + i;
    if (s->key && s->hash == h && s->version == version && now < s->until &&
        s->klen == klen && memcmp(s->key, key, klen) == 0)
      return s;
  }
  return NULL;
}

/* The build of (h, version) under way, or NULL. */
static struct cache_build *
building(struct case_cache *c, uint64_t h, int64_t version)
{
  for (int i = 0; i < CASE_CACHE_BUILDS; i++) {
    struct cache_build *b = &c->build[i];
    if (b->on && b->hash == h && b->version == version) return b;
  }
  return NULL;
}

int
case_cache_write(struct case_cache *c, const char *key, size_t klen,
                 int64_t version, int64_t now, int claim, int64_t *until,
                 FILE *out)
{
  uint64_t h = hash_of(key, klen);
  struct cache_slot *s;

  pthread_mutex_lock(&c->lock);
  c->tick++;
  while (!(s = find(c, h, key, klen, version, now)) && claim &&
         building(c, h, version))
    pthread_cond_wait(&c->built, &c->lock);
  if (s) {
    fwrite(s->text, 1, s->len, out);
    s->used = c->tick;
    if (until) *until = s->until;
    c->hits++;
  } else {
    c->misses++;
    for (int i = 0; claim && i < CASE_CACHE_BUILDS; i++)
      if (!c->build[i].on) {
        c->build[i] = (struct cache_build){h, version, 1};
        break;
      }
  }
  pthread_mutex_unlock(&c->lock);
  return s != NULL;
}

/* End the build of (h, version), if one was claimed, and wake who waits
** for it. */
static void
built(struct case_cache *c, uint64_t h, int64_t version)
{
  struct cache_build *b = building(c, h, version);
  if (!b) return;
  b->on = 0;
  pthread_cond_broadcast(&c->built);
}

void
case_cache_abandon(struct case_cache *c, const char *key, size_t klen,
                   int64_t version)
{
  pthread_mutex_lock(&c->lock);
  built(c, hash_of(key, klen), version);
  pthread_mutex_unlock(&c->lock);
}

void
case_cache_put(struct case_cache *c, const char *key, size_t klen,
               int64_t version, int64_t until, const char *text, size_t len)
{
  uint64_t h = hash_of(key, klen);
  struct cache_slot *s, *set;
  char *k, *t;

  k = klen + len > c->max / 16 ? NULL : malloc(klen);
  t = k ? malloc(len) : NULL;
  if (!k || !t) { /* too large for it, or no memory */
    case_cache_abandon(c, key, klen, version);
    goto out;
  }
  memcpy(k, key, klen);
  memcpy(t, text, len);
  pthread_mutex_lock(&c->lock);
  built(c, h, version);
  if (!c->slot && !(c->slot = calloc(CASE_CACHE_SLOTS, sizeof *c->slot))) {
    pthread_mutex_unlock(&c->lock);
    goto out;
  }
  /* the key's own slot (an older build of it), else the least used */
  set = s = set_of(c, h);
  for (int i = 0; i < CASE_CACHE_WAYS; i++) {
    struct cache_slot *o = set + i;
    if (o->key && o->hash == h && o->klen == klen &&
        memcmp(o->key, key, klen) == 0) {
      s = o;
      break;
    }
    if (o->used < s->used) s = o;
  }
  drop(c, s);
  if (c->bytes + klen + len > c->max)
    for (int i = 0; i < CASE_CACHE_SLOTS; i++)
      drop(c, &c->slot[i]);
  *s = (struct cache_slot){k, klen, h, version, until, ++c->tick, t, len};
  c->bytes += klen + len;
  k = t = NULL;
  pthread_mutex_unlock(&c->lock);
out:
  free(k);
  free(t);
}

void
case_cache_counts(struct case_cache *c, int64_t *hits, int64_t *misses,
                  size_t *bytes)
{
  pthread_mutex_lock(&c->lock);
  *hits = c->hits;
  *misses = c->misses;
  *bytes = c->bytes;
  pthread_mutex_unlock(&c->lock);
}
