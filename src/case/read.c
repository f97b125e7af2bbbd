/*
** read.c — cases as JSON for people to read: one case with its tasks,
** deadlines, traffic lights and history, and filtered lists. Who sees what
** is decided here, once, for the CLI and the API alike: the public sees
** its own reports and a public view of others (no reporter, no names of
** staff); field and street staff their area; departments what was sent to
** them; reporter contact details only the reporter and the staff who take
** reports in, file, dispatch or administer.
*/
#include "case_int.h"

#include "core/bigram.h"
#include "core/json.h"
#include "attach/attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *
case_light(const struct cal *cal, int64_t start, int64_t due, int64_t now,
           int64_t frozen, double *pct)
{
  int64_t at = frozen ? frozen : now;
  int64_t limit = cal_between(cal, start, due);
  double used;

  if (limit <= 0)
    used = at > due ? 101 : 0;
  else if (at <= due)
    used = 100.0 * cal_between(cal, start, at) / limit;
  else
    used = 100.0 + 100.0 * cal_between(cal, due, at) / limit;
  if (at > due && used <= 100) used = 100.01; /* past due off hours */
  if (pct) *pct = used;
  return used < 80 ? "green" : used <= 100 ? "yellow" : "red";
}

const char *
case_worst_light(const struct cal *cal, int64_t now, int state,
                 int64_t suspended_at, int64_t step_started, int64_t step_due,
                 const int64_t (*task)[2], int ntask)
{
  const char *worst = NULL;
  for (int i = 0; i < ntask; i++) {
    const char *l =
        case_light(cal, task[i][0], task[i][1], now, suspended_at, NULL);
    if (!worst || strcmp(l, "red") == 0 ||
        (strcmp(l, "yellow") == 0 && strcmp(worst, "green") == 0))
      worst = l;
  }
  if (!worst && step_due && state != CS_CLOSED)
    worst = case_light(cal, step_started, step_due, now, 0, NULL);
  return worst;
}

/* RFC 3339 UTC text of a Unix time, or JSON null for 0. */
static json_t *
jtime(int64_t t)
{
  char buf[32];
  time_t tt = (time_t)t;
  struct tm tm;
  size_t n;
  if (!t) return json_null();
  gmtime_r(&tt, &tm);
  n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_stringn_nocheck(buf, n); /* digits and ASCII */
}

/* How much of case k `who` may see: 0 nothing, 1 the public view, 2 all. */
static int
visibility(const struct org_user *who, const struct kase *k)
{
  switch (who->role) {
  case ROLE_PUBLIC:
    return strcmp(k->reporter, who->login) == 0 ? 2
           : k->state == CS_DRAFT               ? 0
                                                : 1;
  case ROLE_DEPARTMENT:
    for (int i = 0; i < k->ntasks; i++)
      if (strcmp(k->tasks[i].dept, who->dept) == 0) return 2;
    return 0;
  case ROLE_SYSTEM:
    return 2;
  default:
    if (k->state == CS_DRAFT && strcmp(k->reporter, who->login)) return 0;
    return org_in_scope(who, k->grid) ? 2 : 0;
  }
}

/* May `who` see the name and phone of a case's reporter (login
** `reporter`)? */
static int
sees_contact(const struct org_user *who, const char *reporter)
{
  if (strcmp(reporter, who->login) == 0) return 1;
  switch (who->role) {
  case ROLE_OPERATOR:
  case ROLE_SHIFT_LEADER:
  case ROLE_DISPATCHER:
  case ROLE_ADMIN:
    return 1;
  default:
    return 0;
  }
}

/* Name of an area or department code, or "". Uses a cached statement. */
static void
lookup_name(struct db *db, const char *sql, const char *code, char *buf,
            size_t n)
{
  struct db_stmt *st;
  buf[0] = 0;
  if (!*code || db_prepare_cached(db, &st, sql, NULL) != CG_OK) return;
  db_bindf(st, "t", code);
  if (db_step(st, NULL) == DB_ROW)
    snprintf(buf, n, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
  db_finalize(st);
}

static const char dept_sql[] = "SELECT name FROM department WHERE code = ?";

/* {"code", "name"} of an area, or null without a code. */
static void
area_write(struct cg_jw *w, const char *key, const char *code, const char *name)
{
  if (!*code) {
    cg_jw_null(w, key);
    return;
  }
  cg_jw_open(w, key, '{');
  cg_jw_string(w, "code", code);
  cg_jw_string(w, "name", name ? name : "");
  cg_jw_close(w, '}');
}

/* RFC 3339 UTC text of a Unix time, or null for 0. */
static void
time_write(struct cg_jw *w, const char *key, int64_t t)
{
  char buf[32];
  time_t tt = (time_t)t;
  struct tm tm;
  if (!t) {
    cg_jw_null(w, key);
    return;
  }
  gmtime_r(&tt, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  cg_jw_string(w, key, buf);
}

static json_t *
tasks_json(struct case_env *env, const struct kase *k, int64_t now)
{
  json_t *list = json_array();
  for (int i = 0; i < k->ntasks; i++) {
    const struct task *t = &k->tasks[i];
    char name[256];
    double pct;
    const char *light;
    json_t *j;

    lookup_name(env->db, dept_sql, t->dept, name, sizeof name);
    light = case_light(env->cal, t->dispatched_at, t->due_at,
                       t->handled_at ? t->handled_at : now,
                       t->handled_at ? 0 : k->suspended_at, &pct);
    j = json_pack(
        "{s:i, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:o, s:b}", "n", t->n, "dept",
        t->dept, "dept_name", name, "state", task_state_name(t->state),
        "dispatched_at", jtime(t->dispatched_at), "due_at", jtime(t->due_at),
        "limit_s", (json_int_t)t->limit_s, "extended_s", (json_int_t)t->extra_s,
        "handled_at", jtime(t->handled_at), "rework", t->rework);
    if (t->request_s)
      json_object_set_new(j, "extension_asked_s", json_integer(t->request_s));
    if (t->state <= TS_HANDLED) {
      json_object_set_new(j, "light", json_string(light));
      json_object_set_new(j, "used_pct", json_real(pct));
    }
    json_array_append_new(list, j);
  }
  return list;
}

/* Attachments of a case as a JSON array. */
static json_t *
attachments_json(struct db *db, const char *no)
{
  static const char sql[] = "SELECT sha256, mime, bytes, stage, seq FROM"
                            " attachment WHERE case_no = ? ORDER BY seq, stage";
  json_t *list = json_array();
  struct db_stmt *st;

  if (db_prepare_cached(db, &st, sql, NULL) != CG_OK) return list;
  db_bindf(st, "t", no);
  while (db_step(st, NULL) == DB_ROW)
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:I, s:s, s:i}", "sha256",
                        db_col_text(st, 0), "mime", db_col_text(st, 1), "bytes",
                        (json_int_t)db_col_int(st, 2), "stage",
                        db_col_text(st, 3), "event", (int)db_col_int(st, 4)));
  db_finalize(st);
  return list;
}

