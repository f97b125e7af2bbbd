/*
** report.c — a new case: checked, located into grid → community → street,
** numbered (district code + local date + sequence), routed to its
** department, linked to an open case nearby when it is a duplicate, and
** written with its first event in one transaction.
*/
#include "case_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const sources[] = {"patrol", "public",   "hotline",
                                      "sensor", "referral", "inspection"};

static int
one_of(const char *s, const char *const *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, set[i]) == 0) return 1;
  return 0;
}

int
case_source_known(const char *s)
{
  return s && one_of(s, sources, sizeof sources / sizeof sources[0]);
}

/* The source a role reports from when none is named. */
static const char *
default_source(int role)
{
  switch (role) {
  case ROLE_PUBLIC:
    return "public";
  case ROLE_OPERATOR:
    return "hotline";
  case ROLE_SYSTEM:
    return "sensor";
  default:
    return "patrol";
  }
}

/* Is (scheme, kind, code) a known category? */
static int
category_known(struct case_env *env, const struct case_report *r,
               struct cg_err *e)
{
  static const char sql[] = "SELECT count(*) FROM category WHERE scheme = ?"
                            " AND kind = ? AND code = ?";
  struct db_stmt *st;
  char key[80];
  int64_t n = 0;
  int rc;

  case_memo_key(key, 'c', (const char *const[]){r->scheme, r->kind, r->code},
                3);
  if (case_memo_get(env, key, &n, NULL, 0)) return n > 0;
  if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return -1;
  db_bindf(st, "ttt", r->scheme, r->kind, r->code);
  if ((rc = db_step(st, e)) == DB_ROW) n = db_col_int(st, 0);
  db_finalize(st);
  if (rc < 0) return -1;
  case_memo_put(env, key, n, NULL);
  return n > 0;
}

const struct case_choice case_component_states[] = {
    {"damaged", "破损"}, {"missing", "丢失"}, {"abandoned", "废弃"},
    {"removed", "移除"}, {"intact", "完好"},  {NULL, NULL}};

const struct case_choice *
case_component_state(const char *key)
{
  for (const struct case_choice *c = case_component_states; key && c->key; c++)
    if (strcmp(c->key, key) == 0) return c;
  return NULL;
}

int
case_component_check(const char *district, const char *scheme, const char *kind,
                     const char *code, const char *id, const char *state,
                     struct cg_err *e)
{
  size_t n = id ? strlen(id) : 0, want = 0, cl = strlen(code);

  if ((id || state) && strcmp(kind, "component") != 0)
    return cg_fail(e, CG_EINVAL,
                   "only a report of a component (部件) names one; %s '%s' "
                   "is a %s",
                   scheme, code, kind);
  if (state && !case_component_state(state))
    return cg_fail(e, CG_EINVAL,
                   "component state '%s' is not damaged, missing, "
                   "abandoned, removed or intact",
                   state);
  if (!id) return CG_OK;
  if (strcmp(scheme, "gb47678") == 0) want = 17;
  if (strcmp(scheme, "cjt214") == 0) want = 16;
  if (strspn(id, "0123456789") != n || (want && n != want) ||
      (!want && (n < 6 || n > 32)))
    return want ? cg_fail(e, CG_EINVAL,
                          "component identifier '%.40s' is not %zu digits "
                          "(district, class, number)",
                          id, want)
                : cg_fail(e, CG_EINVAL,
                          "component identifier '%.40s' is not 6 to 32 "
                          "digits",
                          id);
  if (district && strncmp(id, district, 6) != 0)
    return cg_fail(e, CG_EINVAL,
                   "component '%s' is not of this district: its identifier "
                   "begins with %.6s, not %s",
                   id, id, district);
  if (want && (cl != want - 12 || strncmp(id + 6, code, cl) != 0))
    return cg_fail(e, CG_EINVAL,
                   "component '%s' is of class %.*s, not of the report's "
                   "category %s",
                   id, (int)(want - 12), id + 6, code);
  return CG_OK;
}

