/*
** generate.c — cut a district into street and community areas and unit
** grids. A lattice of cell_m x cell_m cells is laid over the district (in
** lon/lat, where the local equirectangular projection makes the cells
** squares) and clipped to it; units are carved out of the cell pieces by
** recursive bisection with connected sweeps, streets first, then the
** communities of each street; the pieces of each community, slivers merged
** into their neighbours, become its unit grids.
*/
#include "geo.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_EARTH_R 6371008.8
#define GEN_MIN_CELL 10.0
#define GEN_MAX_CELL 2000.0
#define GEN_MAX_GRIDS 200000
#define GEN_MAX_PER_COMMUNITY 999
/* A grid piece smaller than this share of a cell is merged into a
** neighbouring grid of its community. */
#define GEN_SLIVER 0.2

/* One polygon of the part of a lattice cell inside a region: a node of the
** partition graph. Its neighbours are the pieces of the same set in the 4
** adjacent cells that share a stretch of the common cell side with it. */
struct gen_piece {
  int row, col;     /* lattice cell; rows from the north */
  GEOSGeometry *g;  /* owned Polygon; NULL for the whole cell */
  double area;      /* m² */
  int street, comm; /* owners once placed; -1 before */
  int owner;        /* owner at the level being placed */
  int tag;          /* partition group at that level */
  int seen;         /* stamp of the last search that reached it */
  int dead;         /* replaced by finer pieces (real communities) */
  int span, nspan;  /* its stretches along the cell sides in G->spans */
  int next;         /* next piece of the set in the same cell, or -1 */
};

/* A stretch of a clipped piece's boundary along a side of its cell: x
** range on the north (0) or south (1) side, y range on the west (2) or east
** (3) side. */
struct gen_span {
  double lo, hi;
  int side;
};

/* One polygonal part of a community's pieces, on its way to a grid. */
struct gen_part {
  int row, col;
  GEOSGeometry *g;   /* owned until moved into a grid */
  GEOSGeometry *bnd; /* boundary, made when first needed; owned */
  double area;       /* m² */
  int base;          /* large enough to be a grid of its own */
  int grid;          /* grid it belongs to, -1 while a loose sliver */
  int next;          /* next part in the same cell, -1 at the end */
};

/* A grid of the community being finished, before numbering. */
struct gen_cgrid {
  int row, col;    /* cell of its base part */
  double xmin;     /* tie-break within a cell */
  GEOSGeometry *g; /* owned until moved into the output */
};

struct gen_heap_item {
  int64_t key;
  int piece;
};

/* The whole state of one geo_generate() call; freed by gen_release(). */
struct gen {
  GEOSContextHandle_t h;
  struct geo_gen *in;
  struct cg_err *e;
  double x0, y0;    /* north-west corner of the lattice */
  double dx, dy;    /* cell size in degrees */
  double kx, ky;    /* metres per degree of lon and lat */
  double cell_area; /* m² */
  int nrows, ncols;
  struct gen_piece *pc; /* owned, with the geometries in it */
  int npc, cappc;
  int *cellmap;           /* nrows * ncols: first piece of the set, or -1 */
  struct gen_span *spans; /* owned */
  int nspans, capspans;
  int ntag;
  struct gen_heap_item *heap; /* scratch, cappc items */
  int *queue;                 /* scratch, cappc items */
  int capgrids;
};

/* ---- small helpers -------------------------------------------------- */

static double
gen_cell_x(const struct gen *G, int col)
{
  return G->x0 + col * G->dx;
}

static double
gen_cell_y(const struct gen *G, int row)
{
  return G->y0 - row * G->dy;
}

/* A new rectangle for lattice cell (row, col); NULL on failure. The corners
** come from gen_cell_x/y only, so neighbouring cells share them exactly. */
static GEOSGeometry *
gen_cell_rect(const struct gen *G, int row, int col)
{
  return GEOSGeom_createRectangle_r(G->h, gen_cell_x(G, col),
                                    gen_cell_y(G, row + 1),
                                    gen_cell_x(G, col + 1), gen_cell_y(G, row));
}

/* Area in m² of a piece of this lattice (the district's scale factors). */
static double
gen_area(const struct gen *G, const GEOSGeometry *g)
{
  double a = 0.0;
  if (!GEOSArea_r(G->h, g, &a)) return 0.0;
  return a * G->kx * G->ky;
}

static int
gen_nomem(struct gen *G)
{
  return cg_fail(G->e, CG_ENOMEM, "out of memory generating grids");
}

static int
gen_geos_fail(struct gen *G, const char *what)
{
  return cg_fail(G->e, CG_EINVAL, "cannot generate grids: %s: %s", what,
                 geo_last_error());
}

/* Keep only the polygonal part of g: a Polygon or MultiPolygon as it is,
** the polygons of a collection gathered into one. Takes g; returns a new
** geometry (caller frees) or NULL when nothing with an area is left. */
static GEOSGeometry *
gen_polygonal(GEOSContextHandle_t h, GEOSGeometry *g)
{
  int type, n, k = 0;
  GEOSGeometry **parts, *out = NULL;

  if (!g) return NULL;
  type = GEOSGeomTypeId_r(h, g);
  if ((type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) &&
      !GEOSisEmpty_r(h, g))
    return g;
  if (type != GEOS_GEOMETRYCOLLECTION) {
    GEOSGeom_destroy_r(h, g);
    return NULL;
  }
  n = GEOSGetNumGeometries_r(h, g);
  for (int i = 0, all = n; i < all; i++) {
    const GEOSGeometry *m = GEOSGetGeometryN_r(h, g, i);
    if (GEOSGeomTypeId_r(h, m) == GEOS_MULTIPOLYGON)
      n += GEOSGetNumGeometries_r(h, m);
  }
  parts = calloc((size_t)n + 1, sizeof *parts);
  for (int i = 0; parts && i < GEOSGetNumGeometries_r(h, g); i++) {
    const GEOSGeometry *m = GEOSGetGeometryN_r(h, g, i);
    int t = GEOSGeomTypeId_r(h, m);
    if (t == GEOS_POLYGON && !GEOSisEmpty_r(h, m)) {
      if ((parts[k] = GEOSGeom_clone_r(h, m))) k++;
    } else if (t == GEOS_MULTIPOLYGON) {
      for (int j = 0; j < GEOSGetNumGeometries_r(h, m); j++)
        if ((parts[k] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, m, j)))) k++;
    }
  }
  if (parts && k == 1)
    out = parts[0];
  else if (parts && k > 1)
    out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k);
  free(parts);
  GEOSGeom_destroy_r(h, g);
  return out;
}