int
case_note_public(const char *action)
{
  static const char *const public[] = {"close",  "comment", "handle",
                                       "rate",   "reject",  "report",
                                       "verify", "void",    "self_reject"};
  for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
    if (strcmp(action, public[i]) == 0) return 1;
  return 0;
}

/* The history of a case; `full` shows who acted, else only their role. */
static json_t *
history_json(struct db *db, const char *no, int full)
{
  static const char sql[] =
      "SELECT seq, at, actor, role, action, from_state, to_state, note, data,"
      " hash FROM event WHERE case_no = ? ORDER BY seq";
  json_t *list = json_array();
  struct db_stmt *st;

  if (db_prepare_cached(db, &st, sql, NULL) != CG_OK) return list;
  db_bindf(st, "t", no);
  while (db_step(st, NULL) == DB_ROW) {
    json_t *data = json_loads(db_col_text(st, 8), 0, NULL);
    json_t *ev =
        json_pack("{s:i, s:o, s:s, s:s, s:s, s:s}", "seq",
                  (int)db_col_int(st, 0), "at", jtime(db_col_int(st, 1)),
                  "role", db_col_text(st, 3), "action", db_col_text(st, 4),
                  "from", db_col_text(st, 5), "to", db_col_text(st, 6));
    if (full) {
      json_object_set_new(ev, "actor", json_string(db_col_text(st, 2)));
      json_object_set_new(ev, "note", json_string(db_col_text(st, 7)));
      json_object_set_new(ev, "data", data ? data : json_object());
      json_object_set_new(ev, "hash", json_string(db_col_text(st, 9)));
    } else {
      /* the public sees what happened and when, not staff notes */
      if (data) json_decref(data);
      if (case_note_public(db_col_text(st, 4)))
        json_object_set_new(ev, "note", json_string(db_col_text(st, 7)));
    }
    json_array_append_new(list, ev);
  }
  db_finalize(st);
  return list;
}

/* What the JSON of a case shows beyond struct kase: the row's texts and
** times, and the names of its codes. Strings are borrowed; NULL for none. */
struct case_extra {
  const char *address, *description, *reporter_name, *reporter_phone;
  const char *rating_note, *category, *dept;
  const char *area[3]; /* grid, community, street */
  const char *component_id, *component_state;
  int64_t created_at, updated_at;
};

/* {"id", "state", "state_zh"} of the component a case is about, or null
** when its report named none. */
static void
component_write(struct cg_jw *w, const struct case_extra *x)
{
  const struct case_choice *c = case_component_state(x->component_state);
  if (!x->component_id && !x->component_state) {
    cg_jw_null(w, "component");
    return;
  }
  cg_jw_open(w, "component", '{');
  cg_jw_string(w, "id", x->component_id);
  cg_jw_string(w, "state", x->component_state);
  cg_jw_string(w, "state_zh", c ? c->zh : NULL);
  cg_jw_close(w, '}');
}

/* A member of text s, left out when s is NULL. */
static void
text_write(struct cg_jw *w, const char *key, const char *s)
{
  if (s) cg_jw_string(w, key, s);
}

