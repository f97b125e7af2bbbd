/*
** index.c — the point-location index: which of n non-overlapping polygons
** holds a point. A uniform lattice of buckets over the polygons' bounding
** box; a bucket that no polygon edge touches is "pure" and stores its one
** owner (or -1), every other bucket lists the polygons with an edge touching
** it, tested with the crossing-number rule. No GEOS at query time.
*/
#include "geo.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Buckets per typical polygon width: a polygon edge makes one bucket
** column (or row) in INDEX_DIV non-pure, so more buckets are purer but
** take more memory. On the 21.6k grids of 100 m (bench/locate): 3 gives
** 21M lookups/s in 5.3 MB, 4 gives 27M/s in 6.8 MB, 5 gives 35M/s in
** 8.5 MB. */
#define INDEX_DIV 4.0
/* Ceiling on the number of buckets (16 MB of int32). */
#define INDEX_MAX_BUCKETS (1 << 22)
/* Edges are widened by this many bucket widths when marking the buckets
** they touch, far above the rounding error of the coordinate mapping. */
#define INDEX_EPS 1e-6

/* A polygon of the index: its bounding box and its vertices, all its rings
** in one closed path. Rings after the first are each followed by a return
** to the first vertex: that connecting segment is walked once each way, so
** the crossing test counts it twice and it cancels out. */
struct index_poly {
  double xmin, ymin, xmax, ymax;
  int32_t v0, v1; /* vertices [v0, v1) of vtx */
};

struct geo_index {
  int npoly;
  struct index_poly *poly; /* npoly */
  double *vtx;             /* x, y pairs */
  int *ring_first; /* while building only: polygon p has rings [p], [p+1]) */
  int *ring_v;     /* while building only: ring r is vertices [2r], [2r+1]) */
  double x0, y0;   /* south-west corner of bucket (0, 0) */
  double bw, bh;   /* bucket width and height in degrees */
  double inv_bw, inv_bh;
  int nx, ny;
  /* nx * ny buckets, row-major from the south: >= 0 the owner, -1 outside
  ** every polygon, v <= -2 non-pure bucket number -2 - v in cand_start */
  int32_t *bucket;
  int32_t *cand_start; /* nnonpure + 1 */
  int32_t *cand;       /* polygons with an edge touching a non-pure bucket */
  int nnonpure, ncand, nvtx;
};

/* A growable array of int32; free(a->v) releases it. */
struct ivec {
  int32_t *v;
  size_t n, cap;
};

static int
ivec_push(struct ivec *a, int32_t x)
{
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 1024;
    int32_t *v = realloc(a->v, cap * sizeof *v);
    if (!v) return 0;
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = x;
  return 1;
}

/* Crossing-number test of (x, y) against polygon p: an edge counts when it
** spans y half-open (one end above y, the other not) and passes strictly east
** of the point. The edge is always taken from its lower end, so a shared edge
** counts the same for both polygons: a point on it falls in exactly one.
** The bounding-box rejection agrees exactly with the loop (see geo.h for the
** half-open rule it implements). */
static int
index_pip(const struct geo_index *ix, int p, double x, double y)
{
  const struct index_poly *pg = &ix->poly[p];
  const double *v, *end;
  int in = 0;

  if (x < pg->xmin || x >= pg->xmax || y < pg->ymin || y >= pg->ymax) return 0;
  v = ix->vtx + 2 * (size_t)pg->v0;
  end = ix->vtx + 2 * (size_t)pg->v1;
  for (; v + 2 < end; v += 2) {
    double ax = v[0], ay = v[1], bx = v[2], by = v[3];
    if ((ay > y) != (by > y)) {
      double lx = ax, ly = ay, hx = bx, hy = by;
      if (ay > by) {
        lx = bx;
        ly = by;
        hx = ax;
        hy = ay;
      }
      if ((hx - lx) * (y - ly) > (hy - ly) * (x - lx)) in ^= 1;
    }
  }
  return in;
}

