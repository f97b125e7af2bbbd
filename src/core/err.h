/*
** err.h — citygrid's result codes and the error record that carries details.
**
** Every function that can fail returns an int from the table below (CG_OK is
** 0) and, when the caller passes one, fills a caller-owned struct cg_err with
** the code, the HTTP status that fits it and a lowercase message that names
** the problem first and quotes the subject: "cannot open database 'x.db'".
** The codes are stable: never renumber them, only add at the end.
*/
#ifndef CG_ERR_H
#define CG_ERR_H

#include <stddef.h>

enum cg_code {
  CG_OK = 0,        /* success */
  CG_EINVAL = 1,    /* bad input from the user: malformed, out of range */
  CG_ENOTFOUND = 2, /* the named thing does not exist */
  CG_ECONFLICT = 3, /* exists already, or the state forbids it */
  CG_EIO = 4,       /* file or network I/O failed */
  CG_EDB = 5,       /* the store failed */
  CG_ENOMEM = 6,    /* out of memory, or past a size ceiling */
  CG_EPERM = 7,     /* the actor may not do this */
  CG_EVERSION = 8,  /* data written by a newer citygrid */
  CG_EINTERNAL = 9, /* a bug: an invariant did not hold */
  CG_EAUTH = 10,    /* not logged in, or bad credentials */
  CG_ELIMIT = 11,   /* rate limit or quota reached */
  CG_EUNAVAIL = 12  /* not now: the service is stopping; try again later */
};

struct cg_err {
  int code;        /* enum cg_code */
  int http_status; /* the status an HTTP reply should carry */
  char msg[512];   /* lowercase, problem first, subject quoted */
};

/* Fill *e (if e is not NULL) with code, its HTTP status and a printf-style
** message, and return code, so that callers can write
** `return cg_fail(e, CG_EINVAL, "bad cell size '%s'", s);`.
** A message already in *e is replaced. */
int cg_fail(struct cg_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message in *e with "what: " to add context on the way up. */
void cg_err_prefix(struct cg_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset *e to CG_OK with an empty message. */
void cg_err_clear(struct cg_err *e);

/* The short name of a code ("invalid", "not_found", ...), a static string
** used as the "code" of JSON error bodies. */
const char *cg_code_name(int code);

/* The HTTP status that fits a code (400, 404, 409, ...). */
int cg_code_http(int code);

#endif