/* The members of the JSON object of a case, at the visibility given, its
** reals to prec digits; x NULL if its row was not found. Written as they
** are made: a case is in every reply to a report and fifty times in a
** page of a list, and a tree of it would be some sixty allocations. */
static void
case_write(struct cg_jw *w, struct case_env *env, const struct org_user *who,
           const struct kase *k, int vis, int with_tasks,
           const struct case_extra *x, int prec)
{
  int64_t now = case_now(env);
  double pct;

  cg_jw_string(w, "no", k->no);
  cg_jw_string(w, "state", case_state_name(k->state));
  cg_jw_string(w, "state_zh", case_state_zh(k->state));
  cg_jw_open(w, "category", '{');
  cg_jw_string(w, "scheme", k->scheme);
  cg_jw_string(w, "kind", k->kind);
  cg_jw_string(w, "code", k->code);
  cg_jw_string(w, "name", x && x->category ? x->category : "");
  cg_jw_close(w, '}');
  cg_jw_string(w, "source", k->source);
  cg_jw_string(w, "case_type", k->case_type);
  cg_jw_real(w, "lat", k->lat, prec);
  cg_jw_real(w, "lon", k->lon, prec);
  area_write(w, "grid", k->grid, x ? x->area[0] : NULL);
  area_write(w, "community", k->community, x ? x->area[1] : NULL);
  area_write(w, "street", k->street, x ? x->area[2] : NULL);
  cg_jw_integer(w, "urgency", k->urgency);
  cg_jw_string(w, "area_class", k->area_class);
  if (x) {
    text_write(w, "address", x->address);
    text_write(w, "description", x->description);
    time_write(w, "created_at", x->created_at);
    time_write(w, "updated_at", x->updated_at);
    if (vis == 2 && sees_contact(who, k->reporter)) {
      cg_jw_open(w, "reporter", '{');
      cg_jw_string(w, "login", k->reporter);
      cg_jw_string(w, "name", x->reporter_name);
      cg_jw_string(w, "phone", x->reporter_phone);
      cg_jw_close(w, '}');
    }
    component_write(w, x);
    if (*k->rating) {
      cg_jw_open(w, "rating", '{');
      cg_jw_string(w, "value", k->rating);
      cg_jw_string(w, "note", x->rating_note);
      cg_jw_close(w, '}');
    }
  }
  if (*k->dept) {
    cg_jw_open(w, "dept", '{');
    cg_jw_string(w, "code", k->dept);
    cg_jw_string(w, "name", x && x->dept ? x->dept : "");
    cg_jw_close(w, '}');
  } else {
    cg_jw_null(w, "dept");
  }
  time_write(w, "dispatched_at", k->dispatched_at);
  time_write(w, "due_at", k->due_at);
  time_write(w, "closed_at", k->closed_at);
  if (k->on_time >= 0) cg_jw_bool(w, "on_time", k->on_time);
  if (*k->duplicate_of) cg_jw_string(w, "duplicate_of", k->duplicate_of);
  if (k->step_due && k->state != CS_CLOSED) {
    const char *light =
        case_light(env->cal, k->step_started, k->step_due, now, 0, &pct);
    cg_jw_open(w, "step", '{');
    time_write(w, "started_at", k->step_started);
    time_write(w, "due_at", k->step_due);
    cg_jw_string(w, "light", light);
    cg_jw_real(w, "used_pct", pct, prec);
    cg_jw_close(w, '}');
  }
  /* the case's light: its worst open task, else its step */
  {
    int64_t task[CASE_MAX_TASKS][2];
    int n = 0;
    for (int i = 0; i < k->ntasks; i++)
      if (k->tasks[i].state <= TS_SUSPENDING) {
        task[n][0] = k->tasks[i].dispatched_at;
        task[n++][1] = k->tasks[i].due_at;
      }
    cg_jw_string(w, "light",
                 case_worst_light(env->cal, now, k->state, k->suspended_at,
                                  k->step_started, k->step_due, task, n));
  }
  if (vis == 2) {
    cg_jw_integer(w, "escalation", k->escalation);
    cg_jw_open(w, "counters", '{');
    cg_jw_integer(w, "rework", k->n_rework);
    cg_jw_integer(w, "wrong_dispatch", k->n_wrong);
    cg_jw_integer(w, "returned", k->n_return);
    cg_jw_integer(w, "extended", k->n_extend);
    cg_jw_integer(w, "suspended", k->n_suspend);
    cg_jw_integer(w, "shirked", k->n_shirk);
    cg_jw_bool(w, "deferred", k->deferred);
    cg_jw_close(w, '}');
  }
  if (with_tasks) {
    json_t *t = tasks_json(env, k, now);
    cg_jw_tree(w, "tasks", t, prec);
    json_decref(t);
  }
}

/* case_write() of a stored case: its texts and names read with one
** statement. */
static void
stored_case_write(struct cg_jw *w, struct case_env *env,
                  const struct org_user *who, const struct kase *k, int vis,
                  int with_tasks, int prec)
{
  static const char sql[] =
      "SELECT c.address, c.description, c.reporter_name, c.reporter_phone,"
      " c.created_at, c.updated_at, c.rating_note,"
      " (SELECT name_zh FROM category g WHERE g.scheme = c.scheme AND"
      " g.kind = c.kind AND g.code = c.category_code),"
      " (SELECT name FROM department d WHERE d.code = c.dept_code),"
      " (SELECT name FROM area a WHERE a.code = c.grid_code),"
      " (SELECT name FROM area a WHERE a.code = c.community_code),"
      " (SELECT name FROM area a WHERE a.code = c.street_code),"
      " c.component_id, c.component_state"
      " FROM cases c WHERE c.no = ?";
  struct case_extra x;
  struct db_stmt *st = NULL;
  int row = 0;

  if (db_prepare_cached(env->db, &st, sql, NULL) == CG_OK) {
    db_bindf(st, "t", k->no);
    row = db_step(st, NULL) == DB_ROW;
  }
  if (row) {
    x.address = db_col_text(st, 0);
    x.description = db_col_text(st, 1);
    x.reporter_name = db_col_text(st, 2);
    x.reporter_phone = db_col_text(st, 3);
    x.created_at = db_col_int(st, 4);
    x.updated_at = db_col_int(st, 5);
    x.rating_note = db_col_text(st, 6);
    x.category = db_col_text(st, 7);
    x.dept = db_col_text(st, 8);
    for (int i = 0; i < 3; i++)
      x.area[i] = db_col_text(st, 9 + i);
    x.component_id = db_col_text(st, 12);
    x.component_state = db_col_text(st, 13);
  }
  case_write(w, env, who, k, vis, with_tasks, row ? &x : NULL, prec);
  if (st) db_finalize(st);
}

/* A name looked up by one code, remembered for the batch (memo tag t):
** the name of a category or a department. */
static const char *
memo_name(struct case_env *env, char t, const char *sql,
          const char *const *code, int ncode, char *buf, size_t n)
{
  char key[80];
  struct db_stmt *st;

  case_memo_key(key, t, code, ncode);
  if (case_memo_get(env, key, NULL, buf, n)) return buf;
  buf[0] = 0;
  if (db_prepare_cached(env->db, &st, sql, NULL) == CG_OK) {
    for (int i = 0; i < ncode; i++)
      db_bind_text(st, i + 1, code[i]);
    if (db_step(st, NULL) == DB_ROW) cg_copy(buf, n, db_col_text(st, 0));
    db_finalize(st);
  }
  case_memo_put(env, key, 0, buf);
  return buf;
}

/* A case just reported, as the batch held it (see case_view_take()):
** the case, then its texts and the names of its codes in one block. */
struct case_view {
  struct kase k;
  struct case_extra x;
  char text[]; /* the strings x points into */
};

/* Copy s to *at (if s is not NULL), advance *at, return the copy. */
static const char *
stash(char **at, const char *s)
{
  char *d = *at;
  size_t n;
  if (!s) return NULL;
  n = strlen(s) + 1;
  memcpy(d, s, n);
  *at += n;
  return d;
}