/* Union of n polygonal geometries that form a coverage (shared edges with
** identical vertices, no overlaps): GEOSCoverageUnion, checked against the
** summed area, with GEOSUnaryUnion as the fallback when the pieces do not
** quite fit. Takes the geometries in geoms[] (and frees them). Returns a
** new geometry (caller frees) or NULL on failure. */
static GEOSGeometry *
gen_union(GEOSContextHandle_t h, GEOSGeometry **geoms, int n)
{
  GEOSGeometry *coll, *u;
  double sum = 0.0, a = 0.0, x;

  if (n == 0) return GEOSGeom_createEmptyPolygon_r(h);
  if (n == 1) return geoms[0];
  for (int i = 0; i < n; i++)
    if (GEOSArea_r(h, geoms[i], &x)) sum += x;
  coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, geoms,
                                     (unsigned)n);
  if (!coll) {
    for (int i = 0; i < n; i++)
      GEOSGeom_destroy_r(h, geoms[i]);
    return NULL;
  }
  u = GEOSCoverageUnion_r(h, coll);
  if (u && (!GEOSArea_r(h, u, &a) || fabs(a - sum) > 1e-9 * sum)) {
    GEOSGeom_destroy_r(h, u);
    u = NULL;
  }
  if (!u) u = GEOSUnaryUnion_r(h, coll);
  GEOSGeom_destroy_r(h, coll);
  return gen_polygonal(h, u);
}

/* A new geometry for piece i: a clone of its clipped shape, or the
** rectangle of its cell. Caller frees. */
static GEOSGeometry *
gen_piece_geom(const struct gen *G, int i)
{
  const struct gen_piece *p = &G->pc[i];
  return p->g ? GEOSGeom_clone_r(G->h, p->g) : gen_cell_rect(G, p->row, p->col);
}

/* The union of the pieces idx[0..n). Returns a new geometry (caller frees)
** or NULL with G->e filled. */
static GEOSGeometry *
gen_union_pieces(struct gen *G, const int *idx, int n)
{
  GEOSGeometry **gs = malloc(((size_t)n + 1) * sizeof *gs), *u;

  if (!gs) {
    gen_nomem(G);
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    gs[i] = gen_piece_geom(G, idx[i]);
    if (!gs[i]) {
      for (int j = 0; j < i; j++)
        GEOSGeom_destroy_r(G->h, gs[j]);
      free(gs);
      gen_geos_fail(G, "cell");
      return NULL;
    }
  }
  u = gen_union(G->h, gs, n);
  free(gs);
  if (!u) gen_geos_fail(G, "union");
  return u;
}

/* ---- pieces --------------------------------------------------------- */

/* Record the stretches of ring `ring` that run along the sides of cell
** (row, col) as spans of the last piece. Vertices made on a cell side by
** the clipping carry that side's coordinate exactly. Returns 0 if out of
** memory. */
static int
gen_ring_spans(struct gen *G, const GEOSGeometry *ring, int row, int col)
{
  const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(G->h, ring);
  double yn = gen_cell_y(G, row), ys = gen_cell_y(G, row + 1);
  double xw = gen_cell_x(G, col), xe = gen_cell_x(G, col + 1);
  double ax, ay, bx, by;
  unsigned n = 0;

  if (!seq || !GEOSCoordSeq_getSize_r(G->h, seq, &n) || n < 2) return 1;
  GEOSCoordSeq_getXY_r(G->h, seq, 0, &ax, &ay);
  for (unsigned i = 1; i < n; i++, ax = bx, ay = by) {
    struct gen_span sp;
    GEOSCoordSeq_getXY_r(G->h, seq, i, &bx, &by);
    if (ay == by && ax != bx && (ay == yn || ay == ys)) {
      sp.side = ay == yn ? 0 : 1;
      sp.lo = fmin(ax, bx);
      sp.hi = fmax(ax, bx);
    } else if (ax == bx && ay != by && (ax == xw || ax == xe)) {
      sp.side = ax == xw ? 2 : 3;
      sp.lo = fmin(ay, by);
      sp.hi = fmax(ay, by);
    } else {
      continue;
    }
    if (G->nspans == G->capspans) {
      int cap = G->capspans ? G->capspans * 2 : 4096;
      struct gen_span *v = realloc(G->spans, (size_t)cap * sizeof *v);
      if (!v) return 0;
      G->spans = v;
      G->capspans = cap;
    }
    G->spans[G->nspans++] = sp;
  }
  return 1;
}

/* Record the side stretches of the clipped polygon g of the piece being
** added. Returns 0 if out of memory. */
static int
gen_piece_spans(struct gen *G, int row, int col, const GEOSGeometry *g)
{
  int nholes = GEOSGetNumInteriorRings_r(G->h, g);

  if (!gen_ring_spans(G, GEOSGetExteriorRing_r(G->h, g), row, col)) return 0;
  for (int k = 0; k < nholes; k++)
    if (!gen_ring_spans(G, GEOSGetInteriorRingN_r(G->h, g, k), row, col))
      return 0;
  return 1;
}

/* True if piece a touches piece b of the next cell across a's side k
** along a stretch of positive length. A whole cell runs along all of its
** sides. */
static int
gen_touch(const struct gen *G, const struct gen_piece *a, int k,
          const struct gen_piece *b)
{
  const struct gen_span *sa = G->spans + a->span, *sb = G->spans + b->span;

  if (!a->g || !b->g) {
    const struct gen_piece *c = a->g ? a : b;
    int side = a->g ? k : k ^ 1;
    if (!c->g) return 1;
    for (int i = 0; i < c->nspan; i++)
      if (G->spans[c->span + i].side == side) return 1;
    return 0;
  }
  for (int i = 0; i < a->nspan; i++) {
    if (sa[i].side != k) continue;
    for (int j = 0; j < b->nspan; j++)
      if (sb[j].side == (k ^ 1) &&
          fmin(sa[i].hi, sb[j].hi) > fmax(sa[i].lo, sb[j].lo))
        return 1;
  }
  return 0;
}

static int
gen_add_piece(struct gen *G, int row, int col, GEOSGeometry *g, double area)
{
  struct gen_piece *p;

  if (G->npc == G->cappc) {
    int cap = G->cappc ? G->cappc * 2 : 4096;
    struct gen_piece *pc = realloc(G->pc, (size_t)cap * sizeof *pc);
    struct gen_heap_item *hp = realloc(G->heap, (size_t)cap * sizeof *hp);
    int *q;
    if (pc) G->pc = pc;
    if (hp) G->heap = hp;
    q = realloc(G->queue, (size_t)cap * sizeof *q);
    if (q) G->queue = q;
    if (!pc || !hp || !q) return -1;
    G->cappc = cap;
  }
  p = &G->pc[G->npc];
  memset(p, 0, sizeof *p);
  p->row = row;
  p->col = col;
  p->g = g;
  p->area = area;
  p->street = p->comm = p->owner = -1;
  p->next = -1;
  p->span = G->nspans;
  if (g && !gen_piece_spans(G, row, col, g)) return -1;
  p->nspan = G->nspans - p->span;
  return G->npc++;
}

