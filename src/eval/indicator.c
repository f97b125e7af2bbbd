/*
** indicator.c — every measure and indicator of the evaluation, defined in
** one place (DOMAIN.md §4.1), with its formula. Measures are the raw
** counts kept per unit and local day (refresh.c computes them); indicators
** are counts and rates over a period computed from them here. The API
** reference (openapi.json) quotes these formulas; a test holds it to them.
**
** Two clocks. Activity measures count what happened on a day (a report, a
** filing, a check). Disposal measures (cohort, c_*) count the cases whose
** clock started — their first dispatch — on a day, by what has happened to
** them since: a period's 结案率 is about the cases dispatched in it. 缓办
** (deferred) cases are left out of every disposal figure but 缓办数, which
** takes them out of the denominators of 结案率 and 按期结案率 (Jinhua rule,
** DOMAIN.md §1.3); rework, extension and wrong dispatch count when the
** case closes ([S8]). 应结案数 = closed + open past their deadline at the
** time the report is made for (DOMAIN.md §4.1: disposed + overdue).
*/
#include "eval.h"

#include <string.h>

/* Measures, by enum eval_measure: the eval_fact column, and what it
** counts (who it counts for; which day).
**   reports            上报数: 'report' (not a draft) and 'submit' events
**                      (reporter if a grid worker; areas; segment; day of
**                      the event)
**   valid_reports      有效上报数: reports that were filed and not voided,
**                      or whose self-handling was approved (reporter,
**                      areas, segment; day of the report)
**   self_closed        自处理数: 'self_approve' (reporter, areas, segment)
**   missed             漏报数: filings of cases the public reported
**                      (source public, hotline or referral) (the grid
**                      workers whose scope covers the grid; areas)
**   filed              立案数: 'file' events (the shift leader; areas;
**                      segment; grid workers whose scope covers the grid)
**   file_ontime        按时立案数: filed within the 'file' step limit
**   file_void          作废数: filed cases voided later (the filer; areas;
**                      day of the filing)
**   intake             受理数: 'register' and 'reject' (operator; areas)
**   verify_sent(_ontime)  发核实数: 'verify_request', within the 'intake'
**                      limit (operator)
**   verified, verify_ontime  核实数, 按时核实数: 'verify', within the
**                      'verify' limit (the grid worker; areas)
**   check_sent(_ontime)   发核查数: 'check_request', within the
**                      'check_request' limit (operator)
**   checked, check_ontime    核查数, 按时核查数: 'check', within the
**                      'check' limit (the grid worker; areas)
**   dispatches, dispatch_ontime  派遣数: dispatches from 'filed', within
**                      the 'dispatch' limit (the dispatcher; areas)
**   dispatch_wrong     错派数: dispatches found wrong by a later dispatch
**                      to another department (that dispatcher; day of the
**                      wrong dispatch)
**   closes, close_ontime  结案数 of a shift leader: 'close', within the
**                      'close' limit
**   rated, satisfied   评价数, 满意数 (满意 or 基本满意): 'rate' (areas;
**                      department; segment)
**   cohort             派遣案件数: cases first dispatched that day (areas;
**                      the responsible department; segment)
**   c_deferred         of those, deferred (缓办) at any time
**   c_closed           of those not deferred, closed
**   c_ontime           ... closed with every round handled in time
**   c_handled_ontime   ... handled at least once, every round in time
**   c_rework           ... closed after rework (返工)
**   c_extended         ... closed with an extension granted (延期)
**   c_suspended        ... suspended (挂账) at any time
**   c_wrong            ... closed after a wrong dispatch (错误派遣)
** A step is in time when the working time from the event that began it to
** the event that ended it is within the step's limit (time_limit), as
** configured when the event is first counted; a step with no limit is in
** time. */
static const char *const measure_names[EM_COUNT] = {
    "reports",        "valid_reports",
    "self_closed",    "missed",
    "filed",          "file_ontime",
    "file_void",      "intake",
    "verify_sent",    "verify_sent_ontime",
    "verified",       "verify_ontime",
    "check_sent",     "check_sent_ontime",
    "checked",        "check_ontime",
    "dispatches",     "dispatch_ontime",
    "dispatch_wrong", "closes",
    "close_ontime",   "rated",
    "satisfied",      "cohort",
    "c_deferred",     "c_closed",
    "c_ontime",       "c_handled_ontime",
    "c_rework",       "c_extended",
    "c_suspended",    "c_wrong"};