struct case_view *
case_view_take(struct case_env *env, const char *no)
{
  static const char cat_sql[] = "SELECT name_zh FROM category WHERE"
                                " scheme = ? AND kind = ? AND code = ?";
  struct case_batch *b = env->in_tx ? env->batch : NULL;
  const char *s[11] = {0};
  char cat[MEMO_TEXT], dept[MEMO_TEXT];
  struct case_view *v;
  struct area_place p;
  size_t n = 0;
  char *at;

  if (!b || !b->have_last || !b->last_fresh || strcmp(b->last.no, no) != 0)
    return NULL;
  s[0] = b->fresh.address ? b->fresh.address : "";
  s[1] = b->fresh.description ? b->fresh.description : "";
  s[2] = b->fresh.reporter_name;
  s[3] = b->fresh.reporter_phone;
  s[4] = memo_name(
      env, 'n', cat_sql,
      (const char *const[]){b->last.scheme, b->last.kind, b->last.code}, 3, cat,
      sizeof cat);
  if (*b->last.dept)
    s[5] = memo_name(env, 'm', dept_sql, (const char *const[]){b->last.dept}, 1,
                     dept, sizeof dept);
  if (env->loc && area_locate(env->loc, b->last.lon, b->last.lat, &p)) {
    s[6] = p.name[AREA_GRID];
    s[7] = p.name[AREA_COMMUNITY];
    s[8] = p.name[AREA_STREET];
  }
  s[9] = b->fresh.component_id;
  s[10] = b->fresh.component_state;
  for (int i = 0; i < 11; i++)
    n += s[i] ? strlen(s[i]) + 1 : 0;
  if (!(v = malloc(sizeof *v + n))) return NULL;
  memset(&v->x, 0, sizeof v->x);
  v->k = b->last;
  at = v->text;
  v->x.address = stash(&at, s[0]);
  v->x.description = stash(&at, s[1]);
  v->x.reporter_name = stash(&at, s[2]);
  v->x.reporter_phone = stash(&at, s[3]);
  v->x.category = stash(&at, s[4]);
  v->x.dept = stash(&at, s[5]);
  for (int i = 0; i < 3; i++)
    v->x.area[i] = stash(&at, s[6 + i]);
  v->x.component_id = stash(&at, s[9]);
  v->x.component_state = stash(&at, s[10]);
  v->x.created_at = v->k.created_at;
  v->x.updated_at = v->k.step_started ? v->k.step_started : v->k.created_at;
  return v;
}

char *
case_view_text(struct case_env *env, const struct org_user *who,
               const struct case_view *v, size_t *len)
{
  int vis = visibility(who, &v->k);
  struct cg_jw w = {0};

  if (!vis) return NULL;
  cg_jw_open(&w, NULL, '{');
  case_write(&w, env, who, &v->k, vis, 1, &v->x, 10);
  /* a report with attachments was written out for them: never a view */
  cg_jw_open(&w, "attachments", '[');
  cg_jw_close(&w, ']');
  if (vis == 2) {
    json_t *a = case_actions_json(who, &v->k);
    cg_jw_tree(&w, "actions", a, 10);
    json_decref(a);
  }
  cg_jw_close(&w, '}');
  return cg_jw_take(&w, len);
}

void
case_view_free(struct case_view *v)
{
  free(v);
}

int
case_visibility(struct case_env *env, const struct org_user *who,
                const char *no)
{
  struct kase k;
  if (case_flush(env, NULL) != CG_OK || case_load(env->db, no, &k, NULL))
    return 0;
  return visibility(who, &k);
}

FILE *
case_attachment_open(struct case_env *env, const struct org_user *who,
                     const char *sha, int images_only, struct cg_err *e)
{
  static const char sql[] = "SELECT case_no, mime FROM attachment WHERE"
                            " sha256 = ?";
  struct db_stmt *st;
  int seen = 0, rc;

  if (db_prepare(env->db, &st, sql, e) != CG_OK) return NULL;
  db_bind_text(st, 1, sha);
  /* one file may belong to several cases: any of them the caller sees */
  while (!seen && (rc = db_step(st, e)) == DB_ROW) {
    if (images_only && strncmp(db_col_text(st, 1), "image/", 6) != 0) continue;
    seen = case_visibility(env, who, db_col_text(st, 0)) > 0;
  }
  db_finalize(st);
  if (!seen) {
    if (rc >= 0)
      cg_fail(e, CG_ENOTFOUND, "no attachment '%.64s' you may see", sha);
    return NULL;
  }
  return attach_open(env->data_dir, sha, e);
}

json_t *
case_get_json(struct case_env *env, const struct org_user *who, const char *no,
              int history, struct cg_err *e)
{
  struct kase k;
  struct cg_jw w = {0};
  json_t *j = NULL, *part;
  char *text;
  size_t len;
  int vis, tx;

  if (case_flush(env, e) != CG_OK) return NULL;
  tx = db_read_begin(env->db); /* one snapshot, the locks taken once */
  if (case_load(env->db, no, &k, e) != CG_OK) goto out;
  if (!(vis = visibility(who, &k))) {
    cg_fail(e, CG_EPERM, "'%s' may not see case '%s'", who->login, no);
    goto out;
  }
  /* written out and read back: one way of writing a case, and its
  ** reals at 17 digits, as they are */
  cg_jw_open(&w, NULL, '{');
  stored_case_write(&w, env, who, &k, vis, 1, 0);
  part = attachments_json(env->db, no);
  cg_jw_tree(&w, "attachments", part, 0);
  json_decref(part);
  if (history) {
    part = history_json(env->db, no, vis == 2);
    cg_jw_tree(&w, "history", part, 0);
    json_decref(part);
  }
  if (vis == 2) {
    part = case_actions_json(who, &k);
    cg_jw_tree(&w, "actions", part, 0);
    json_decref(part);
  }
  cg_jw_close(&w, '}');
  if (!(text = cg_jw_take(&w, &len)) || !(j = json_loadb(text, len, 0, NULL)))
    cg_fail(e, CG_ENOMEM, "out of memory");
  free(text);
out:
  if (tx) db_read_end(env->db);
  return j;
}