/* Add a piece for every polygon of cut, the clipped cell (row, col), with
** owner `owner`. Takes cut. Returns CG_OK or an error code. */
static int
gen_add_parts(struct gen *G, int row, int col, GEOSGeometry *cut, int owner)
{
  int type = GEOSGeomTypeId_r(G->h, cut), rc = CG_OK;
  int n = type == GEOS_MULTIPOLYGON ? GEOSGetNumGeometries_r(G->h, cut) : 1;

  for (int k = 0; k < n && rc == CG_OK; k++) {
    GEOSGeometry *part =
        type == GEOS_MULTIPOLYGON
            ? GEOSGeom_clone_r(G->h, GEOSGetGeometryN_r(G->h, cut, k))
            : cut;
    double a = part ? gen_area(G, part) : 0.0;
    int i;
    if (!part) {
      rc = gen_geos_fail(G, "cell");
      break;
    }
    if (a <= 0.0) {
      if (part != cut) GEOSGeom_destroy_r(G->h, part);
      continue;
    }
    i = gen_add_piece(G, row, col, part, a);
    if (i < 0) {
      if (part != cut) GEOSGeom_destroy_r(G->h, part);
      rc = gen_nomem(G);
      break;
    }
    G->pc[i].owner = owner;
    if (part == cut) cut = NULL; /* now the piece's */
  }
  if (cut) GEOSGeom_destroy_r(G->h, cut);
  return rc;
}

/* Cover a polygonal region with lattice pieces: a cell inside it becomes a
** whole-cell piece, a cell on its border one piece per polygon of the
** intersection. The new pieces are G->pc[first..G->npc), with owner set to
** `owner`. Returns CG_OK or an error code with G->e filled. */
static int
gen_cover(struct gen *G, const GEOSGeometry *region, int owner)
{
  const GEOSPreparedGeometry *prep;
  double xmin, ymin, xmax, ymax;
  int r0, r1, c0, c1, rc = CG_OK;

  if (GEOSisEmpty_r(G->h, region)) return CG_OK;
  if (!GEOSGeom_getXMin_r(G->h, region, &xmin) ||
      !GEOSGeom_getXMax_r(G->h, region, &xmax) ||
      !GEOSGeom_getYMin_r(G->h, region, &ymin) ||
      !GEOSGeom_getYMax_r(G->h, region, &ymax))
    return gen_geos_fail(G, "extent");
  c0 = (int)floor((xmin - G->x0) / G->dx) - 1;
  c1 = (int)floor((xmax - G->x0) / G->dx) + 1;
  r0 = (int)floor((G->y0 - ymax) / G->dy) - 1;
  r1 = (int)floor((G->y0 - ymin) / G->dy) + 1;
  c0 = c0 < 0 ? 0 : c0;
  r0 = r0 < 0 ? 0 : r0;
  c1 = c1 >= G->ncols ? G->ncols - 1 : c1;
  r1 = r1 >= G->nrows ? G->nrows - 1 : r1;
  prep = GEOSPrepare_r(G->h, region);
  if (!prep) return gen_geos_fail(G, "prepare");
  for (int r = r0; r <= r1 && rc == CG_OK; r++) {
    for (int c = c0; c <= c1 && rc == CG_OK; c++) {
      GEOSGeometry *rect = gen_cell_rect(G, r, c), *cut = NULL;
      int i;
      if (!rect) {
        rc = gen_geos_fail(G, "cell");
        break;
      }
      if (GEOSPreparedContains_r(G->h, prep, rect) == 1) {
        i = gen_add_piece(G, r, c, NULL, G->cell_area);
      } else if (GEOSPreparedIntersects_r(G->h, prep, rect) == 1) {
        cut = GEOSIntersection_r(G->h, region, rect);
        GEOSGeom_destroy_r(G->h, rect);
        if (!cut)
          rc = gen_geos_fail(G, "clip");
        else if ((cut = gen_polygonal(G->h, cut)))
          rc = gen_add_parts(G, r, c, cut, owner);
        continue;
      } else {
        GEOSGeom_destroy_r(G->h, rect);
        continue;
      }
      GEOSGeom_destroy_r(G->h, rect);
      if (i < 0)
        rc = gen_nomem(G);
      else
        G->pc[i].owner = owner;
    }
  }
  GEOSPreparedGeom_destroy_r(G->h, prep);
  return rc;
}

/* ---- partition by recursive bisection -------------------------------- */

static void
gen_heap_push(struct gen *G, int *n, int64_t key, int piece)
{
  struct gen_heap_item *hp = G->heap;
  int i = (*n)++;
  while (i > 0) {
    int up = (i - 1) / 2;
    if (hp[up].key <= key) break;
    hp[i] = hp[up];
    i = up;
  }
  hp[i].key = key;
  hp[i].piece = piece;
}

static int
gen_heap_pop(struct gen *G, int *n)
{
  struct gen_heap_item *hp = G->heap, last;
  int top = hp[0].piece, i = 0;

  last = hp[--(*n)];
  for (;;) {
    int c = 2 * i + 1;
    if (c >= *n) break;
    if (c + 1 < *n && hp[c + 1].key < hp[c].key) c++;
    if (hp[c].key >= last.key) break;
    hp[i] = hp[c];
    i = c;
  }
  if (*n > 0) hp[i] = last;
  return top;
}

/* The sweep key of a piece for sweep direction dir: 0 west to east, 1 north
** to south, 2 east to west, 3 south to north; ties broken across. */
static int64_t
gen_key(const struct gen *G, int i, int dir)
{
  const struct gen_piece *p = &G->pc[i];
  int64_t span = (int64_t)G->nrows + G->ncols + 1;
  int64_t key = dir % 2 == 0 ? (int64_t)p->col * span + p->row
                             : (int64_t)p->row * span + p->col;
  return dir >= 2 ? -key : key;
}

/* The pieces adjacent to piece i that carry tag `tag`: pieces of the set in
** the 4 neighbouring cells that share a stretch of the common side with it.
** Writes up to GEN_MAXNB piece indices to nb and returns their number. */
#define GEN_MAXNB 32
static int
gen_neighbours(const struct gen *G, int i, int tag, int nb[GEN_MAXNB])
{
  static const int dr[4] = {-1, 1, 0, 0}, dc[4] = {0, 0, -1, 1};
  const struct gen_piece *p = &G->pc[i];
  int n = 0;

  for (int k = 0; k < 4; k++) {
    int r = p->row + dr[k], c = p->col + dc[k];
    if (r < 0 || c < 0 || r >= G->nrows || c >= G->ncols) continue;
    for (int j = G->cellmap[(size_t)r * G->ncols + c]; j >= 0;
         j = G->pc[j].next)
      if (G->pc[j].tag == tag && n < GEN_MAXNB && gen_touch(G, p, k, &G->pc[j]))
        nb[n++] = j;
  }
  return n;
}

/* What a bisection of a piece set must achieve. */
struct gen_cut {
  int *idx, m;    /* the pieces, all tagged `rest` on entry */
  int rest;       /* tag of the pieces not (yet) in run 1 */
  int kmin, kmax; /* bounds on the number of pieces of run 1 */
  int nrest;      /* pieces the rest needs at least */
  double target;  /* area run 1 should reach */
};