int
geo_index_locate(const struct geo_index *ix, double lon, double lat)
{
  double fx = (lon - ix->x0) * ix->inv_bw, fy = (lat - ix->y0) * ix->inv_bh;
  int32_t v;

  if (!(fx >= 0.0 && fy >= 0.0 && fx < ix->nx && fy < ix->ny)) return -1;
  v = ix->bucket[(size_t)(int)fy * (size_t)ix->nx + (size_t)(int)fx];
  if (v >= -1) return v;
  v = -2 - v;
  for (int32_t i = ix->cand_start[v]; i < ix->cand_start[v + 1]; i++)
    if (index_pip(ix, ix->cand[i], lon, lat)) return ix->cand[i];
  return -1;
}

size_t
geo_index_bytes(const struct geo_index *ix)
{
  if (!ix) return 0;
  return sizeof *ix + (size_t)ix->npoly * sizeof *ix->poly +
         (size_t)ix->nvtx * 2 * sizeof(double) +
         (size_t)ix->nx * (size_t)ix->ny * sizeof(int32_t) +
         (size_t)(ix->nnonpure + 1) * sizeof(int32_t) +
         (size_t)ix->ncand * sizeof(int32_t);
}

void
geo_index_free(struct geo_index *ix)
{
  if (!ix) return;
  free(ix->poly);
  free(ix->vtx);
  free(ix->ring_first);
  free(ix->ring_v);
  free(ix->bucket);
  free(ix->cand_start);
  free(ix->cand);
  free(ix);
}

/* Count the rings and vertices of a Polygon or MultiPolygon into *nring and
** *nvtx (with one connecting vertex per ring after the first). Returns 0 if
** g is of another type. */
static int
index_count(GEOSContextHandle_t h, const GEOSGeometry *g, int *nring, int *nvtx)
{
  int type = GEOSGeomTypeId_r(h, g), nparts = 1, first = 1;

  if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) return 0;
  if (type == GEOS_MULTIPOLYGON) nparts = GEOSGetNumGeometries_r(h, g);
  for (int i = 0; i < nparts; i++) {
    const GEOSGeometry *part =
        type == GEOS_MULTIPOLYGON ? GEOSGetGeometryN_r(h, g, i) : g;
    int nholes;
    if (GEOSisEmpty_r(h, part)) continue;
    nholes = GEOSGetNumInteriorRings_r(h, part);
    for (int k = -1; k < nholes; k++) {
      const GEOSGeometry *ring = k < 0 ? GEOSGetExteriorRing_r(h, part)
                                       : GEOSGetInteriorRingN_r(h, part, k);
      unsigned n = 0;
      if (!ring ||
          !GEOSCoordSeq_getSize_r(h, GEOSGeom_getCoordSeq_r(h, ring), &n))
        return 0;
      (*nring)++;
      *nvtx += (int)n + !first;
      first = 0;
    }
  }
  return 1;
}

/* Copy the rings of polygon p (g) into the flat arrays, from ring *nring and
** vertex *nvtx on (see struct index_poly), and set its bounding box.
** Returns 0 on GEOS failure. */
static int
index_copy(GEOSContextHandle_t h, struct geo_index *ix, int p,
           const GEOSGeometry *g, int *nring, int *nvtx)
{
  int type = GEOSGeomTypeId_r(h, g), nparts = 1, v0 = *nvtx;
  struct index_poly *pg = &ix->poly[p];

  pg->xmin = pg->ymin = INFINITY;
  pg->xmax = pg->ymax = -INFINITY;
  ix->ring_first[p] = *nring;
  if (type == GEOS_MULTIPOLYGON) nparts = GEOSGetNumGeometries_r(h, g);
  for (int i = 0; i < nparts; i++) {
    const GEOSGeometry *part =
        type == GEOS_MULTIPOLYGON ? GEOSGetGeometryN_r(h, g, i) : g;
    int nholes;
    if (GEOSisEmpty_r(h, part)) continue;
    nholes = GEOSGetNumInteriorRings_r(h, part);
    for (int k = -1; k < nholes; k++) {
      const GEOSGeometry *ring = k < 0 ? GEOSGetExteriorRing_r(h, part)
                                       : GEOSGetInteriorRingN_r(h, part, k);
      const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
      double *v = ix->vtx + 2 * (size_t)*nvtx;
      unsigned n = 0;
      if (!GEOSCoordSeq_getSize_r(h, seq, &n) ||
          !GEOSCoordSeq_copyToBuffer_r(h, seq, v, 0, 0))
        return 0;
      for (unsigned j = 0; j < n; j++) {
        pg->xmin = fmin(pg->xmin, v[2 * j]);
        pg->ymin = fmin(pg->ymin, v[2 * j + 1]);
        pg->xmax = fmax(pg->xmax, v[2 * j]);
        pg->ymax = fmax(pg->ymax, v[2 * j + 1]);
      }
      ix->ring_v[2 * *nring] = *nvtx;
      ix->ring_v[2 * *nring + 1] = *nvtx + (int)n;
      (*nring)++;
      *nvtx += (int)n;
      if (*nvtx - (int)n > v0) {
        /* back to the polygon's first vertex */
        ix->vtx[2 * (size_t)*nvtx] = ix->vtx[2 * (size_t)v0];
        ix->vtx[2 * (size_t)*nvtx + 1] = ix->vtx[2 * (size_t)v0 + 1];
        (*nvtx)++;
      }
    }
  }
  ix->ring_first[p + 1] = *nring;
  pg->v0 = v0;
  pg->v1 = *nvtx;
  return 1;
}