const char *
eval_measure_name(int m)
{
  return m >= 0 && m < EM_COUNT ? measure_names[m] : "?";
}

static const struct {
  const char *name, *zh, *alias, *alias2;
} kinds[EK_COUNT] = {
    {"district", "区", "districts", NULL},
    {"street", "街道", "streets", NULL},
    {"community", "社区", "communities", NULL},
    {"grid", "单元网格", "grids", NULL},
    {"dept", "专业部门", "department", "departments"},
    {"segment", "路段/河段", "segments", NULL},
    {"supervisor", "监督员", "grid_worker", "supervisors"},
    {"operator", "受理员", "operators", NULL},
    {"shift_leader", "值班长", "shift_leaders", NULL},
    {"dispatcher", "派遣员", "dispatchers", NULL},
};

const char *
eval_kind_name(int k)
{
  return k >= 0 && k < EK_COUNT ? kinds[k].name : "?";
}

const char *
eval_kind_zh(int k)
{
  return k >= 0 && k < EK_COUNT ? kinds[k].zh : "?";
}

int
eval_kind_parse(const char *s)
{
  for (int k = 0; s && k < EK_COUNT; k++)
    if (!strcmp(s, kinds[k].name) || !strcmp(s, kinds[k].alias) ||
        (kinds[k].alias2 && !strcmp(s, kinds[k].alias2)))
      return k;
  return -1;
}

/* Indicators, in the order of the table below. */
enum {
  I_REPORTS,
  I_VALID_REPORTS,
  I_VALID_REPORT_RATE,
  I_SELF_CLOSED,
  I_MISSED,
  I_MISSED_RATE,
  I_FILED,
  I_FILED_PER_GRID,
  I_REPORTS_PER_KM,
  I_VERIFIED,
  I_VERIFY_ONTIME_RATE,
  I_CHECKED,
  I_CHECK_ONTIME_RATE,
  I_COHORT,
  I_DUE,
  I_CLOSED,
  I_CLOSE_RATE,
  I_ONTIME_CLOSED,
  I_ONTIME_CLOSE_RATE,
  I_HANDLE_ONTIME_RATE,
  I_REWORK,
  I_REWORK_RATE,
  I_EXTENDED,
  I_EXTEND_RATE,
  I_DEFERRED,
  I_SUSPENDED,
  I_WRONG,
  I_OVERDUE,
  I_INTAKE,
  I_VERIFY_SENT,
  I_VERIFY_SENT_ONTIME_RATE,
  I_CHECK_SENT,
  I_CHECK_SENT_ONTIME_RATE,
  I_FILE_ONTIME_RATE,
  I_FILE_VOID,
  I_FILE_ACCURACY_RATE,
  I_CLOSES,
  I_CLOSE_ONTIME_RATE,
  I_DISPATCHES,
  I_DISPATCH_ONTIME_RATE,
  I_DISPATCH_WRONG,
  I_DISPATCH_ACCURACY_RATE,
  I_RATED,
  I_SATISFACTION_RATE,
  I_PATROL_RATE,
  I_COUNT
};

#define AREAS EK_AREAS
#define K(x) EK_BIT(EK_##x)
#define DISPOSAL (AREAS | K(DEPT) | K(SEGMENT))