/* Grow run 1 (tag t1) out of c->idx: from the first piece in sweep
** direction dir through adjacent pieces, nearest first along the sweep, so
** that it stays connected, until its area share is reached (restarting from
** the next extreme piece when a connected part runs out). Then the rest
** keeps only its largest connected part and the other parts (pockets cut
** off by run 1) join run 1. Returns the number of adjacent pairs between
** the two runs, the length of the cut in cell sides. */
static int
gen_grow(struct gen *G, const struct gen_cut *c, int dir, int t1)
{
  int t2 = c->rest, count = 0, nh = 0, nb[GEN_MAXNB], cutlen = 0, t3;
  int bestcomp = -1, bestcount = 0;
  double acc = 0.0, bestarea = -1.0;

  while (count < c->kmax) {
    int i;
    if (nh == 0) {
      int start = -1;
      int64_t skey = INT64_MAX;
      if (count >= c->kmin && acc >= c->target) break;
      for (int j = 0; j < c->m; j++) {
        int pj = c->idx[j];
        if (G->pc[pj].tag == t2 && G->pc[pj].seen != t1 &&
            gen_key(G, pj, dir) < skey) {
          skey = gen_key(G, pj, dir);
          start = pj;
        }
      }
      if (start < 0) break;
      G->pc[start].seen = t1;
      gen_heap_push(G, &nh, skey, start);
    }
    i = G->heap[0].piece;
    if (count >= c->kmin && acc + G->pc[i].area / 2.0 >= c->target) break;
    gen_heap_pop(G, &nh);
    G->pc[i].tag = t1;
    acc += G->pc[i].area;
    count++;
    for (int n = gen_neighbours(G, i, t2, nb), j = 0; j < n; j++) {
      if (G->pc[nb[j]].seen == t1) continue;
      G->pc[nb[j]].seen = t1;
      gen_heap_push(G, &nh, gen_key(G, nb[j], dir), nb[j]);
    }
  }

  /* the rest keeps its largest connected part */
  t3 = ++G->ntag;
  for (int j = 0; j < c->m; j++) {
    int s = c->idx[j], qh = 0, qt = 0;
    double a = 0.0;
    if (G->pc[s].tag != t2 || G->pc[s].seen == t3) continue;
    G->pc[s].seen = t3;
    G->queue[qt++] = s;
    while (qh < qt) {
      int i = G->queue[qh++];
      a += G->pc[i].area;
      for (int n = gen_neighbours(G, i, t2, nb), l = 0; l < n; l++) {
        if (G->pc[nb[l]].seen == t3) continue;
        G->pc[nb[l]].seen = t3;
        G->queue[qt++] = nb[l];
      }
    }
    if (a > bestarea) {
      bestarea = a;
      bestcomp = s;
      bestcount = qt;
    }
  }
  if (bestcomp >= 0 && bestcount >= c->nrest) {
    int t4 = ++G->ntag, qh = 0, qt = 0;
    G->pc[bestcomp].seen = t4;
    G->queue[qt++] = bestcomp;
    while (qh < qt) {
      int i = G->queue[qh++];
      for (int n = gen_neighbours(G, i, t2, nb), l = 0; l < n; l++) {
        if (G->pc[nb[l]].seen == t4) continue;
        G->pc[nb[l]].seen = t4;
        G->queue[qt++] = nb[l];
      }
    }
    for (int j = 0; j < c->m; j++)
      if (G->pc[c->idx[j]].tag == t2 && G->pc[c->idx[j]].seen != t4)
        G->pc[c->idx[j]].tag = t1;
  }
  for (int j = 0; j < c->m; j++)
    if (G->pc[c->idx[j]].tag == t1)
      cutlen += gen_neighbours(G, c->idx[j], t2, nb);
  return cutlen;
}

/* Split the pieces idx[0..m) (all tagged `tag`, chained in G->cellmap)
** among the units units[0..nu) of weights w[]: the units are cut into two
** runs of near-equal weight; run 1's share of the area is grown by
** gen_grow() in each of the four sweep directions and the direction with
** the shortest cut is kept (the longer axis of the pieces' extent wins
** ties); each run is split again. Sets owner on every piece. Returns 0, or
** -1 when there are fewer pieces than units. */
static int
gen_split(struct gen *G, int *idx, int m, int tag, const int *units,
          const double *w, int nu)
{
  double wsum = 0.0, wk = 0.0, best = INFINITY, total = 0.0;
  int k = 1, rmin = INT32_MAX, rmax = -1, cmin = INT32_MAX, cmax = -1;
  int t1 = 0, m1 = 0, rc, bestdir = 0, bestcut = INT32_MAX;
  struct gen_cut c;

  if (nu == 1) {
    for (int i = 0; i < m; i++)
      G->pc[idx[i]].owner = units[0];
    return 0;
  }
  if (m < nu) return -1;
  for (int i = 0; i < nu; i++)
    wsum += w[i];
  for (int i = 1; i < nu; i++) {
    double d;
    wk += w[i - 1];
    d = fabs(wk - wsum / 2.0);
    if (d < best) {
      best = d;
      k = i;
    }
  }
  wk = 0.0;
  for (int i = 0; i < k; i++)
    wk += w[i];
  for (int i = 0; i < m; i++) {
    const struct gen_piece *p = &G->pc[idx[i]];
    total += p->area;
    rmin = p->row < rmin ? p->row : rmin;
    rmax = p->row > rmax ? p->row : rmax;
    cmin = p->col < cmin ? p->col : cmin;
    cmax = p->col > cmax ? p->col : cmax;
  }
  c.idx = idx;
  c.m = m;
  c.rest = tag;
  c.kmin = k;
  c.kmax = m - (nu - k);
  c.nrest = nu - k;
  c.target = total * wk / wsum;

  /* try the four directions, the longer axis first; then redo the best */
  for (int trial = 0; trial <= 4; trial++) {
    int dir =
        trial == 4 ? bestdir : ((cmax - cmin) >= (rmax - rmin) ? 0 : 1) + trial;
    int cutlen;
    dir %= 4;
    t1 = ++G->ntag;
    cutlen = gen_grow(G, &c, dir, t1);
    if (trial == 4) break;
    if (cutlen < bestcut) {
      bestcut = cutlen;
      bestdir = dir;
    }
    for (int j = 0; j < m; j++)
      G->pc[idx[j]].tag = tag;
  }

  /* order idx as run 1 then the rest, and recurse */
  for (int j = 0; j < m; j++)
    if (G->pc[idx[j]].tag == t1) G->queue[m1++] = idx[j];
  for (int j = 0, n2 = m1; j < m; j++)
    if (G->pc[idx[j]].tag != t1) G->queue[n2++] = idx[j];
  memcpy(idx, G->queue, (size_t)m * sizeof *idx);
  rc = gen_split(G, idx, m1, t1, units, w, k);
  if (rc == 0)
    rc = gen_split(G, idx + m1, m - m1, tag, units + k, w + k, nu - k);
  return rc;
}