static int
index_cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of the n values in v (reordered). */
static double
index_median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, index_cmp_double);
  return n ? v[n / 2] : 0.0;
}

/* Choose the bucket lattice: buckets about 1/INDEX_DIV of the median
** polygon's width and height, the lattice shifted off the polygons' own
** west and south edges so that a regular grid of polygons does not run
** along bucket borders. Returns 0 if out of memory. */
static int
index_lattice(struct geo_index *ix)
{
  double xmin = INFINITY, ymin = INFINITY, xmax = -INFINITY, ymax = -INFINITY;
  double *w = malloc(((size_t)ix->npoly + 1) * sizeof *w);
  double *hgt = malloc(((size_t)ix->npoly + 1) * sizeof *hgt);
  double mw, mh, nb;
  int k = 0;

  if (!w || !hgt) {
    free(w);
    free(hgt);
    return 0;
  }
  for (int p = 0; p < ix->npoly; p++) {
    const struct index_poly *pg = &ix->poly[p];
    if (!(pg->xmax > pg->xmin && pg->ymax > pg->ymin)) continue;
    xmin = fmin(xmin, pg->xmin);
    ymin = fmin(ymin, pg->ymin);
    xmax = fmax(xmax, pg->xmax);
    ymax = fmax(ymax, pg->ymax);
    w[k] = pg->xmax - pg->xmin;
    hgt[k] = pg->ymax - pg->ymin;
    k++;
  }
  if (k == 0) {
    /* nothing with an area: one pure bucket saying "outside" */
    xmin = ymin = 0.0;
    xmax = ymax = 1.0;
    w[0] = hgt[0] = 1.0;
    k = 1;
  }
  mw = index_median(w, k) / INDEX_DIV;
  mh = index_median(hgt, k) / INDEX_DIV;
  free(w);
  free(hgt);
  nb = ((xmax - xmin) / mw + 2.0) * ((ymax - ymin) / mh + 2.0);
  if (nb > INDEX_MAX_BUCKETS) {
    double f = sqrt(nb / INDEX_MAX_BUCKETS) * 1.01;
    mw *= f;
    mh *= f;
  }
  ix->bw = mw;
  ix->bh = mh;
  ix->inv_bw = 1.0 / mw;
  ix->inv_bh = 1.0 / mh;
  ix->x0 = xmin - 0.37 * mw;
  ix->y0 = ymin - 0.29 * mh;
  ix->nx = (int)((xmax - ix->x0) / mw) + 2;
  ix->ny = (int)((ymax - ix->y0) / mh) + 2;
  return 1;
}

static int
index_clamp(double v, int n)
{
  if (v < 0.0) return 0;
  if (v >= n - 1) return n - 1;
  return (int)v;
}