/* Check everything about a report that needs no transaction. */
static int
check_report(struct case_env *env, const struct org_user *who,
             const struct case_report *r, struct cg_err *e)
{
  const unsigned may = ROLE_BIT(ROLE_GRID_WORKER) | ROLE_BIT(ROLE_OPERATOR) |
                       ROLE_BIT(ROLE_PUBLIC) | ROLE_BIT(ROLE_SYSTEM) |
                       ROLE_BIT(ROLE_STREET) | ROLE_BIT(ROLE_COMMUNITY) |
                       ROLE_BIT(ROLE_ROAD_CHIEF);
  int have_after = 0;

  if (who->disabled)
    return cg_fail(e, CG_EPERM, "user '%s' is disabled", who->login);
  if (!(may & ROLE_BIT(who->role)))
    return cg_fail(e, CG_EPERM, "cannot report: 'report' is not for '%s'",
                   org_role_name(who->role));
  if (!r->kind || !r->scheme || !r->code)
    return cg_fail(e, CG_EINVAL,
                   "a report needs a category: scheme, kind "
                   "and code");
  switch (category_known(env, r, e)) {
  case 0:
    return cg_fail(e, CG_EINVAL, "unknown category %s %s '%s'", r->scheme,
                   r->kind, r->code);
  case -1:
    return CG_EDB;
  }
  if (r->source && !case_source_known(r->source))
    return cg_fail(e, CG_EINVAL,
                   "unknown source '%s' (patrol, public, "
                   "hotline, sensor, referral or inspection)",
                   r->source);
  if (r->case_type && strcmp(r->case_type, "daily") &&
      strcmp(r->case_type, "inspection") && strcmp(r->case_type, "other"))
    return cg_fail(e, CG_EINVAL,
                   "unknown case type '%s' (daily, inspection "
                   "or other)",
                   r->case_type);
  if (r->urgency < 0 || r->urgency > 2)
    return cg_fail(e, CG_EINVAL,
                   "urgency %d is not 0 (normal), 1 (urgent) "
                   "or 2 (emergency)",
                   r->urgency);
  if (r->area_class && strcmp(r->area_class, "A") &&
      strcmp(r->area_class, "B") && strcmp(r->area_class, "C"))
    return cg_fail(e, CG_EINVAL, "area class '%s' is not A, B or C",
                   r->area_class);
  if (case_component_check(env->district, r->scheme, r->kind, r->code,
                           r->component_id, r->component_state, e) != CG_OK)
    return CG_EINVAL;
  if ((r->draft || r->self_handled) && who->role != ROLE_GRID_WORKER)
    return cg_fail(e, CG_EPERM,
                   "only grid workers keep drafts or handle "
                   "cases themselves");
  if (r->draft && r->self_handled)
    return cg_fail(e, CG_EINVAL,
                   "a report is a draft or self-handled, not "
                   "both");
  for (int i = 0; i < r->natt; i++)
    if (r->att[i].stage && strcmp(r->att[i].stage, "after") == 0)
      have_after = 1;
  if (r->self_handled && !have_after)
    return cg_fail(e, CG_EINVAL,
                   "a self-handled report needs a photo of the "
                   "result (stage 'after')");
  if (r->description && strlen(r->description) > 4000)
    return cg_fail(e, CG_EINVAL, "description longer than 4000 bytes");
  if (r->address && strlen(r->address) > 500)
    return cg_fail(e, CG_EINVAL, "address longer than 500 bytes");
  return area_check_position(r->lat, r->lon, e);
}

/* The next case number for local date of `at`, into no. */
static int
next_number(struct case_env *env, int64_t at, char *no, struct cg_err *e)
{
  static const char sql[] =
      "INSERT INTO counter (name, value) VALUES (?, 1) ON CONFLICT (name)"
      " DO UPDATE SET value = counter.value + 1 RETURNING value";
  time_t local = (time_t)(at + cal_utc_offset(env->cal));
  struct tm tm;
  char day[16], name[32];
  struct db_stmt *st;
  int rc;

  struct case_batch *b = env->in_tx ? env->batch : NULL;
  int64_t value;

  gmtime_r(&local, &tm);
  strftime(day, sizeof day, "%Y%m%d", &tm);
  snprintf(name, sizeof name, "case:%s", day);
  if (b && strcmp(b->hot.day_name, name) == 0) { /* counted in memory */
    value = ++b->hot.day_value;
    b->hot.day_dirty = 1;
  } else {
    if (b && b->hot.day_dirty) { /* another day: write the last one back */
      static const char put[] =
          "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT"
          " (name) DO UPDATE SET value = excluded.value";
      if ((rc = db_prepare_cached(env->db, &st, put, e)) != CG_OK) return rc;
      db_bindf(st, "ti", b->hot.day_name, b->hot.day_value);
      rc = db_step(st, e);
      db_finalize(st);
      if (rc < 0) return -rc;
      b->hot.day_dirty = 0;
    }
    if ((rc = db_prepare_cached(env->db, &st, sql, e)) != CG_OK) return rc;
    db_bindf(st, "t", name);
    rc = db_step(st, e);
    value = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_finalize(st);
    if (rc != DB_ROW) return rc < 0 ? -rc : CG_EDB;
    if (b) {
      snprintf(b->hot.day_name, sizeof b->hot.day_name, "%s", name);
      b->hot.day_value = value;
      b->hot.day_dirty = 0;
    }
  }
  snprintf(no, 32, "%s%s%05lld", env->district, day, (long long)value);
  return CG_OK;
}

