/*
** bench.h — what every benchmark program in bench/ needs beside its own
** work: a clock to time it by.
*/
#ifndef CG_BENCH_H
#define CG_BENCH_H

#include <time.h>

/* Seconds on the monotonic clock, from an arbitrary start. */
static inline double
bench_secs(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

#endif