/* Append to *out every bucket the closed segment a-b touches, widened by
** INDEX_EPS bucket widths: row by row, the x range of the part of the
** segment inside the row's band. Returns 0 if out of memory. */
static int
index_raster_edge(const struct geo_index *ix, double ax, double ay, double bx,
                  double by, struct ivec *out)
{
  double ua = (ax - ix->x0) * ix->inv_bw, va = (ay - ix->y0) * ix->inv_bh;
  double ub = (bx - ix->x0) * ix->inv_bw, vb = (by - ix->y0) * ix->inv_bh;
  double vlo = fmin(va, vb), vhi = fmax(va, vb);
  int r0 = index_clamp(floor(vlo - INDEX_EPS), ix->ny);
  int r1 = index_clamp(floor(vhi + INDEX_EPS), ix->ny);

  for (int r = r0; r <= r1; r++) {
    double lo = fmax(vlo, r - INDEX_EPS), hi = fmin(vhi, r + 1 + INDEX_EPS);
    double u1, u2;
    int c0, c1;
    if (va == vb) {
      u1 = ua;
      u2 = ub;
    } else {
      u1 = ua + (ub - ua) * ((lo - va) / (vb - va));
      u2 = ua + (ub - ua) * ((hi - va) / (vb - va));
    }
    if (u1 > u2) {
      double t = u1;
      u1 = u2;
      u2 = t;
    }
    /* the interpolation cannot leave the segment's own x range */
    u1 = fmax(u1, fmin(ua, ub));
    u2 = fmin(u2, fmax(ua, ub));
    c0 = index_clamp(floor(u1 - INDEX_EPS), ix->nx);
    c1 = index_clamp(floor(u2 + INDEX_EPS), ix->nx);
    for (int c = c0; c <= c1; c++)
      if (!ivec_push(out, r * ix->nx + c)) return 0;
  }
  return 1;
}

/* Mark the buckets touched by the edges of every polygon: count the
** polygons per bucket in ix->bucket and list (bucket, polygon) pairs, each
** once, in *pairs. Returns 0 if out of memory. */
static int
index_mark(struct geo_index *ix, struct ivec *pairs)
{
  size_t nb = (size_t)ix->nx * (size_t)ix->ny;
  int32_t *stamp = malloc(nb * sizeof *stamp);
  struct ivec touched = {0};
  int ok = 1;

  if (!stamp) return 0;
  memset(stamp, 0xff, nb * sizeof *stamp); /* -1 */
  for (int p = 0; p < ix->npoly && ok; p++) {
    for (int r = ix->ring_first[p]; r < ix->ring_first[p + 1] && ok; r++) {
      const double *v = ix->vtx + 2 * (size_t)ix->ring_v[2 * r];
      const double *end = ix->vtx + 2 * (size_t)ix->ring_v[2 * r + 1];
      for (; v + 2 < end && ok; v += 2) {
        touched.n = 0;
        ok = index_raster_edge(ix, v[0], v[1], v[2], v[3], &touched);
        for (size_t i = 0; i < touched.n && ok; i++) {
          int32_t b = touched.v[i];
          if (stamp[b] == p) continue;
          stamp[b] = p;
          ix->bucket[b]++;
          ok = ivec_push(pairs, b) && ivec_push(pairs, p);
        }
      }
    }
  }
  free(touched.v);
  free(stamp);
  return ok;
}

/* Turn the counts in ix->bucket into the candidate lists: non-pure buckets
** get their number (-2 - k), pure ones -1 for now. Returns 0 if out of
** memory. */
static int
index_candidates(struct geo_index *ix, const struct ivec *pairs)
{
  size_t nb = (size_t)ix->nx * (size_t)ix->ny;
  int32_t *cursor;
  int k = 0;

  for (size_t b = 0; b < nb; b++)
    if (ix->bucket[b] > 0) k++;
  ix->nnonpure = k;
  ix->ncand = (int)(pairs->n / 2);
  ix->cand_start = malloc(((size_t)k + 1) * sizeof *ix->cand_start);
  ix->cand = malloc(((size_t)ix->ncand + 1) * sizeof *ix->cand);
  cursor = malloc(((size_t)k + 1) * sizeof *cursor);
  if (!ix->cand_start || !ix->cand || !cursor) {
    free(cursor);
    return 0;
  }
  k = 0;
  ix->cand_start[0] = 0;
  for (size_t b = 0; b < nb; b++) {
    if (ix->bucket[b] > 0) {
      ix->cand_start[k + 1] = ix->cand_start[k] + ix->bucket[b];
      cursor[k] = ix->cand_start[k];
      ix->bucket[b] = -2 - k;
      k++;
    } else {
      ix->bucket[b] = -1;
    }
  }
  for (size_t i = 0; i < pairs->n; i += 2) {
    int32_t nonpure = -2 - ix->bucket[pairs->v[i]];
    ix->cand[cursor[nonpure]++] = pairs->v[i + 1];
  }
  free(cursor);
  return 1;
}

