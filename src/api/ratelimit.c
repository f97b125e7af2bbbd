/*
** ratelimit.c — counting what one client address does within a window, in
** memory: failed logins (session.c) and anonymous writes (public.c). A
** small table per limit, the stalest entry reused when it is full, so a
** flood of addresses costs no memory; a server restart forgets the counts.
*/
#include "api.h"

#include <stdio.h>
#include <string.h>

/* The slot of an address, claiming one if needed. Hold l->lock. */
static struct api_limit_slot *
slot(struct api_limit *l, const char *address, int64_t now)
{
  struct api_limit_slot *oldest = &l->slot[0];
  for (int i = 0; i < API_LIMIT_SLOTS; i++) {
    struct api_limit_slot *s = &l->slot[i];
    if (strcmp(s->address, address) == 0) {
      if (now - s->since > l->window_s) {
        s->count = 0;
        s->since = now;
      }
      return s;
    }
    if (s->since < oldest->since) oldest = s;
  }
  snprintf(oldest->address, sizeof oldest->address, "%s", address);
  oldest->count = 0;
  oldest->since = now;
  return oldest;
}

int
api_limit_reached(struct api_limit *l, const char *address, int64_t now)
{
  int reached;
  pthread_mutex_lock(&l->lock);
  reached = slot(l, address, now)->count >= l->max;
  pthread_mutex_unlock(&l->lock);
  return reached;
}

void
api_limit_count(struct api_limit *l, const char *address, int64_t now)
{
  pthread_mutex_lock(&l->lock);
  slot(l, address, now)->count++;
  pthread_mutex_unlock(&l->lock);
}