void
case_q_add(struct case_q *q, const char *sql)
{
  size_t n = strlen(sql);
  if (q->full || q->len + n >= sizeof q->sql) {
    /* no statement at all rather than one cut short: the text left is
    ** one SQLite refuses to prepare */
    q->full = 1;
    q->len = (size_t)snprintf(q->sql, sizeof q->sql, "query too long");
    return;
  }
  memcpy(q->sql + q->len, sql, n + 1);
  q->len += n;
}

/* Bind the next placeholder to text v (kind 't') or number v (kind 'i'). */
static void
bind_next(struct case_q *q, char kind, const char *text, int64_t num)
{
  if (q->n >= (int)(sizeof q->text / sizeof q->text[0])) {
    q->full = 1;
    return;
  }
  q->text[q->n] = text;
  q->num[q->n] = num;
  q->kind[q->n++] = kind;
}

void
case_q_text(struct case_q *q, const char *sql, const char *v)
{
  case_q_add(q, sql);
  bind_next(q, 't', v, 0);
}

void
case_q_num(struct case_q *q, const char *sql, int64_t v)
{
  case_q_add(q, sql);
  bind_next(q, 'i', NULL, v);
}

/* A term with two placeholders that both take v. */
static void
case_q_text2(struct case_q *q, const char *sql, const char *v)
{
  case_q_text(q, sql, v);
  bind_next(q, 't', v, 0);
}

void
case_q_bind(struct case_q *q, struct db_stmt *st)
{
  for (int i = 0; i < q->n; i++) {
    if (q->kind[i] == 't')
      db_bind_text(st, i + 1, q->text[i]);
    else
      db_bind_int(st, i + 1, q->num[i]);
  }
}

/* Characters (not bytes) in the first n bytes of UTF-8 text w. */
static int
utf8_chars(const char *w, size_t n)
{
  int chars = 0;
  for (size_t i = 0; i < n; i++)
    chars += ((unsigned char)w[i] & 0xc0) != 0x80;
  return chars;
}

/* A search word in the address or the description, by LIKE (the word
** bound twice, with %, _ and backslash escaped). */
static const char like[] =
    " AND (c.description LIKE '%' || ? || '%' ESCAPE '\\' OR"
    " c.address LIKE '%' || ? || '%' ESCAPE '\\')";

/* Append the FTS5 string of word w[0..n) ("word", its quotes doubled) to
** the expression m of *len bytes. */
static void
match_add(char *m, size_t *len, const char *w, size_t n)
{
  m[(*len)++] = '"';
  for (size_t i = 0; i < n; i++) {
    if (w[i] == '"') m[(*len)++] = '"';
    m[(*len)++] = w[i];
  }
  m[(*len)++] = '"';
  m[(*len)++] = ' ';
  m[*len] = 0;
}

/* The start of a term on the index of character pairs: the cases its
** expression (bound next) matches, and (the caller's conditions follow,
** then ")") those above the index's mark (search.c), which it does
** not hold yet. One list of rowids, so that a word few cases hold leads
** the query to just those; the newer cases are named c as the outer
** query's are, so that the same conditions serve both. */
#define IN_INDEX_OR_NEWER                                                      \
  " AND c.rowid IN (SELECT rowid FROM search.case_bigram"                      \
  " WHERE case_bigram MATCH ? AND rowid <= " CASE_SQL_MARK                    \
  " UNION ALL SELECT c.rowid FROM cases c WHERE c.rowid > " CASE_SQL_MARK

/* The index's part of a search: the cases its expression m matches or,
** above the index's mark (search.c), those whose address or
** description holds each of the n words w[] (LIKE) whose one pair the
** expression asks for (longer words are checked by the caller). */
static void
q_index(struct case_q *q, const char *m, const char *const *w, int n)
{
  case_q_text(q, IN_INDEX_OR_NEWER, m);
  for (int i = 0; i < n; i++)
    case_q_text2(q, like, w[i]);
  case_q_add(q, ")");
}

/* Add the pairs of neighbouring characters of word p[0..n) to the FTS5
** expression m of *len bytes (at most size), each a quoted string. Returns
** how many pairs the word has, or -1 if some did not fit (those that did
** are still each a condition the word's cases meet). */
static int
pairs_add(char *m, size_t *len, size_t size, const char *p, size_t n)
{
  char word[404], *pairs;
  int count = 0, fit = 1;

  snprintf(word, sizeof word, "%.*s", (int)n, p);
  if (!(pairs = cg_bigrams(word))) return -1;
  for (char *t = pairs; *t;) {
    size_t tn = strcspn(t, " ");
    count++;
    if (*len + 2 * tn + 4 > size) /* room for the quotes, doubled */
      fit = 0;
    else
      match_add(m, len, t, tn);
    t += tn + (t[tn] == ' ');
  }
  free(pairs);
  return fit ? count : -1;
}

/* Words of a search: each must occur in the address or the description.
** The index of character pairs (search.c) finds them: a word of
** two characters of Chinese, letters or digits ("井盖", "5G") is one pair,
** one lookup; a longer one is every pair it holds ("井盖缺失": "井盖",
** "盖缺", "缺失"), and LIKE keeps, of the few cases that hold them all,
** those that hold the word. All of a search's pairs are one FTS5
** expression of quoted strings; the index, for the few newest cases it
** may not hold yet, uses LIKE instead (q_index()). Words with no such
** pair (one character, or a mark among every two) go to LIKE alone, on
** the rows the rest leaves. */
static int
q_search(struct case_q *q, const char *text, struct cg_err *e)
{
  const char *pairw[8], *checkw[8];
  size_t plen = 0;
  int nwords = 0, npair = 0, ncheck = 0;
  char *w;

  if (strlen(text) > 400)
    return cg_fail(e, CG_EINVAL, "search text longer than 400 bytes");
  for (const char *p = text; *p;) {
    size_t n;
    int pairs;
    /* words end at ASCII blanks and at the ideographic space U+3000 */
    while (*p == ' ' || *p == '\t' || strncmp(p, "\xe3\x80\x80", 3) == 0)
      p += *p == ' ' || *p == '\t' ? 1 : 3;
    for (n = 0; p[n] && p[n] != ' ' && p[n] != '\t' &&
                strncmp(p + n, "\xe3\x80\x80", 3) != 0;
         n++)
      ;
    if (!n) break;
    if (++nwords > 8)
      return cg_fail(e, CG_EINVAL, "more than 8 words to search for");
    w = q->words + q->wlen; /* room: 400 bytes at most twice over */
    for (size_t i = 0; i < n; i++) {
      if (p[i] == '%' || p[i] == '_' || p[i] == '\\') *w++ = '\\';
      *w++ = p[i];
    }
    *w = 0;
    w = q->words + q->wlen;
    q->wlen += strlen(w) + 1;
    pairs = pairs_add(q->pairs, &plen, sizeof q->pairs, p, n);
    if (pairs == 1 && utf8_chars(p, n) == 2)
      pairw[npair++] = w; /* the pair is the word */
    else
      checkw[ncheck++] = w;
    p += n;
  }
  if (plen) q_index(q, q->pairs, pairw, npair);
  /* after the index's term: LIKE reads only the rows it lets through */
  for (int i = 0; i < ncheck; i++)
    case_q_text2(q, like, checkw[i]);
  return CG_OK;
}

