// `/`: signing in, then the reports this account may see, and for a clerk the ways to begin
// one: a new report for a year, or next year's begun from this year's (the next-year API).

import { api, both, el, errorText, login, notify, session, signedIn, when } from './app.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');

const STATUS = {
  draft: ['草稿', 'Draft'],
  submitted: ['已提交', 'Submitted'],
  returned: ['已退回', 'Returned'],
  approved: ['已通过', 'Approved'],
};

/** Where to go after signing in: a form the clerk was sent away from, and nothing else. */
function next() {
  const wanted = new URLSearchParams(location.search).get('next') || '';
  return /^\/form\/\d+\/\d+$/.test(wanted) ? wanted : null;
}

function formPath(organ, year) {
  return `/form/${encodeURIComponent(organ)}/${encodeURIComponent(year)}`;
}

async function start() {
  const me = await session();
  document.body.dataset.busy = '0';
  if (me.status === 401) {
    showLogin();
  } else if (me.ok) {
    await showReports(me.body);
  } else {
    notify(notice, errorText(me), 'error');
  }
}

function showLogin() {
  $('login').hidden = false;
  $('reports').hidden = true;
  $('nav').hidden = true;
  $('login-name').focus();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = $('login-submit');
  button.disabled = true;
  document.body.dataset.busy = '1';
  const answer = await login($('login-name').value, $('login-password').value);
  button.disabled = false;
  document.body.dataset.busy = '0';
  if (answer.ok) {
    $('login-password').value = '';
    notify(notice, '');
    const target = next();
    if (target) {
      location.assign(target);
    } else {
      await showReports(answer.body);
    }
    return;
  }
  let message = errorText(answer);
  const wait = answer.headers.get('Retry-After');
  if (answer.status === 429 && wait) message += `：请 ${wait} 秒后再试`;
  notify(notice, message, 'error');
});

async function showReports(me) {
  signedIn(me, $('who'), $('logout'));
  $('nav').hidden = false;
  $('login').hidden = true;
  $('reports').hidden = false;
  const answer = await api('GET', '/api/reports');
  if (!answer.ok) {
    notify(notice, errorText(answer), 'error');
    return;
  }
  const reports = answer.body;
  const have = new Set(reports.map((r) => `${r.organ_id}/${r.year}`));
  const clerk = me.role === 'clerk';
  const rows = reports.map((r) => {
    const status = STATUS[r.status] || [r.status, r.status];
    const actions = el('td', { class: 'actions' },
      el('a', { href: formPath(r.organ_id, r.year), class: 'button', 'data-open': `${r.organ_id}/${r.year}` },
        ...both('打开', 'Open')));
    const following = r.year + 1;
    if (clerk && r.organ_id === me.organ_id && !have.has(`${r.organ_id}/${following}`)) {
      actions.append(' ', el('button', {
        type: 'button',
        'data-next-year': `${r.organ_id}/${r.year}`,
        onclick: () => startNextYear(r.organ_id, r.year),
      }, ...both(`据此开始 ${following} 年报告`, `Start ${following} from this`)));
    }
    return el('tr', {},
      el('td', { class: 'organ', text: r.organ }),
      el('td', { text: String(r.year) }),
      el('td', {}, ...both(status[0], status[1])),
      el('td', { text: `第 ${r.revision} 版` }),
      el('td', { class: r.errors ? 'count error' : 'count', text: String(r.errors) }),
      el('td', { class: r.warnings ? 'count warning' : 'count', text: String(r.warnings) }),
      el('td', { text: `${when(r.saved)}${r.author ? ` · ${r.author}` : ''}` }),
      actions);
  });
  $('report-rows').replaceChildren(...rows);
  $('empty').hidden = reports.length > 0;
  if (clerk && me.organ_id) {
    const own = reports.filter((r) => r.organ_id === me.organ_id).map((r) => r.year);
    // The year most likely wanted: the one after the latest, or last year's report.
    const year = own.length ? Math.max(...own) + 1 : new Date().getFullYear() - 1;
    $('new-year').value = String(year);
    $('new-report').hidden = false;
    $('new-report').onsubmit = (event) => {
      event.preventDefault();
      const wanted = $('new-year').value.trim();
      if (!/^\d{4}$/.test(wanted)) {
        notify(notice, '年度应为四位数字，如 2024', 'error');
        return;
      }
      location.assign(formPath(me.organ_id, wanted));
    };
  }
}

/** Next year's report begun from this one and saved as its first revision, then opened. */
async function startNextYear(organ, year) {
  document.body.dataset.busy = '1';
  notify(notice, `正在据 ${year} 年报告开始 ${year + 1} 年报告…`);
  const draft = await api('GET', `/api/reports/${organ}/${year}/next-year`);
  if (!draft.ok) {
    document.body.dataset.busy = '0';
    const errors = (draft.body && draft.body.diagnostics) || [];
    const more = errors.length ? `（${errors.length} 个错误，请先打开 ${year} 年报告改正）` : '';
    notify(notice, `${errorText(draft)}${more}`, 'error');
    return;
  }
  const saved = await api('PUT', `/api/reports/${organ}/${draft.body.year}`, { revision: 0, data: draft.body.data });
  document.body.dataset.busy = '0';
  if (saved.ok || saved.status === 409) {
    // 409: someone began it first; theirs is opened, nothing is overwritten.
    location.assign(formPath(organ, draft.body.year));
  } else {
    notify(notice, errorText(saved), 'error');
  }
}

start();