/* Give leftover pieces idx[0..m) (a region no generated unit can take, when
** every unit of the level has a real boundary) to the owner of a piece
** among all[0..nall) in the same or a 4-adjacent cell, spreading out cell
** by cell; pieces that reach none go to `fallback`. */
static void
gen_attach(struct gen *G, const int *idx, int m, const int *all, int nall,
           int fallback)
{
  int *head, *next, changed = 1;
  size_t ncell = (size_t)G->nrows * G->ncols;

  head = malloc(ncell * sizeof *head);
  next = malloc(((size_t)G->npc + 1) * sizeof *next);
  if (!head || !next) {
    for (int i = 0; i < m; i++)
      G->pc[idx[i]].owner = fallback;
    free(head);
    free(next);
    return;
  }
  for (size_t c = 0; c < ncell; c++)
    head[c] = -1;
  for (int j = 0; j < nall; j++) {
    size_t c = (size_t)G->pc[all[j]].row * G->ncols + G->pc[all[j]].col;
    next[all[j]] = head[c];
    head[c] = all[j];
  }
  while (changed) {
    changed = 0;
    for (int i = 0; i < m; i++) {
      struct gen_piece *p = &G->pc[idx[i]];
      static const int dr[5] = {0, -1, 1, 0, 0}, dc[5] = {0, 0, 0, -1, 1};
      if (p->owner >= 0) continue;
      for (int d = 0; d < 5 && p->owner < 0; d++) {
        int r = p->row + dr[d], c = p->col + dc[d];
        if (r < 0 || c < 0 || r >= G->nrows || c >= G->ncols) continue;
        for (int j = head[(size_t)r * G->ncols + c]; j >= 0; j = next[j])
          if (j != idx[i] && G->pc[j].owner >= 0) {
            p->owner = G->pc[j].owner;
            changed = 1;
            break;
          }
      }
    }
  }
  for (int i = 0; i < m; i++)
    if (G->pc[idx[i]].owner < 0) G->pc[idx[i]].owner = fallback;
  free(head);
  free(next);
}

/* ---- one level: streets in the district, communities in a street ----- */

/* A growable list of piece indices; free(v->v) releases it. */
struct gen_ivec {
  int *v;
  int n, cap;
};