/* The cases of the n unit grids and communities codes[] (15 and 12
** digits): the index of character pairs holds each case's grid as a word
** (migration 0019), so a grid's cases are that word's and a community's
** those of the words its grid codes start with ("g410104007011"*). They
** are looked up there, not read from every case of the store as a test on
** the grid would (an index on the grid would slow every report); above
** the index's mark, by their grid or community. m (at least 24 bytes a
** code) holds the FTS5 expression, which must outlive the query. */
static void
q_areas(struct case_q *q, char *m, const char *const *codes, int n)
{
  size_t len = 0;
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(
        m + len, 24, "%s\"g%.15s\"%s", i ? " OR " : "", codes[i],
        area_level_of_code(codes[i]) == AREA_COMMUNITY ? "*" : "");
  case_q_text(q, IN_INDEX_OR_NEWER " AND (c.grid_code IN (?", m);
  bind_next(q, 't', codes[0], 0);
  for (int i = 1; i < n; i++)
    case_q_text(q, ", ?", codes[i]);
  case_q_text(q, ") OR c.community_code IN (?", codes[0]);
  for (int i = 1; i < n; i++)
    case_q_text(q, ", ?", codes[i]);
  case_q_add(q, ")))");
}

/* The case has a task of a department (bound): its own tasks looked up by
** case number. The unary + keeps SQLite from reading the department's
** index instead, which it would for every case — every task the
** department ever had, once per case of the store (minutes on a large
** store, for each list a department opens). */
#define HAS_TASK_OF                                                            \
  " AND EXISTS (SELECT 1 FROM task t WHERE t.case_no = c.no AND"               \
  " +t.dept_code = ?)"

void
case_q_overdue(struct case_q *q, int64_t now)
{
  case_q_num(q, "((c.state = 'dispatched' AND c.due_at < ?)", now);
  case_q_num(q,
             " OR (c.state NOT IN (" CASE_SQL_NOT_OPEN ", 'suspended',"
             " 'deferred', 'dispatched') AND c.step_due < ?))",
             now);
}

/* The codes of the scope of `who` (comma-separated area codes) copied
** into scopes[] and pointed to by codes[], for a role that works in areas
** (not the public, a department or the system); how many, at most 16.
** *small is set if every one is a unit grid's or a community's, *grids if
** every one is a unit grid's. */
static int
scope_codes(const struct org_user *who, char scopes[16][32],
            const char *codes[16], int *small, int *grids)
{
  const char *s = who->scope;
  int k = 0;

  *small = *grids = 1;
  if (who->role == ROLE_PUBLIC || who->role == ROLE_DEPARTMENT ||
      who->role == ROLE_SYSTEM)
    return 0;
  while (*s && k < 16) {
    size_t len = strcspn(s, ",");
    snprintf(scopes[k], 32, "%.*s", (int)len, s);
    codes[k] = scopes[k];
    int level = area_level_of_code(scopes[k]);
    *grids &= level == AREA_GRID;
    *small &= level == AREA_GRID || level == AREA_COMMUNITY;
    k++;
    s += len + (s[len] == ',');
  }
  return k;
}