/* One crossing of a polygon edge with a bucket row's centre line. */
struct index_cross {
  int32_t col; /* bucket column of the crossing, -1 .. nx */
  int32_t poly;
};

static int
index_cmp_cross(const void *a, const void *b)
{
  const struct index_cross *x = a, *y = b;
  if (x->col != y->col) return (x->col > y->col) - (x->col < y->col);
  return (x->poly > y->poly) - (x->poly < y->poly);
}

static double
index_row_y(const struct geo_index *ix, int r)
{
  return ix->y0 + (r + 0.5) * ix->bh;
}

/* Calls fn(row, col, poly, arg) for every crossing of a polygon edge with a
** bucket row's centre line, under the same half-open rule as index_pip.
** Returns 0 if fn does. */
static int
index_each_cross(const struct geo_index *ix, int (*fn)(int, int, int, void *),
                 void *arg)
{
  for (int p = 0; p < ix->npoly; p++) {
    for (int r = ix->ring_first[p]; r < ix->ring_first[p + 1]; r++) {
      const double *v = ix->vtx + 2 * (size_t)ix->ring_v[2 * r];
      const double *end = ix->vtx + 2 * (size_t)ix->ring_v[2 * r + 1];
      for (; v + 2 < end; v += 2) {
        double ax = v[0], ay = v[1], bx = v[2], by = v[3];
        double vlo = (fmin(ay, by) - ix->y0) * ix->inv_bh;
        double vhi = (fmax(ay, by) - ix->y0) * ix->inv_bh;
        int r0 = (int)fmax(floor(vlo - 0.5) - 1, 0);
        int r1 = (int)fmin(floor(vhi - 0.5) + 1, ix->ny - 1);
        for (int row = r0; row <= r1; row++) {
          double y = index_row_y(ix, row), x, u;
          int col;
          if ((ay > y) == (by > y)) continue;
          x = ax + (bx - ax) * ((y - ay) / (by - ay));
          u = floor((x - ix->x0) * ix->inv_bw);
          col = u < 0 ? -1 : u >= ix->nx ? ix->nx : (int)u;
          if (!fn(row, col, p, arg)) return 0;
        }
      }
    }
  }
  return 1;
}

/* Crossings sorted by row: counted in a first pass, placed in a second. */
struct index_rows {
  int32_t *start; /* ny + 1 */
  int32_t *fill;  /* ny: next free slot per row */
  struct index_cross *cross;
};

static int
index_count_cross(int row, int col, int poly, void *arg)
{
  struct index_rows *rows = arg;
  (void)col;
  (void)poly;
  rows->start[row + 1]++;
  return 1;
}

static int
index_place_cross(int row, int col, int poly, void *arg)
{
  struct index_rows *rows = arg;
  struct index_cross *c = &rows->cross[rows->fill[row]++];
  c->col = col;
  c->poly = poly;
  return 1;
}

/* The polygons of odd parity during a row sweep: an unordered list with
** each polygon's position in it (-1 when even). */
struct index_odd {
  int32_t *list, *pos;
  int n;
};

static void
index_toggle(struct index_odd *o, int p)
{
  if (o->pos[p] < 0) {
    o->pos[p] = o->n;
    o->list[o->n++] = p;
  } else {
    int last = o->list[--o->n];
    o->list[o->pos[p]] = last;
    o->pos[last] = o->pos[p];
    o->pos[p] = -1;
  }
}

/* The owner at a point where the polygons in o have odd parity: the first
** in polygon order, as a candidate list would answer (only overlapping
** input has more than one). */
static int
index_odd_owner(const struct index_odd *o)
{
  int best = -1;
  for (int i = 0; i < o->n; i++)
    if (best < 0 || o->list[i] < best) best = o->list[i];
  return best;
}

