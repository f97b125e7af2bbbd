/*
** crs.c — the two coordinate systems citygrid reads: WGS84 (GPS, what it
** stores) and GCJ-02 (the offset system of Chinese map apps). The forward
** GCJ-02 transform is the widely published formula on the Krasovsky
** ellipsoid; the inverse is a fixed-point iteration of it.
*/
#include "geo.h"

#include <math.h>
#include <strings.h>

#define GCJ_A 6378245.0
#define GCJ_EE 0.00669342162296594323

/* The transform leaves points outside this box unchanged. */
static int
crs_outside_china(double lon, double lat)
{
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

static double
crs_dlat(double x, double y)
{
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y +
             0.2 * sqrt(fabs(x));
  r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
  r +=
      (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double
crs_dlon(double x, double y)
{
  double r =
      300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
  r += (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
  r +=
      (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
  return r;
}

int
geo_crs_parse(const char *name, enum geo_crs *out, struct cg_err *e)
{
  if (name && strcasecmp(name, "wgs84") == 0) {
    *out = GEO_WGS84;
    return CG_OK;
  }
  if (name && strcasecmp(name, "gcj02") == 0) {
    *out = GEO_GCJ02;
    return CG_OK;
  }
  return cg_fail(e, CG_EINVAL,
                 "unknown coordinate system '%s' (use wgs84 or gcj02)",
                 name ? name : "");
}

void
geo_gcj02_from_wgs84(double lon, double lat, double *glon, double *glat)
{
  double dlat, dlon, radlat, magic, sqrtmagic;

  if (crs_outside_china(lon, lat)) {
    *glon = lon;
    *glat = lat;
    return;
  }
  dlat = crs_dlat(lon - 105.0, lat - 35.0);
  dlon = crs_dlon(lon - 105.0, lat - 35.0);
  radlat = lat / 180.0 * M_PI;
  magic = sin(radlat);
  magic = 1.0 - GCJ_EE * magic * magic;
  sqrtmagic = sqrt(magic);
  dlat =
      (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * M_PI);
  dlon = (dlon * 180.0) / (GCJ_A / sqrtmagic * cos(radlat) * M_PI);
  *glon = lon + dlon;
  *glat = lat + dlat;
}

/* The offset changes by about 1e-5 of itself per degree, so each round of
** the iteration gains about five digits: three rounds reach 1e-12 degrees.
** The loop stops on convergence or after 30 rounds. */
void
geo_wgs84_from_gcj02(double glon, double glat, double *lon, double *lat)
{
  double x = glon, y = glat, gx, gy;

  for (int i = 0; i < 30; i++) {
    geo_gcj02_from_wgs84(x, y, &gx, &gy);
    x += glon - gx;
    y += glat - gy;
    if (fabs(glon - gx) < 1e-12 && fabs(glat - gy) < 1e-12) break;
  }
  *lon = x;
  *lat = y;
}

void
geo_convert_point(enum geo_crs from, enum geo_crs to, double *lon, double *lat)
{
  if (from == to) return;
  if (from == GEO_WGS84 && to == GEO_GCJ02)
    geo_gcj02_from_wgs84(*lon, *lat, lon, lat);
  else if (from == GEO_GCJ02 && to == GEO_WGS84)
    geo_wgs84_from_gcj02(*lon, *lat, lon, lat);
}

/* The two systems packed for the transformXY callback. */
struct crs_pair {
  enum geo_crs from, to;
};

static int
crs_transform_xy(double *x, double *y, void *userdata)
{
  const struct crs_pair *p = userdata;
  geo_convert_point(p->from, p->to, x, y);
  return 1;
}

GEOSGeometry *
geo_convert(const GEOSGeometry *g, enum geo_crs from, enum geo_crs to)
{
  struct crs_pair p = {from, to};
  GEOSContextHandle_t h = geo_ctx();

  if (!g || !h) return NULL;
  if (from == to) return GEOSGeom_clone_r(h, g);
  return GEOSGeom_transformXY_r(h, g, crs_transform_xy, &p);
}
