/*
** body.c — request bodies: the one place JSON bodies are parsed and
** checked against a table of fields, so that a client hears of every
** missing, mistyped or unknown field at once, in one 400 or 415 reply.
*/
#include "api.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *
type_name(int t)
{
  switch (t) {
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
    return "true or false";
  case JSON_ARRAY:
    return "an array";
  case JSON_OBJECT:
    return "an object";
  default:
    return "a value";
  }
}

/* Does v have type t? Numbers accept integers; booleans both values. */
static int
type_ok(json_t *v, int t)
{
  switch (t) {
  case JSON_REAL:
    return json_is_number(v);
  case JSON_TRUE:
    return json_is_boolean(v);
  default:
    return json_typeof(v) == (json_type)t;
  }
}

json_t *
api_body(struct http_req *r, const struct api_field *fields, int *status)
{
  const char *type = http_header(r, "Content-Type");

  if (!type || strncasecmp(type, "application/json", 16) != 0) {
    *status = http_reply_error(r, 415, "unsupported_media_type",
                               "send the body as application/json");
    return NULL;
  }
  return api_json_fields(r, r->body, r->body_len, fields, status);
}

json_t *
api_json_fields(struct http_req *r, const char *text, size_t n,
                const struct api_field *fields, int *status)
{
  char problems[400] = "";
  size_t len = 0;
  json_error_t je;
  json_t *j;
  const char *key;
  json_t *v;

  j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
  if (!j || !json_is_object(j)) {
    *status = http_reply_error(r, 400, "invalid",
                               "the body is not a JSON "
                               "object%s%s",
                               j ? "" : ": ", j ? "" : je.text);
    json_decref(j);
    return NULL;
  }
  for (const struct api_field *f = fields; f->name; f++) {
    json_t *fv = json_object_get(j, f->name);
    if (!fv && f->required)
      len += snprintf(problems + len, sizeof problems - len,
                      "%s'%s' is missing", len ? "; " : "", f->name);
    else if (fv && !json_is_null(fv) && !type_ok(fv, f->type))
      len +=
          snprintf(problems + len, sizeof problems - len, "%s'%s' must be %s",
                   len ? "; " : "", f->name, type_name(f->type));
    if (len >= sizeof problems) len = sizeof problems - 1;
  }
  json_object_foreach(j, key, v)
  {
    const struct api_field *f = fields;
    while (f->name && strcmp(f->name, key))
      f++;
    if (!f->name) {
      len += snprintf(problems + len, sizeof problems - len,
                      "%sunknown field '%s'", len ? "; " : "", key);
      if (len >= sizeof problems) len = sizeof problems - 1;
    }
  }
  if (len) {
    *status = http_reply_error(r, 400, "invalid", "%s", problems);
    json_decref(j);
    return NULL;
  }
  return j;
}