/* Add the WHERE terms of the filter and of who's visibility. The scope
** codes are copied into `scopes` (which must outlive the query). */
int
case_q_where(struct case_q *q, struct case_env *env, const struct org_user *who,
             const struct case_filter *f, char scopes[16][32], struct cg_err *e)
{
  int64_t now = case_now(env);
  const char *codes[16];
  int scope_small, scope_grids,
      k = scope_codes(who, scopes, codes, &scope_small, &scope_grids);
  int level = f->area ? area_level_of_code(f->area) : -1;
  /* a few grids' cases are few: the other terms test them, and the unary
  ** + keeps SQLite from reading an index of the whole store for one of
  ** them instead (a state's, a category's: a million cases). A
  ** community's are many more, and a rare state's index is the better way
  ** to them: SQLite chooses. */
  int grids = level == AREA_GRID || (k && scope_grids);

  case_q_add(q, " WHERE 1 = 1");
  if (f->state) {
    if (strcmp(f->state, "open") == 0)
      case_q_add(q, grids ? " AND " CASE_SQL_OPEN_NOT_INDEXED
                          : " AND " CASE_SQL_OPEN);
    else if (case_state_parse(f->state) < 0)
      return cg_fail(e, CG_EINVAL, "unknown state '%s'", f->state);
    else
      case_q_text(q, grids ? " AND +c.state = ?" : " AND c.state = ?",
                  f->state);
  }
  if (f->scheme) case_q_text(q, " AND c.scheme = ?", f->scheme);
  /* the codes starting with the prefix sort between it and it followed by
  ** U+10FFFF (codes are ASCII): two comparisons a row, no substr() */
  if (f->code_prefix)
    case_q_text2(q,
                 grids ? " AND +c.category_code >= ? AND"
                         " +c.category_code < ? || char(1114111)"
                       : " AND c.category_code >= ? AND"
                         " c.category_code < ? || char(1114111)",
                 f->code_prefix);
  if (f->area) {
    switch (level) {
    case AREA_STREET:
      case_q_text(q, " AND c.street_code = ?", f->area);
      break;
    case AREA_COMMUNITY:
    case AREA_GRID:
      q_areas(q, q->grids[0], (const char *const[]){f->area}, 1);
      break;
    case AREA_DISTRICT:
      break;
    default:
      return cg_fail(e, CG_EINVAL, "'%s' is not an area code", f->area);
    }
  }
  if (f->dept) case_q_text(q, HAS_TASK_OF, f->dept);
  if (f->component)
    case_q_text(q,
                grids ? " AND +c.component_id = ?" : " AND c.component_id = ?",
                f->component);
  if (f->source) case_q_text(q, " AND c.source = ?", f->source);
  if (f->overdue) { /* open, as well: the open cases' index (0021) */
    case_q_add(q, grids ? " AND " CASE_SQL_OPEN_NOT_INDEXED " AND "
                        : " AND " CASE_SQL_OPEN " AND ");
    case_q_overdue(q, now);
  }
  if (f->from)
    case_q_num(q, grids ? " AND +c.created_at >= ?" : " AND c.created_at >= ?",
               f->from);
  if (f->to)
    case_q_num(q, grids ? " AND +c.created_at < ?" : " AND c.created_at < ?",
               f->to);
  if (f->text && *f->text && q_search(q, f->text, e) != CG_OK) return CG_EINVAL;
  /* visibility, as in visibility() above */
  switch (who->role) {
  case ROLE_PUBLIC:
    case_q_text(q, " AND c.reporter_login = ?", who->login);
    break;
  case ROLE_DEPARTMENT:
    case_q_text(q, HAS_TASK_OF, who->dept);
    break;
  case ROLE_SYSTEM:
    break;
  default:
    case_q_text(q, " AND (c.state <> 'draft' OR c.reporter_login = ?)",
                who->login);
    if (!k) break;     /* the whole district */
    if (scope_small) { /* grids, communities: their cases looked up */
      q_areas(q, q->grids[1], codes, k);
      break;
    }
    case_q_add(q, " AND (1 = 0");
    for (int i = 0; i < k; i++)
      case_q_text2(q, " OR substr(c.grid_code, 1, length(?)) = ?", scopes[i]);
    case_q_add(q, ")");
  }
  return q->full ? cg_fail(e, CG_EINVAL, "too long a filter to search by")
                 : CG_OK;
}

/* The cache's key of case `no` as the list shows it in `view` (see
** list_view()) into buf; returns its length. */
static size_t
case_key(char *buf, size_t n, int view, const char *no)
{
  int len = snprintf(buf, n, "c%d %s", view, no);
  return len < 0 ? 0 : (size_t)len >= n ? n - 1 : (size_t)len;
}

/* The view a list's case is shown in to `who`, given its reporter. The
** list's query lets through only cases `who` sees whole (visibility() 2),
** so it is whether the reporter's contact shows: 4 or 5. A case built at
** another visibility is kept under that (list_case()), never served for
** this. */
static int
list_view(const struct org_user *who, const char *reporter)
{
  return 4 + sees_contact(who, reporter);
}

/* Write case `no` (its events so far: seq) as the list shows it to who
** at `now` into out: from the cache if it holds it, else built (and kept
** there). *until is lowered to the time the text may be served until.
** CG_OK or the error of reading it. */
static int
list_case(struct case_env *env, const struct org_user *who, const char *no,
          int64_t seq, const char *reporter, int64_t now, int64_t *until,
          FILE *out, struct cg_err *e)
{
  struct kase k;
  char key[48];
  size_t klen;
  int64_t t;
  struct cg_jw w = {0};
  char *text;
  int vis;

  klen = case_key(key, sizeof key, list_view(who, reporter), no);
  if (env->cache &&
      case_cache_write(env->cache, key, klen, seq, now, 0, &t, out)) {
    if (t < *until) *until = t;
    return CG_OK;
  }
  if (case_load(env->db, no, &k, e) != CG_OK) return CG_EDB;
  vis = visibility(who, &k);
  cg_jw_open(&w, NULL, '{');
  stored_case_write(&w, env, who, &k, vis, 0, 10);
  cg_jw_close(&w, '}');
  if (!(text = cg_jw_take(&w, NULL)))
    return cg_fail(e, CG_ENOMEM, "out of memory");
  fputs(text, out);
  klen = case_key(key, sizeof key, vis * 2 + sees_contact(who, k.reporter), no);
  if (env->cache) {
    t = case_cache_until(key, klen, now);
    case_cache_put(env->cache, key, klen, k.last_seq, t, text, strlen(text));
    if (t < *until) *until = t;
  }
  free(text);
  return CG_OK;
}

/* Run the count qc and the page qp of a list at `now` and write the list
** to out; *until is lowered to the time its cases may be served until.
** CG_OK or the error. */
static int
list_build(struct case_env *env, const struct org_user *who,
           const struct case_filter *f, struct case_q *qc, struct case_q *qp,
           int limit, int64_t now, int64_t *until, FILE *out, struct cg_err *e)
{
  struct db_stmt *st;
  int64_t total = 0;
  json_t *head;
  char *htext;
  int rc, n = 0;

  if (db_prepare(env->db, &st, qc->sql, e) != CG_OK) return CG_EDB;
  case_q_bind(qc, st);
  if ((rc = db_step(st, e)) == DB_ROW) total = db_col_int(st, 0);
  db_finalize(st);
  if (rc < 0) return CG_EDB;

  /* the head by jansson, its last brace cut for the cases */
  head =
      json_pack("{s:I, s:b, s:i, s:i}", "total",
                (json_int_t)(total > CASE_COUNT_MAX ? CASE_COUNT_MAX : total),
                "total_exact", total <= CASE_COUNT_MAX, "limit", limit,
                "offset", f->offset);
  htext = head ? cg_json_dumps(head, 10, NULL) : NULL;
  json_decref(head);
  if (!htext) return cg_fail(e, CG_ENOMEM, "out of memory");
  fwrite(htext, 1, strlen(htext) - 1, out);
  fputs(",\"cases\":[", out);
  free(htext);

  if (db_prepare(env->db, &st, qp->sql, e) != CG_OK) return CG_EDB;
  case_q_bind(qp, st);
  while ((rc = db_step(st, e)) == DB_ROW) {
    char no[32];
    cg_copy(no, sizeof no, db_col_text(st, 0));
    if (n++) fputc(',', out);
    if (list_case(env, who, no, db_col_int(st, 1), db_col_text(st, 2), now,
                  until, out, e) != CG_OK) {
      rc = -CG_EDB;
      break;
    }
  }
  db_finalize(st);
  fputs("]}", out);
  return rc < 0 ? CG_EDB : CG_OK;
}