/* Give every pure bucket its owner: sweep each row's centre line from west
** to east, toggling the parity of a polygon at each of its crossings; the
** polygon of odd parity at a pure bucket's centre holds the whole bucket.
** A pure bucket has no crossing inside it, so the crossings only need their
** bucket column. Returns 0 if out of memory. */
static int
index_owners(struct geo_index *ix)
{
  struct index_rows rows = {0};
  struct index_odd odd = {0};
  int ok = 0;

  odd.list = malloc(((size_t)ix->npoly + 1) * sizeof *odd.list);
  odd.pos = malloc(((size_t)ix->npoly + 1) * sizeof *odd.pos);
  rows.start = calloc((size_t)ix->ny + 1, sizeof *rows.start);
  rows.fill = malloc(((size_t)ix->ny + 1) * sizeof *rows.fill);
  if (!odd.list || !odd.pos || !rows.start || !rows.fill) goto done;
  for (int p = 0; p < ix->npoly; p++)
    odd.pos[p] = -1;
  index_each_cross(ix, index_count_cross, &rows);
  for (int r = 0; r < ix->ny; r++) {
    rows.start[r + 1] += rows.start[r];
    rows.fill[r] = rows.start[r];
  }
  rows.cross = malloc(((size_t)rows.start[ix->ny] + 1) * sizeof *rows.cross);
  if (!rows.cross) goto done;
  index_each_cross(ix, index_place_cross, &rows);
  for (int r = 0; r < ix->ny; r++) {
    struct index_cross *c = rows.cross + rows.start[r];
    int n = rows.start[r + 1] - rows.start[r], j = 0, owner = -1;
    int32_t *row = ix->bucket + (size_t)r * (size_t)ix->nx;
    qsort(c, (size_t)n, sizeof *c, index_cmp_cross);
    for (int col = 0; col < ix->nx; col++) {
      if (j < n && c[j].col < col) {
        for (; j < n && c[j].col < col; j++)
          index_toggle(&odd, c[j].poly);
        owner = index_odd_owner(&odd);
      }
      if (row[col] == -1) row[col] = owner;
    }
    for (; j < n; j++)
      index_toggle(&odd, c[j].poly);
  }
  ok = 1;
done:
  free(odd.list);
  free(odd.pos);
  free(rows.start);
  free(rows.fill);
  free(rows.cross);
  return ok;
}

struct geo_index *
geo_index_new(const GEOSGeometry *const *polys, int n, struct cg_err *e)
{
  GEOSContextHandle_t h = geo_ctx();
  struct geo_index *ix;
  struct ivec pairs = {0};
  int nring = 0, nvtx = 0;

  if (n < 0 || (n > 0 && !polys) || !h) {
    cg_fail(e, CG_EINVAL, "bad polygon list for the index");
    return NULL;
  }
  for (int p = 0; p < n; p++) {
    if (!polys[p] || !index_count(h, polys[p], &nring, &nvtx)) {
      cg_fail(e, CG_EINVAL, "cannot index geometry %d: not a polygon", p);
      return NULL;
    }
  }
  ix = calloc(1, sizeof *ix);
  if (!ix) goto nomem;
  ix->npoly = n;
  ix->nvtx = nvtx;
  ix->ring_first = malloc(((size_t)n + 1) * sizeof *ix->ring_first);
  ix->ring_v = malloc(((size_t)nring + 1) * 2 * sizeof *ix->ring_v);
  ix->vtx = malloc(((size_t)nvtx + 1) * 2 * sizeof *ix->vtx);
  ix->poly = malloc(((size_t)n + 1) * sizeof *ix->poly);
  if (!ix->ring_first || !ix->ring_v || !ix->vtx || !ix->poly) goto nomem;
  nring = nvtx = 0;
  ix->ring_first[0] = 0;
  for (int p = 0; p < n; p++) {
    if (!index_copy(h, ix, p, polys[p], &nring, &nvtx)) {
      cg_fail(e, CG_EINVAL, "cannot index geometry %d: %s", p,
              geo_last_error());
      geo_index_free(ix);
      return NULL;
    }
  }
  if (!index_lattice(ix)) goto nomem;
  ix->bucket = calloc((size_t)ix->nx * (size_t)ix->ny, sizeof *ix->bucket);
  if (!ix->bucket || !index_mark(ix, &pairs) || !index_candidates(ix, &pairs) ||
      !index_owners(ix))
    goto nomem;
  free(pairs.v);
  free(ix->ring_first);
  free(ix->ring_v);
  ix->ring_first = ix->ring_v = NULL;
  return ix;
nomem:
  free(pairs.v);
  geo_index_free(ix);
  cg_fail(e, CG_ENOMEM, "out of memory building the point index");
  return NULL;
}
