// api.js — talking to citygrid's JSON API: the session token (kept in
// localStorage), requests that turn the server's error shape
// {"error":{"code","message"}} into an ApiError, photo uploads, photos
// fetched with the token as blob URLs, files downloaded with the token,
// and the live event stream read with fetch (EventSource cannot send the
// Authorization header).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status; // 0: the server could not be reached
    this.code = code;
  }
}

const TOKEN = 'cg.token';
const USER = 'cg.user';

export function token() {
  return localStorage.getItem(TOKEN);
}

export function currentUser() {
  try {
    return JSON.parse(localStorage.getItem(USER) || 'null');
  } catch {
    return null;
  }
}

export function setSession(tok, user) {
  if (tok) {
    localStorage.setItem(TOKEN, tok);
    localStorage.setItem(USER, JSON.stringify(user));
  } else {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(USER);
  }
}

// Called with the ApiError when the session has ended (401).
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// A request to path: JSON body in, JSON out. opts.raw: send opts.body as
// it is with opts.type. Throws ApiError.
export async function api(path, opts = {}) {
  const headers = {};
  const tok = opts.anonymous ? null : token();
  let body;
  if (tok) headers.Authorization = 'Bearer ' + tok;
  if (opts.raw) {
    body = opts.body;
    headers['Content-Type'] = opts.type || 'application/octet-stream';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, {method: opts.method || (body ? 'POST' : 'GET'), headers, body});
  } catch (e) {
    throw new ApiError(0, 'offline', e.message);
  }
  if (r.status === 204) return null;
  let j = null;
  try {
    j = await r.json();
  } catch {
    /* not JSON: handled below */
  }
  if (!r.ok) {
    const err = new ApiError(r.status, j?.error?.code || 'error',
                             j?.error?.message || r.statusText);
    if (r.status === 401 && tok) onUnauthorized(err);
    throw err;
  }
  return j;
}

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, v === true ? '1' : v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// Make a photo smaller before it is sent: at most max pixels on its
// longer side, as JPEG. Returns a Blob (the file itself if it is small,
// or if the browser cannot decode it).
export async function shrinkPhoto(file, max = 1600) {
  if (!file.type.startsWith('image/') || file.size < 400 * 1024) return file;
  try {
    const bmp = await createImageBitmap(file);
    const k = Math.min(1, max / Math.max(bmp.width, bmp.height));
    const c = document.createElement('canvas');
    c.width = Math.round(bmp.width * k);
    c.height = Math.round(bmp.height * k);
    c.getContext('2d').drawImage(bmp, 0, 0, c.width, c.height);
    return await new Promise((ok) => c.toBlob((b) => ok(b || file), 'image/jpeg', 0.85));
  } catch {
    return file;
  }
}

// Upload a photo; returns its sha256. publicly: the anonymous route.
export async function uploadPhoto(file, publicly) {
  const blob = await shrinkPhoto(file);
  const j = await api(publicly ? '/api/v1/public/attachments' : '/api/v1/attachments', {
    method: 'POST', raw: true, body: blob, type: blob.type || 'image/jpeg',
    anonymous: publicly,
  });
  return j.sha256;
}

// An attachment fetched with the token, as an object URL for <img>.
const blobs = new Map();
export async function photoURL(sha) {
  if (blobs.has(sha)) return blobs.get(sha);
  const r = await fetch('/api/v1/attachments/' + sha, {headers: {Authorization: 'Bearer ' + token()}});
  if (!r.ok) throw new ApiError(r.status, 'error', r.statusText);
  const url = URL.createObjectURL(await r.blob());
  blobs.set(sha, url);
  return url;
}

// Save what path answers (a spreadsheet, a CSV file, ...) as a file
// named name. A bare link cannot send the token: the file is fetched,
// then handed to the browser as a blob. Throws ApiError.
export async function download(path, name) {
  const tok = token();
  let r;
  try {
    r = await fetch(path, {headers: tok ? {Authorization: 'Bearer ' + tok} : {}});
  } catch (e) {
    throw new ApiError(0, 'offline', e.message);
  }
  if (!r.ok) {
    const j = await r.json().catch(() => null);
    const err = new ApiError(r.status, j?.error?.code || 'error', j?.error?.message || r.statusText);
    if (r.status === 401 && tok) onUnauthorized(err);
    throw err;
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Follow the Server-Sent Events at path: onEvent({event, data, id}) for
// each, onState('open' | 'closed' | 'unauthorized'). Reconnects after a
// break, resuming with Last-Event-ID. Returns {close()}.
export function stream(path, onEvent, onState) {
  let last = null;
  let stopped = false;
  let ctrl = null;
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

  function dispatch(block) {
    const ev = {event: 'message', data: '', id: null};
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const k = c < 0 ? line : line.slice(0, c);
      let v = c < 0 ? '' : line.slice(c + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (k === 'data') ev.data += (ev.data ? '\n' : '') + v;
      else if (k === 'event') ev.event = v;
      else if (k === 'id') ev.id = v;
    }
    if (ev.id) last = ev.id;
    if (ev.data) onEvent(ev);
  }

  (async () => {
    while (!stopped) {
      ctrl = new AbortController();
      try {
        const headers = {Authorization: 'Bearer ' + token()};
        if (last) headers['Last-Event-ID'] = last;
        const r = await fetch(path, {headers, signal: ctrl.signal, cache: 'no-store'});
        if (r.status === 401) {
          onState('unauthorized');
          return;
        }
        if (!r.ok || !r.body) throw new Error('status ' + r.status);
        onState('open');
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            dispatch(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch {
        /* a break: try again below */
      }
      if (stopped) return;
      onState('closed');
      await sleep(2000);
    }
  })();
  return {
    close() {
      stopped = true;
      if (ctrl) ctrl.abort();
    },
  };
}