int
case_report(struct case_env *env, const struct org_user *who,
            const struct case_report *r, char *no, struct cg_err *e)
{
  struct area_place p;
  struct kase k;
  struct case_text text;
  json_t *data;
  double lat = r->lat, lon = r->lon;
  int64_t at = r->at ? r->at : case_now(env);
  struct case_mark hot = {0};
  int rc, created = 0;

  no[0] = 0;
  if ((rc = check_report(env, who, r, e)) != CG_OK) return rc;
  geo_convert_point(r->crs, GEO_WGS84, &lon, &lat);
  if (!env->loc || !area_locate(env->loc, lon, lat, &p))
    return cg_fail(e, CG_EINVAL,
                   "position %.6f, %.6f is outside the "
                   "district",
                   r->lat, r->lon);
  memset(&k, 0, sizeof k);
  cg_copy(k.kind, sizeof k.kind, r->kind);
  cg_copy(k.scheme, sizeof k.scheme, r->scheme);
  cg_copy(k.code, sizeof k.code, r->code);
  cg_copy(k.source, sizeof k.source,
          r->source ? r->source : default_source(who->role));
  cg_copy(k.case_type, sizeof k.case_type,
          r->case_type ? r->case_type : "daily");
  k.lat = lat;
  k.lon = lon;
  cg_copy(k.grid, sizeof k.grid, p.code[AREA_GRID]);
  cg_copy(k.community, sizeof k.community, p.code[AREA_COMMUNITY]);
  cg_copy(k.street, sizeof k.street, p.code[AREA_STREET]);
  cg_copy(k.area_class, sizeof k.area_class,
          r->area_class ? r->area_class : "B");
  cg_copy(k.reporter, sizeof k.reporter, who->login);
  k.urgency = r->urgency;
  k.created_at = at;
  k.on_time = -1;
  k.unsaved = 1; /* its events wait for its row (struct case_held) */
  text.address = r->address;
  text.description = r->description;
  text.reporter_name = r->reporter_name;
  text.reporter_phone = r->reporter_phone;
  text.component_id = r->component_id;
  text.component_state = r->component_state;
  k.state = r->draft          ? CS_DRAFT
            : r->self_handled ? CS_SELF_HANDLED
                              : CS_REPORTED;

  if ((rc = case_tx_begin(env, e)) != CG_OK) return rc;
  if ((rc = case_flush(env, e)) != CG_OK) goto fail; /* dups see it */
  if (env->in_tx && env->batch) hot = env->batch->hot;
  if (k.state == CS_REPORTED && env->dup_window_s > 0 &&
      env->dup_radius_m > 0 &&
      (rc = case_recent_find(env, r->scheme, r->kind, r->code, lat, lon, at,
                             k.duplicate_of, e)) != CG_OK)
    goto fail;
  if (*k.duplicate_of) k.state = CS_DUPLICATE;
  if ((rc = case_route(env, &k, k.dept, sizeof k.dept, e)) != CG_OK ||
      (rc = next_number(env, at, k.no, e)) != CG_OK)
    goto fail;
  if ((rc = case_set_step(env, &k, at, e)) != CG_OK) goto fail;
  data = json_pack("{s:s, s:s}", "grid", k.grid, "source", k.source);
  if (*k.duplicate_of)
    json_object_set_new(data, "duplicate_of", json_string(k.duplicate_of));
  if (r->component_id)
    json_object_set_new(data, "component_id", json_string(r->component_id));
  if (r->component_state)
    json_object_set_new(data, "component_state",
                        json_string(r->component_state));
  rc = case_event(env, &k, at, who, "report", -1, k.state, r->description, data,
                  e);
  json_decref(data);
  if (rc == CG_OK && (rc = case_create_env(env, &k, &text, e)) == CG_OK)
    created = 1;
  /* attachment rows refer to the case's row: write it first */
  if (rc == CG_OK && r->natt > 0 && (rc = case_flush(env, e)) == CG_OK)
    rc = case_add_attachments(env, k.no, 1, r->att, r->natt, e);
  if (rc != CG_OK) goto fail;
  if ((rc = case_tx_commit(env, e)) != CG_OK) return rc;
  cg_copy(no, 32, k.no);
  return CG_OK;
fail:
  if (env->in_tx && env->batch && !created) { /* nothing written: the
                                                ** batch goes on without it */
    env->batch->hot = hot;
    case_held_clear(env);
  }
  case_tx_rollback(env);
  return rc;
}