/* The indicators: key, name, formula, the kinds they are reported for,
** and whether they are rates (percent). Keep in the order of the enum. */
static const struct eval_indicator table[I_COUNT] = {
    {"reports", "上报数", "reports", AREAS | K(SEGMENT) | K(SUPERVISOR), 0},
    {"valid_reports", "有效上报数", "valid_reports", AREAS | K(SUPERVISOR), 0},
    {"valid_report_rate", "有效上报率", "有效上报数 / 上报数 × 100 %",
     AREAS | K(SUPERVISOR), 1},
    {"self_closed", "自处理数", "self_closed", AREAS | K(SUPERVISOR), 0},
    {"missed", "漏报数", "missed", AREAS | K(SUPERVISOR), 0},
    {"missed_rate", "漏报率", "漏报数 / 立案数 × 100 %", AREAS | K(SUPERVISOR),
     1},
    {"filed", "立案数", "filed",
     AREAS | K(SEGMENT) | K(SUPERVISOR) | K(SHIFT_LEADER), 0},
    {"filed_per_grid", "每网格立案数", "立案数 / 单元网格数", AREAS, 0},
    {"reports_per_km", "每公里上报数", "上报数 / 长度(公里)", K(SEGMENT), 0},
    {"verified", "核实数", "verified", AREAS | K(SUPERVISOR), 0},
    {"verify_ontime_rate", "按时核实率", "按时核实数 / 核实数 × 100 %",
     AREAS | K(SUPERVISOR), 1},
    {"checked", "核查数", "checked", AREAS | K(SUPERVISOR), 0},
    {"check_ontime_rate", "按时核查率", "按时核查数 / 核查数 × 100 %",
     AREAS | K(SUPERVISOR), 1},
    {"cohort", "派遣案件数", "cohort", DISPOSAL, 0},
    {"due", "应结案数", "c_closed + 超期未结数", DISPOSAL, 0},
    {"closed", "结案数", "c_closed", DISPOSAL, 0},
    {"close_rate", "结案率", "结案数 / 应结案数 × 100 % (缓办 excluded)",
     DISPOSAL, 1},
    {"ontime_closed", "按期结案数", "c_ontime", DISPOSAL, 0},
    {"ontime_close_rate", "按期结案率",
     "按期结案数 / 应结案数 × 100 % (缓办 excluded)", DISPOSAL, 1},
    {"handle_ontime_rate", "按时处置率",
     "c_handled_ontime / (派遣案件数 − 缓办数) × 100 %", DISPOSAL, 1},
    {"rework", "返工数", "c_rework", DISPOSAL, 0},
    {"rework_rate", "返工率", "返工数 / 应结案数 × 100 %", DISPOSAL, 1},
    {"extended", "延期数", "c_extended", DISPOSAL, 0},
    {"extend_rate", "延期率", "延期数 / 应结案数 × 100 %", DISPOSAL, 1},
    {"deferred", "缓办数", "c_deferred", DISPOSAL, 0},
    {"suspended", "挂账数", "c_suspended", DISPOSAL, 0},
    {"wrong_dispatched", "错误派遣数", "c_wrong", DISPOSAL, 0},
    {"overdue", "超期未结数",
     "cases of the cohort open, not suspended, past their deadline at the "
     "time of the report",
     DISPOSAL, 0},
    {"intake", "受理数", "intake", AREAS | K(OPERATOR), 0},
    {"verify_sent", "发核实数", "verify_sent", K(OPERATOR), 0},
    {"verify_sent_ontime_rate", "核实按时派发率",
     "verify_sent_ontime / 发核实数 × 100 %", K(OPERATOR), 1},
    {"check_sent", "发核查数", "check_sent", K(OPERATOR), 0},
    {"check_sent_ontime_rate", "核查按时派发率",
     "check_sent_ontime / 发核查数 × 100 %", K(OPERATOR), 1},
    {"file_ontime_rate", "按时立案率", "按时立案数 / 立案数 × 100 %",
     AREAS | K(SHIFT_LEADER), 1},
    {"file_void", "作废数", "file_void", K(SHIFT_LEADER), 0},
    {"file_accuracy_rate", "准确立案率", "(立案数 − 作废数) / 立案数 × 100 %",
     K(SHIFT_LEADER), 1},
    {"closes", "结案操作数", "closes", K(SHIFT_LEADER), 0},
    {"close_ontime_rate", "按时结案率", "close_ontime / 结案操作数 × 100 %",
     K(SHIFT_LEADER), 1},
    {"dispatches", "派遣数", "dispatches", AREAS | K(DISPATCHER), 0},
    {"dispatch_ontime_rate", "按时派遣率", "按时派遣数 / 派遣数 × 100 %",
     AREAS | K(DISPATCHER), 1},
    {"dispatch_wrong", "错派数", "dispatch_wrong", K(DISPATCHER), 0},
    {"dispatch_accuracy_rate", "准确派遣率",
     "(派遣数 − 错派数) / 派遣数 × 100 %", K(DISPATCHER), 1},
    {"rated", "评价数", "rated", DISPOSAL, 0},
    {"satisfaction_rate", "满意率",
     "(满意 + 基本满意) / 评价数 × 100 % (public ratings)", DISPOSAL, 1},
    {"patrol_rate", "巡查率",
     "patrol logs against the segment's routes (not recorded yet: no value)",
     K(SEGMENT), 1},
};