/* The cache's key of a page into a new string (malloc'd, caller frees;
** *len its length): who asks (role, login: what they see of a case
** follows from them and from the values their query binds: scope codes,
** department) and the page's query with its values. */
static char *
page_key(const struct org_user *who, const struct case_q *q, size_t *len)
{
  char *key = NULL;
  FILE *f = open_memstream(&key, len);

  if (!f) return NULL;
  fprintf(f, "p%d %s\n%s", who->role, who->login, q->sql);
  for (int i = 0; i < q->n; i++) {
    if (q->kind[i] == 't')
      fprintf(f, "\037t%s", q->text[i]);
    else
      fprintf(f, "\037i%lld", (long long)q->num[i]);
  }
  if (fclose(f) != 0) {
    free(key);
    return NULL;
  }
  return key;
}

int
case_list_sql(struct case_env *env, const struct org_user *who,
              const struct case_filter *f, int limit, struct case_q *count,
              struct case_q *page, char scopes[16][32], struct cg_err *e)
{
  int rc;

  /* the total, counted no further than CASE_COUNT_MAX: a page is wanted
  ** in milliseconds, and counting all of a million cases that match
  ** takes the better part of a second */
  case_q_add(count, "SELECT count(*) FROM (SELECT 1 FROM cases c");
  if ((rc = case_q_where(count, env, who, f, scopes, e)) != CG_OK) return rc;
  case_q_num(count, " LIMIT ?)", CASE_COUNT_MAX + 1);

  case_q_add(page, "SELECT c.no, c.last_seq, coalesce(c.reporter_login, '')"
                   " FROM cases c");
  case_q_where(page, env, who, f, scopes, e);
  if (f->sort && strcmp(f->sort, "due") == 0)
    /* the deadline that runs now: the department's while dispatched,
    ** else the step's; none while the clock stands or the case is done */
    case_q_add(page, " ORDER BY (CASE WHEN c.state = 'dispatched' THEN"
                     " c.due_at WHEN c.state IN (" CASE_SQL_NOT_OPEN
                     ", 'suspended', 'deferred') THEN NULL ELSE c.step_due"
                     " END) IS NULL, CASE WHEN c.state = 'dispatched' THEN"
                     " c.due_at ELSE c.step_due END, c.no");
  else
    case_q_add(page, " ORDER BY c.created_at DESC, c.no DESC");
  case_q_num(page, " LIMIT ?", limit);
  case_q_num(page, " OFFSET ?", f->offset);
  return CG_OK;
}

char *
case_list_text(struct case_env *env, const struct org_user *who,
               const struct case_filter *f, size_t *len, struct cg_err *e)
{
  struct case_q count, page;
  char scopes[16][32];
  int64_t version = 0, now = case_now(env), until;
  int limit = f->limit > 0 ? f->limit : 50, tx, hit = 0, rc;
  char *text = NULL, *key = NULL;
  size_t klen = 0;
  FILE *out;

  memset(&count, 0, sizeof count);
  memset(&page, 0, sizeof page);
  if (limit > 1000) limit = 1000;
  if (case_flush(env, e) != CG_OK) return NULL;
  if (f->offset < 0) {
    cg_fail(e, CG_EINVAL, "offset must not be negative");
    return NULL;
  }
  if (f->sort && strcmp(f->sort, "new") && strcmp(f->sort, "due")) {
    cg_fail(e, CG_EINVAL, "unknown sort '%.20s' (new or due)", f->sort);
    return NULL;
  }
  if (case_list_sql(env, who, f, limit, &count, &page, scopes, e) != CG_OK)
    return NULL;

  if (!(out = open_memstream(&text, len))) {
    cg_fail(e, CG_ENOMEM, "out of memory");
    return NULL;
  }
  /* one snapshot: the event count the page is kept under is the one it
  ** was built from */
  tx = db_read_begin(env->db);
  if (env->cache &&
      db_query_int(env->db, &version, 0, e, "SELECT max(gseq) FROM event",
                   "") == CG_OK &&
      version && (key = page_key(who, &page, &klen)))
    hit = case_cache_write(env->cache, key, klen, version, now, 1, NULL, out);
  until = key ? case_cache_until(key, klen, now) : now;
  rc = hit ? CG_OK
           : list_build(env, who, f, &count, &page, limit, now, &until, out, e);
  if (tx) db_read_end(env->db);
  if (fclose(out) != 0 && rc == CG_OK)
    rc = cg_fail(e, CG_ENOMEM, "out of memory");
  /* kept no longer than the first of its cases */
  if (key && !hit && rc == CG_OK)
    case_cache_put(env->cache, key, klen, version, until, text, *len);
  else if (key && !hit)
    case_cache_abandon(env->cache, key, klen, version);
  free(key);
  if (rc != CG_OK) {
    free(text);
    return NULL;
  }
  return text;
}

json_t *
case_list_json(struct case_env *env, const struct org_user *who,
               const struct case_filter *f, struct cg_err *e)
{
  size_t len;
  char *text = case_list_text(env, who, f, &len, e);
  json_t *j;

  if (!text) return NULL;
  if (!(j = json_loadb(text, len, 0, NULL)))
    cg_fail(e, CG_ENOMEM, "out of memory");
  free(text);
  return j;
}
