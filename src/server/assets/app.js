// What both pages share: the JSON API with the session's CSRF token, JSON that keeps the
// digits of a number as written (a fee of 12.50 stays 12.50), and DOM building that only ever
// sets text, never markup, so nothing a report holds can become part of the page.

/** A number as its JSON text, for the numbers JavaScript would change (12.50 → 12.5). */
export class Raw {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

/** JSON.parse, with a number whose text a JavaScript number would not give back kept as Raw. */
export function parse(text) {
  return JSON.parse(text, (key, value, context) => {
    if (typeof value === 'number' && context && typeof context.source === 'string'
        && String(value) !== context.source) {
      return new Raw(context.source);
    }
    return value;
  });
}

/** JSON text of a value that may hold Raw numbers; undefined members are left out. */
export function stringify(value) {
  if (value instanceof Raw) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  const members = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`);
  return `{${members.join(',')}}`;
}

/** A deep copy that keeps Raw numbers (structuredClone would make them plain objects). */
export function copy(value) {
  if (value instanceof Raw || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
}

let csrf = null;

/**
 * A request to the server → {ok, status, body, headers}; the body parsed (errors are
 * {error: {key, message, hint}}). Never throws: a failed connection is status 0.
 */
export async function api(method, path, body) {
  const headers = {};
  // A file (a workbook to import) goes as its bytes; anything else as JSON.
  const file = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = file ? 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || file || typeof body === 'string' ? body : stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    const message = `无法连接服务器（${e.message}）`;
    return { ok: false, status: 0, headers: new Headers(), body: { error: { key: 'network', message } } };
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? parse(text) : null;
  } catch {
    parsed = { error: { key: 'not-json', message: `服务器的回答不是 JSON：${text.slice(0, 200)}` } };
  }
  return { ok: response.ok, status: response.status, headers: response.headers, body: parsed };
}

/** Who is signed in (GET /api/session), keeping the CSRF token for the requests after. */
export async function session() {
  const answer = await api('GET', '/api/session');
  if (answer.ok) csrf = answer.body.csrf;
  return answer;
}

/** Signs in (POST /api/login), keeping the CSRF token. */
export async function login(name, password) {
  const answer = await api('POST', '/api/login', { login: name, password });
  if (answer.ok) csrf = answer.body.csrf;
  return answer;
}

/** A refusal's message and hint, for the clerk. */
export function errorText(answer) {
  const error = answer.body && answer.body.error;
  if (!error) return `服务器回答 ${answer.status}`;
  return error.hint ? `${error.message}（${error.hint}）` : error.message;
}

/**
 * An element with properties and children: `text` sets textContent, `class` the class, `on…`
 * a listener, anything else an attribute; strings among the children become text nodes.
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Chinese text with its English beside, as the command line gives both. */
export function both(zh, en) {
  return [zh, ' ', el('span', { class: 'en', text: en })];
}

/** A time the server gave (seconds since 1970) as the clerk reads it. */
export function when(seconds) {
  return new Date(Number(seconds) * 1000).toLocaleString('zh-CN', { hour12: false });
}

const ROLES = { admin: '管理员', clerk: '填报员' };

/** Shows who is signed in and makes the sign-out button work. */
export function signedIn(me, who, logout) {
  const organ = me.organ ? ` · ${me.organ}` : '';
  who.textContent = `${me.login}（${ROLES[me.role] || me.role}${organ}）`;
  // The admins' pages, in the bar of every page that has them.
  const adminLinks = document.getElementById('admin-links');
  if (adminLinks) adminLinks.hidden = me.role !== 'admin';
  logout.addEventListener('click', async () => {
    await api('POST', '/api/logout');
    location.assign('/');
  });
}

/**
 * How an admins' page begins: who is signed in, in the bar; or, in `notice`, why `page` (its
 * name, as 「报告总览」) cannot be used: not signed in, or not an admin. The admin, or null.
 */
export async function signedInAdmin(notice, page) {
  const me = await session();
  document.body.dataset.busy = '0';
  if (me.status === 401) {
    notify(notice, [el('a', { href: '/', text: '请先登录' }), `，再打开${page}。`], 'error');
    return null;
  }
  if (!me.ok) {
    notify(notice, errorText(me), 'error');
    return null;
  }
  signedIn(me.body, document.getElementById('who'), document.getElementById('logout'));
  const nav = document.getElementById('nav');
  if (nav) nav.hidden = false;
  if (me.body.role !== 'admin') {
    notify(notice, `${page}只对管理员开放。`, 'error');
    return null;
  }
  return me.body;
}

/** Shows a message in the page's notice line; `kind` is 'error', 'ok' or nothing. */
export function notify(notice, message, kind) {
  notice.hidden = !message;
  notice.className = kind ? `notice ${kind}` : 'notice';
  notice.replaceChildren(...(Array.isArray(message) ? message : [message || '']));
}