static int
gen_ivec_push(struct gen_ivec *a, int x)
{
  if (a->n == a->cap) {
    int cap = a->cap ? a->cap * 2 : 1024;
    int *v = realloc(a->v, (size_t)cap * sizeof *v);
    if (!v) return 0;
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = x;
  return 1;
}

/* Cover `region` (see gen_cover) and list the new pieces in *out. */
static int
gen_cover_into(struct gen *G, const GEOSGeometry *region, int owner,
               struct gen_ivec *out)
{
  int from = G->npc, rc = gen_cover(G, region, owner);
  for (int j = from; j < G->npc && rc == CG_OK; j++)
    if (!gen_ivec_push(out, j)) rc = gen_nomem(G);
  return rc;
}

/* The part of `region` inside the real boundary of area a and outside
** `used` (what earlier units took; may be NULL). Sets *part to a new
** geometry (caller frees) or NULL when nothing with an area is left. */
static int
gen_real_part(struct gen *G, const GEOSGeometry *region,
              const struct geo_area *a, const GEOSGeometry *used,
              GEOSGeometry **part)
{
  GEOSGeometry *x = GEOSIntersection_r(G->h, region, a->geom), *d;

  *part = NULL;
  if (!x)
    return cg_fail(G->e, CG_EINVAL, "bad boundary of '%s': %s", a->code,
                   geo_last_error());
  x = gen_polygonal(G->h, x);
  if (x && used) {
    d = GEOSDifference_r(G->h, x, used);
    GEOSGeom_destroy_r(G->h, x);
    if (!d)
      return cg_fail(G->e, CG_EINVAL, "bad boundary of '%s': %s", a->code,
                     geo_last_error());
    x = gen_polygonal(G->h, d);
  }
  *part = x;
  return CG_OK;
}

/* Place the units units[0..nu) of areas[] inside `region`, whose pieces
** (when already made, e.g. a street's cells) are in_idx[0..nin): units
** with a real boundary take its intersection with the region (minus units
** placed before them), the others share the rest by weight. `region` may be
** NULL when in_idx is given and no unit has a real boundary. Sets owner on
** the live pieces of the level and lists them in *out (the caller frees
** out->v). `what` names the region in messages. Returns CG_OK or an error
** code with G->e filled. */
static int
gen_level(struct gen *G, const GEOSGeometry *region, const int *in_idx, int nin,
          struct geo_area *areas, const int *units, int nu, const char *what,
          struct gen_ivec *out)
{
  GEOSContextHandle_t h = G->h;
  GEOSGeometry *used = NULL, *free_part = NULL;
  int *gen_units = malloc(((size_t)nu + 1) * sizeof *gen_units);
  double *w = malloc(((size_t)nu + 1) * sizeof *w);
  int ngen = 0, nreal = 0, rc = CG_OK, first_free = 0, fallback = -1, nfree;

  if (!gen_units || !w) {
    rc = gen_nomem(G);
    goto done;
  }
  for (int i = 0; i < nu; i++) {
    if (areas[units[i]].geom) {
      nreal++;
      if (fallback < 0) fallback = units[i];
    } else {
      w[ngen] = areas[units[i]].weight;
      gen_units[ngen++] = units[i];
    }
  }
  if (nreal == 0 && in_idx) {
    /* reuse the region's pieces */
    for (int i = 0; i < nin && rc == CG_OK; i++) {
      G->pc[in_idx[i]].owner = -1;
      if (!gen_ivec_push(out, in_idx[i])) rc = gen_nomem(G);
    }
  } else {
    for (int i = 0; i < nin; i++)
      G->pc[in_idx[i]].dead = 1;
    /* real units first, each minus what earlier ones took */
    for (int i = 0; i < nu && rc == CG_OK; i++) {
      GEOSGeometry *part, *u;
      if (!areas[units[i]].geom) continue;
      rc = gen_real_part(G, region, &areas[units[i]], used, &part);
      if (rc != CG_OK || !part) continue; /* none inside: no grids */
      rc = gen_cover_into(G, part, units[i], out);
      if (!used) {
        used = part;
        continue;
      }
      u = GEOSUnion_r(h, used, part);
      GEOSGeom_destroy_r(h, used);
      GEOSGeom_destroy_r(h, part);
      used = u;
      if (!used && rc == CG_OK) rc = gen_geos_fail(G, "union");
    }
    if (rc != CG_OK) goto done;
    first_free = out->n;
    if (used) {
      GEOSGeometry *d = GEOSDifference_r(h, region, used);
      if (!d) {
        rc = gen_geos_fail(G, "difference");
        goto done;
      }
      free_part = gen_polygonal(h, d);
    } else {
      free_part = GEOSGeom_clone_r(h, region);
    }
    if (free_part) rc = gen_cover_into(G, free_part, -1, out);
    if (rc != CG_OK) goto done;
  }

  /* the free pieces out[first_free..] go to the generated units */
  nfree = out->n - first_free;
  if (ngen > 0 && nfree > 0) {
    int tag = ++G->ntag, *fv = out->v + first_free;
    for (int j = 0; j < nfree; j++) {
      struct gen_piece *p = &G->pc[fv[j]];
      size_t cell = (size_t)p->row * G->ncols + p->col;
      p->tag = tag;
      p->next = G->cellmap[cell];
      G->cellmap[cell] = fv[j];
    }
    if (gen_split(G, fv, nfree, tag, gen_units, w, ngen) != 0)
      rc = cg_fail(G->e, CG_EINVAL,
                   "cell size %g m too large: %d cells for %d areas in %s",
                   G->in->cell_m, nfree, ngen, what);
    for (int j = 0; j < nfree; j++) {
      struct gen_piece *p = &G->pc[fv[j]];
      G->cellmap[(size_t)p->row * G->ncols + p->col] = -1;
      p->next = -1;
    }
  } else if (ngen > 0) {
    rc =
        cg_fail(G->e, CG_EINVAL, "no area left for %d areas in %s", ngen, what);
  } else if (nfree > 0) {
    gen_attach(G, out->v + first_free, nfree, out->v, out->n, fallback);
  }
done:
  if (used) GEOSGeom_destroy_r(h, used);
  if (free_part) GEOSGeom_destroy_r(h, free_part);
  free(gen_units);
  free(w);
  return rc;
}

/* Set the geometry of every generated unit of areas[] listed in
** units[0..nu) to the union of its pieces among idx[0..m). */
static int
gen_area_geoms(struct gen *G, struct geo_area *areas, const int *units, int nu,
               const int *idx, int m)
{
  int *sel = malloc(((size_t)m + 1) * sizeof *sel);

  if (!sel) return gen_nomem(G);
  for (int i = 0; i < nu; i++) {
    struct geo_area *a = &areas[units[i]];
    int n = 0;
    if (a->geom && !a->generated) continue;
    for (int j = 0; j < m; j++)
      if (G->pc[idx[j]].owner == units[i]) sel[n++] = idx[j];
    a->geom = gen_union_pieces(G, sel, n);
    if (!a->geom) {
      free(sel);
      return G->e ? G->e->code : CG_EINVAL;
    }
    a->generated = 1;
  }
  free(sel);
  return CG_OK;
}

/* ---- unit grids of one community ------------------------------------ */

/* Length of the boundary part p shares with part q (0 if they only touch at
** points or not at all). */
static double
gen_shared(struct gen *G, struct gen_part *p, const struct gen_part *q)
{
  GEOSGeometry *x;
  double len = 0.0;

  if (!p->bnd) p->bnd = GEOSBoundary_r(G->h, p->g);
  if (!p->bnd) return 0.0;
  x = GEOSIntersection_r(G->h, p->bnd, q->g);
  if (!x) return 0.0;
  if (!GEOSLength_r(G->h, x, &len)) len = 0.0;
  GEOSGeom_destroy_r(G->h, x);
  return len;
}

static int
gen_cmp_cgrid(const void *a, const void *b)
{
  const struct gen_cgrid *x = a, *y = b;
  if (x->row != y->row) return x->row < y->row ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return (x->xmin > y->xmin) - (x->xmin < y->xmin);
}

/* The parts of the pieces sel[0..n), one each (copies; the pieces keep
** their geometries). Returns them (caller frees them and the array), or
** NULL on failure. */
static struct gen_part *
gen_parts(struct gen *G, const int *sel, int n)
{
  struct gen_part *pt = calloc((size_t)n + 1, sizeof *pt);

  if (!pt) return NULL;
  for (int i = 0; i < n; i++) {
    const struct gen_piece *p = &G->pc[sel[i]];
    struct gen_part *q = &pt[i];
    q->row = p->row;
    q->col = p->col;
    q->grid = q->next = -1;
    q->area = p->area;
    q->g = gen_piece_geom(G, sel[i]);
    if (!q->g) {
      for (int j = 0; j < i; j++)
        GEOSGeom_destroy_r(G->h, pt[j].g);
      free(pt);
      return NULL;
    }
  }
  return pt;
}

/* Give loose slivers to a grid: the grid sharing the longest boundary with
** the sliver, found among parts in the 3x3 cells around it (head/next), in
** rounds until nothing changes; then a small sliver that only touches or
** nears a grid goes to the nearest one, and anything else left becomes a
** grid of its own. Returns the number of grids. */
static int
gen_merge_slivers(struct gen *G, struct gen_part *pt, int np, const int *head,
                  int ngrid)
{
  int changed = 1;

  while (changed) {
    changed = 0;
    for (int i = 0; i < np; i++) {
      int cand[64], nc = 0, bestg = -1;
      double len[64], bestlen = 0.0;
      if (pt[i].grid >= 0) continue;
      for (int r = pt[i].row - 1; r <= pt[i].row + 1; r++) {
        for (int c = pt[i].col - 1; c <= pt[i].col + 1; c++) {
          if (r < 0 || c < 0 || r >= G->nrows || c >= G->ncols) continue;
          for (int j = head[(size_t)r * G->ncols + c]; j >= 0; j = pt[j].next) {
            double l;
            int at = 0;
            if (j == i || pt[j].grid < 0) continue;
            l = gen_shared(G, &pt[i], &pt[j]);
            if (l <= 0.0) continue;
            while (at < nc && cand[at] != pt[j].grid)
              at++;
            if (at == nc) {
              if (nc == 64) continue;
              cand[nc] = pt[j].grid;
              len[nc++] = 0.0;
            }
            len[at] += l;
          }
        }
      }
      for (int a = 0; a < nc; a++)
        if (len[a] > bestlen) {
          bestlen = len[a];
          bestg = cand[a];
        }
      if (bestg >= 0) {
        pt[i].grid = bestg;
        changed = 1;
      }
    }
  }
  for (int i = 0; i < np; i++) {
    double bestd = INFINITY;
    int bestg = -1;
    if (pt[i].grid >= 0) continue;
    if (pt[i].area < GEN_SLIVER * G->cell_area) {
      for (int r = pt[i].row - 1; r <= pt[i].row + 1; r++) {
        for (int c = pt[i].col - 1; c <= pt[i].col + 1; c++) {
          if (r < 0 || c < 0 || r >= G->nrows || c >= G->ncols) continue;
          for (int j = head[(size_t)r * G->ncols + c]; j >= 0; j = pt[j].next) {
            double d;
            if (j == i || pt[j].grid < 0 || pt[j].base == 0) continue;
            if (GEOSDistance_r(G->h, pt[i].g, pt[j].g, &d) && d < bestd) {
              bestd = d;
              bestg = pt[j].grid;
            }
          }
        }
      }
    }
    if (bestg < 0) {
      pt[i].base = 1;
      bestg = ngrid++;
    }
    pt[i].grid = bestg;
  }
  return ngrid;
}

/* Make the unit grids of community c from its live pieces sel[0..n) and
** append them to G->in->grids. Returns CG_OK or an error code. */
static int
gen_community_grids(struct gen *G, int c, const int *sel, int n, int *head)
{
  struct geo_gen *in = G->in;
  struct gen_part *pt;
  struct gen_cgrid *cg = NULL;
  GEOSGeometry **gs = NULL;
  int np = 0, ngrid = 0, rc = CG_OK;

  if (n == 0) return CG_OK;
  pt = gen_parts(G, sel, n);
  if (!pt) return gen_geos_fail(G, "cell");
  np = n;
  for (int i = 0; i < np; i++) {
    size_t cell = (size_t)pt[i].row * G->ncols + pt[i].col;
    pt[i].next = head[cell];
    head[cell] = i;
  }
  /* the largest part of each cell is a grid if it is not a sliver */
  for (int i = 0; i < np; i++) {
    int big = i;
    size_t cell = (size_t)pt[i].row * G->ncols + pt[i].col;
    for (int j = head[cell]; j >= 0; j = pt[j].next)
      if (pt[j].area > pt[big].area || (pt[j].area == pt[big].area && j < big))
        big = j;
    if (big == i && pt[i].area >= GEN_SLIVER * G->cell_area) {
      pt[i].base = 1;
      pt[i].grid = ngrid++;
    }
  }
  ngrid = gen_merge_slivers(G, pt, np, head, ngrid);
  for (int i = 0; i < np; i++)
    head[(size_t)pt[i].row * G->ncols + pt[i].col] = -1;
  if (ngrid > GEN_MAX_PER_COMMUNITY) {
    rc = cg_fail(G->e, CG_EINVAL,
                 "too many grids in community '%s': %d, at most %d "
                 "(use a larger cell size)",
                 in->communities[c].code, ngrid, GEN_MAX_PER_COMMUNITY);
    goto done;
  }
  cg = calloc((size_t)ngrid + 1, sizeof *cg);
  gs = malloc(((size_t)np + 1) * sizeof *gs);
  if (!cg || !gs) {
    rc = gen_nomem(G);
    goto done;
  }
  for (int gi = 0; gi < ngrid && rc == CG_OK; gi++) {
    int k = 0;
    for (int i = 0; i < np; i++) {
      if (pt[i].grid != gi) continue;
      if (pt[i].base) {
        double xmin = 0.0;
        GEOSGeom_getXMin_r(G->h, pt[i].g, &xmin);
        cg[gi].row = pt[i].row;
        cg[gi].col = pt[i].col;
        cg[gi].xmin = xmin;
      }
      gs[k++] = pt[i].g;
      pt[i].g = NULL;
    }
    cg[gi].g = gen_union(G->h, gs, k);
    if (!cg[gi].g) rc = gen_geos_fail(G, "grid union");
  }
  if (rc != CG_OK) goto done;
  qsort(cg, (size_t)ngrid, sizeof *cg, gen_cmp_cgrid);
  if (in->ngrids + ngrid > G->capgrids) {
    int cap = (in->ngrids + ngrid) * 2;
    struct geo_grid *grown = realloc(in->grids, (size_t)cap * sizeof *grown);
    if (!grown) {
      rc = gen_nomem(G);
      goto done;
    }
    in->grids = grown;
    G->capgrids = cap;
  }
  for (int gi = 0; gi < ngrid; gi++) {
    struct geo_grid *gr = &in->grids[in->ngrids++];
    memset(gr, 0, sizeof *gr);
    /* gi < GEN_MAX_PER_COMMUNITY: three digits */
    snprintf(gr->code, sizeof gr->code, "%.12s%03u", in->communities[c].code,
             (unsigned)(gi + 1) % 1000u);
    gr->community = c;
    gr->geom = cg[gi].g;
    cg[gi].g = NULL;
    gr->area_m2 = geo_area_m2(gr->geom);
  }
done:
  for (int i = 0; i < np; i++) {
    if (pt[i].g) GEOSGeom_destroy_r(G->h, pt[i].g);
    if (pt[i].bnd) GEOSGeom_destroy_r(G->h, pt[i].bnd);
  }
  for (int gi = 0; cg && gi < ngrid; gi++)
    if (cg[gi].g) GEOSGeom_destroy_r(G->h, cg[gi].g);
  free(pt);
  free(cg);
  free(gs);
  return rc;
}

/* ---- checks, set-up and the whole run ------------------------------- */

static int
gen_digits(const char *s, size_t n)
{
  if (strlen(s) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

/* Check the input before any work. */
static int
gen_check(struct geo_gen *g, GEOSContextHandle_t h, struct cg_err *e)
{
  int type, *ncomm;
  double area, est;

  if (!g->district)
    return cg_fail(e, CG_EINVAL, "no district boundary to cut into grids");
  type = GEOSGeomTypeId_r(h, g->district);
  if ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) ||
      GEOSisEmpty_r(h, g->district))
    return cg_fail(e, CG_EINVAL, "district boundary is not a polygon");
  if (!(g->cell_m >= GEN_MIN_CELL && g->cell_m <= GEN_MAX_CELL))
    return cg_fail(e, CG_EINVAL, "cell size '%g' m out of range %g..%g",
                   g->cell_m, GEN_MIN_CELL, GEN_MAX_CELL);
  if (g->max_grids < 0)
    return cg_fail(e, CG_EINVAL, "bad grid limit '%d'", g->max_grids);
  if (g->nstreets < 1 || !g->streets)
    return cg_fail(e, CG_EINVAL, "no streets to place in the district");
  if (g->ncommunities < 1 || !g->communities)
    return cg_fail(e, CG_EINVAL, "no communities to place in the district");
  area = geo_area_m2(g->district);
  est = area / (g->cell_m * g->cell_m);
  if (est > (g->max_grids ? g->max_grids : GEN_MAX_GRIDS))
    return cg_fail(e, CG_EINVAL,
                   "too many grids: about %.0f of %g m in %.1f km², limit %d",
                   est, g->cell_m, area / 1e6,
                   g->max_grids ? g->max_grids : GEN_MAX_GRIDS);
  for (int i = 0; i < g->nstreets; i++) {
    struct geo_area *s = &g->streets[i];
    if (!s->geom && !(s->weight > 0.0 && isfinite(s->weight)))
      return cg_fail(e, CG_EINVAL, "bad weight '%g' of street '%s'", s->weight,
                     s->code);
    if (s->geom && s->generated)
      return cg_fail(e, CG_EINVAL,
                     "street '%s' still holds a generated area: release first",
                     s->code);
  }
  ncomm = calloc((size_t)g->nstreets, sizeof *ncomm);
  if (!ncomm) return cg_fail(e, CG_ENOMEM, "out of memory");
  for (int i = 0; i < g->ncommunities; i++) {
    struct geo_area *c = &g->communities[i];
    const char *msg = NULL;
    if (c->parent < 0 || c->parent >= g->nstreets)
      msg = "community '%s' has no street";
    else if (!gen_digits(c->code, 12))
      msg = "bad community code '%s': 12 digits wanted";
    else if (!c->geom && !(c->weight > 0.0 && isfinite(c->weight)))
      msg = "bad weight of community '%s'";
    else if (c->geom && c->generated)
      msg = "community '%s' still holds a generated area: release first";
    if (msg) {
      free(ncomm);
      return cg_fail(e, CG_EINVAL, msg, c->code);
    }
    ncomm[c->parent]++;
  }
  for (int i = 0; i < g->nstreets; i++) {
    if (ncomm[i] == 0) {
      free(ncomm);
      return cg_fail(e, CG_EINVAL,
                     "street '%s' has no community: its area would have no "
                     "grids",
                     g->streets[i].code);
    }
  }
  free(ncomm);
  return CG_OK;
}

/* Lay the lattice over the district: north-west corner at the district's
** bounding box, cells of cell_m in the equirectangular projection at the
** latitude of the box's centre (the same projection as geo_area_m2). */
static int
gen_lattice(struct gen *G)
{
  double xmin, ymin, xmax, ymax, k = GEN_EARTH_R * M_PI / 180.0, lat0;
  size_t ncell;

  if (!GEOSGeom_getXMin_r(G->h, G->in->district, &xmin) ||
      !GEOSGeom_getXMax_r(G->h, G->in->district, &xmax) ||
      !GEOSGeom_getYMin_r(G->h, G->in->district, &ymin) ||
      !GEOSGeom_getYMax_r(G->h, G->in->district, &ymax))
    return gen_geos_fail(G, "district extent");
  lat0 = (ymin + ymax) / 2.0 * M_PI / 180.0;
  G->kx = k * cos(lat0);
  G->ky = k;
  G->dx = G->in->cell_m / G->kx;
  G->dy = G->in->cell_m / G->ky;
  G->x0 = xmin;
  G->y0 = ymax;
  G->ncols = (int)ceil((xmax - xmin) / G->dx) + 1;
  G->nrows = (int)ceil((ymax - ymin) / G->dy) + 1;
  G->cell_area = G->dx * G->dy * G->kx * G->ky;
  ncell = (size_t)G->nrows * G->ncols;
  G->cellmap = malloc(ncell * sizeof *G->cellmap);
  if (!G->cellmap) return gen_nomem(G);
  for (size_t c = 0; c < ncell; c++)
    G->cellmap[c] = -1;
  return CG_OK;
}

static void
gen_release(struct gen *G)
{
  for (int i = 0; i < G->npc; i++)
    if (G->pc[i].g) GEOSGeom_destroy_r(G->h, G->pc[i].g);
  free(G->pc);
  free(G->heap);
  free(G->queue);
  free(G->cellmap);
  free(G->spans);
}

/* The live pieces whose field (street or comm) equals `unit`, into sel;
** returns their number. */
static int
gen_select(const struct gen *G, int by_street, int unit, int *sel)
{
  int n = 0;
  for (int i = 0; i < G->npc; i++) {
    const struct gen_piece *p = &G->pc[i];
    if (!p->dead && (by_street ? p->street : p->comm) == unit) sel[n++] = i;
  }
  return n;
}

/* The communities of street s, in array order, into units; returns how
** many. */
static int
gen_street_units(const struct geo_gen *g, int s, int *units)
{
  int n = 0;
  for (int i = 0; i < g->ncommunities; i++)
    if (g->communities[i].parent == s) units[n++] = i;
  return n;
}

/* Place the communities of street s inside its live pieces; sel and units
** are scratch arrays of G->npc and ncommunities entries. */
static int
gen_street(struct gen *G, int s, int *sel, int *units)
{
  struct geo_gen *g = G->in;
  GEOSGeometry *region = NULL;
  struct gen_ivec idx = {0};
  int n = gen_select(G, 1, s, sel), nu = gen_street_units(g, s, units);
  int rc, has_real = 0;
  char what[64];

  for (int i = 0; i < nu; i++)
    if (g->communities[units[i]].geom) has_real = 1;
  if (has_real) {
    /* the street as it was placed, attached leftovers included */
    region = gen_union_pieces(G, sel, n);
    if (!region) return G->e ? G->e->code : CG_EINVAL;
  }
  snprintf(what, sizeof what, "street '%s'", g->streets[s].code);
  rc = gen_level(G, region, sel, n, g->communities, units, nu, what, &idx);
  if (region) GEOSGeom_destroy_r(G->h, region);
  if (rc == CG_OK) {
    for (int j = 0; j < idx.n; j++) {
      G->pc[idx.v[j]].comm = G->pc[idx.v[j]].owner;
      G->pc[idx.v[j]].street = s;
    }
    rc = gen_area_geoms(G, g->communities, units, nu, idx.v, idx.n);
  }
  free(idx.v);
  return rc;
}

int
geo_generate(struct geo_gen *g, struct cg_err *e)
{
  struct gen G;
  struct gen_ivec idx = {0};
  int rc, *units = NULL, *sel = NULL, *head = NULL, limit;

  memset(&G, 0, sizeof G);
  if (!g) return cg_fail(e, CG_EINVAL, "no generation request");
  g->grids = NULL;
  g->ngrids = 0;
  G.h = geo_ctx();
  G.in = g;
  G.e = e;
  if (!G.h) return cg_fail(e, CG_ENOMEM, "cannot start geos");
  rc = gen_check(g, G.h, e);
  if (rc == CG_OK) rc = gen_lattice(&G);
  if (rc != CG_OK) goto done;
  limit = g->max_grids ? g->max_grids : GEN_MAX_GRIDS;
  units = malloc(((size_t)g->nstreets + g->ncommunities + 1) * sizeof *units);
  if (!units) {
    rc = gen_nomem(&G);
    goto done;
  }

  /* streets in the district */
  for (int i = 0; i < g->nstreets; i++)
    units[i] = i;
  rc = gen_level(&G, g->district, NULL, 0, g->streets, units, g->nstreets,
                 "the district", &idx);
  if (rc != CG_OK) goto done;
  for (int j = 0; j < idx.n; j++)
    G.pc[idx.v[j]].street = G.pc[idx.v[j]].owner;
  rc = gen_area_geoms(&G, g->streets, units, g->nstreets, idx.v, idx.n);
  if (rc != CG_OK) goto done;

  /* communities in each street */
  for (int s = 0; s < g->nstreets && rc == CG_OK; s++) {
    int *grown = realloc(sel, ((size_t)G.npc + 1) * sizeof *sel);
    if (!grown) {
      rc = gen_nomem(&G);
      break;
    }
    sel = grown;
    rc = gen_street(&G, s, sel, units);
  }
  if (rc != CG_OK) goto done;

  /* unit grids in each community */
  head = malloc((size_t)G.nrows * G.ncols * sizeof *head);
  if (head) {
    int *grown = realloc(sel, ((size_t)G.npc + 1) * sizeof *sel);
    if (grown)
      sel = grown;
    else
      rc = gen_nomem(&G);
  }
  if (!head || rc != CG_OK) {
    rc = gen_nomem(&G);
    goto done;
  }
  for (size_t c = 0; c < (size_t)G.nrows * G.ncols; c++)
    head[c] = -1;
  for (int c = 0; c < g->ncommunities && rc == CG_OK; c++) {
    int n = gen_select(&G, 0, c, sel);
    rc = gen_community_grids(&G, c, sel, n, head);
    if (rc == CG_OK && g->ngrids > limit)
      rc = cg_fail(e, CG_EINVAL, "too many grids: more than %d", limit);
  }
done:
  free(idx.v);
  free(units);
  free(sel);
  free(head);
  gen_release(&G);
  return rc;
}

void
geo_gen_release(struct geo_gen *g)
{
  GEOSContextHandle_t h = geo_ctx();

  if (!g) return;
  for (int i = 0; i < g->ngrids; i++)
    if (g->grids[i].geom) GEOSGeom_destroy_r(h, g->grids[i].geom);
  free(g->grids);
  g->grids = NULL;
  g->ngrids = 0;
  for (int i = 0; g->streets && i < g->nstreets; i++) {
    if (g->streets[i].generated) {
      GEOSGeom_destroy_r(h, g->streets[i].geom);
      g->streets[i].geom = NULL;
      g->streets[i].generated = 0;
    }
  }
  for (int i = 0; g->communities && i < g->ncommunities; i++) {
    if (g->communities[i].generated) {
      GEOSGeom_destroy_r(h, g->communities[i].geom);
      g->communities[i].geom = NULL;
      g->communities[i].generated = 0;
    }
  }
}