const struct eval_indicator *
eval_indicators(int *n)
{
  *n = I_COUNT;
  return table;
}

int
eval_indicator_find(const char *key)
{
  for (int i = 0; key && i < I_COUNT; i++)
    if (strcmp(table[i].key, key) == 0) return i;
  return -1;
}

/* num / den in percent; 0 when den is not positive. */
static int
pct(double num, double den, double *v)
{
  if (!(den > 0)) return 0;
  *v = 100.0 * num / den;
  return 1;
}

int
eval_indicator_value(int i, const struct eval_counts *c, double *v)
{
  const int64_t *m = c->m;
  double due = (double)(m[EM_C_CLOSED] + c->overdue);

  switch (i) {
  case I_REPORTS:
    return *v = (double)m[EM_REPORTS], 1;
  case I_VALID_REPORTS:
    return *v = (double)m[EM_VALID_REPORTS], 1;
  case I_VALID_REPORT_RATE:
    return pct(m[EM_VALID_REPORTS], m[EM_REPORTS], v);
  case I_SELF_CLOSED:
    return *v = (double)m[EM_SELF_CLOSED], 1;
  case I_MISSED:
    return *v = (double)m[EM_MISSED], 1;
  case I_MISSED_RATE:
    return pct(m[EM_MISSED], m[EM_FILED], v);
  case I_FILED:
    return *v = (double)m[EM_FILED], 1;
  case I_FILED_PER_GRID:
    if (c->grids <= 0) return 0;
    return *v = (double)m[EM_FILED] / (double)c->grids, 1;
  case I_REPORTS_PER_KM:
    if (!(c->length_m > 0)) return 0;
    return *v = (double)m[EM_REPORTS] / (c->length_m / 1000.0), 1;
  case I_VERIFIED:
    return *v = (double)m[EM_VERIFIED], 1;
  case I_VERIFY_ONTIME_RATE:
    return pct(m[EM_VERIFY_ONTIME], m[EM_VERIFIED], v);
  case I_CHECKED:
    return *v = (double)m[EM_CHECKED], 1;
  case I_CHECK_ONTIME_RATE:
    return pct(m[EM_CHECK_ONTIME], m[EM_CHECKED], v);
  case I_COHORT:
    return *v = (double)m[EM_COHORT], 1;
  case I_DUE:
    return *v = due, 1;
  case I_CLOSED:
    return *v = (double)m[EM_C_CLOSED], 1;
  case I_CLOSE_RATE:
    return pct(m[EM_C_CLOSED], due, v);
  case I_ONTIME_CLOSED:
    return *v = (double)m[EM_C_ONTIME], 1;
  case I_ONTIME_CLOSE_RATE:
    return pct(m[EM_C_ONTIME], due, v);
  case I_HANDLE_ONTIME_RATE:
    return pct(m[EM_C_HANDLED_ONTIME], m[EM_COHORT] - m[EM_C_DEFERRED], v);
  case I_REWORK:
    return *v = (double)m[EM_C_REWORK], 1;
  case I_REWORK_RATE:
    return pct(m[EM_C_REWORK], due, v);
  case I_EXTENDED:
    return *v = (double)m[EM_C_EXTENDED], 1;
  case I_EXTEND_RATE:
    return pct(m[EM_C_EXTENDED], due, v);
  case I_DEFERRED:
    return *v = (double)m[EM_C_DEFERRED], 1;
  case I_SUSPENDED:
    return *v = (double)m[EM_C_SUSPENDED], 1;
  case I_WRONG:
    return *v = (double)m[EM_C_WRONG], 1;
  case I_OVERDUE:
    return *v = (double)c->overdue, 1;
  case I_INTAKE:
    return *v = (double)m[EM_INTAKE], 1;
  case I_VERIFY_SENT:
    return *v = (double)m[EM_VERIFY_SENT], 1;
  case I_VERIFY_SENT_ONTIME_RATE:
    return pct(m[EM_VERIFY_SENT_ONTIME], m[EM_VERIFY_SENT], v);
  case I_CHECK_SENT:
    return *v = (double)m[EM_CHECK_SENT], 1;
  case I_CHECK_SENT_ONTIME_RATE:
    return pct(m[EM_CHECK_SENT_ONTIME], m[EM_CHECK_SENT], v);
  case I_FILE_ONTIME_RATE:
    return pct(m[EM_FILE_ONTIME], m[EM_FILED], v);
  case I_FILE_VOID:
    return *v = (double)m[EM_FILE_VOID], 1;
  case I_FILE_ACCURACY_RATE:
    return pct(m[EM_FILED] - m[EM_FILE_VOID], m[EM_FILED], v);
  case I_CLOSES:
    return *v = (double)m[EM_CLOSES], 1;
  case I_CLOSE_ONTIME_RATE:
    return pct(m[EM_CLOSE_ONTIME], m[EM_CLOSES], v);
  case I_DISPATCHES:
    return *v = (double)m[EM_DISPATCHES], 1;
  case I_DISPATCH_ONTIME_RATE:
    return pct(m[EM_DISPATCH_ONTIME], m[EM_DISPATCHES], v);
  case I_DISPATCH_WRONG:
    return *v = (double)m[EM_DISPATCH_WRONG], 1;
  case I_DISPATCH_ACCURACY_RATE:
    return pct(m[EM_DISPATCHES] - m[EM_DISPATCH_WRONG], m[EM_DISPATCHES], v);
  case I_RATED:
    return *v = (double)m[EM_RATED], 1;
  case I_SATISFACTION_RATE:
    return pct(m[EM_SATISFIED], m[EM_RATED], v);
  default: /* I_PATROL_RATE: patrol logs are not recorded yet */
    return 0;
  }
}

json_t *
eval_definitions_json(void)
{
  json_t *list = json_array();
  for (int i = 0; i < I_COUNT; i++) {
    json_t *k = json_array();
    for (int j = 0; j < EK_COUNT; j++)
      if (table[i].kinds & EK_BIT(j))
        json_array_append_new(k, json_string(eval_kind_name(j)));
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:o}", "key",
                                          table[i].key, "zh", table[i].zh,
                                          "formula", table[i].formula, "rate",
                                          table[i].rate, "kinds", k));
  }
  return list;
}
