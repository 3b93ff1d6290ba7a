// `/form/{organ}/{year}`: one report's form. The page computes nothing: as the clerk types it
// sends the data to POST /api/check and shows what the server's check gives back, the totals
// and every diagnostic at the cell or field its key names. Saving is PUT with the revision the
// page began from; a conflict shows both versions and lets the clerk choose.

import {
  Raw, api, both, copy, el, errorText, notify, session, signedIn, stringify, when,
} from './app.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');
const [, organId, year] = location.pathname.match(/^\/form\/(\d+)\/(\d+)$/) || [];
const reportPath = `/api/reports/${organId}/${year}`;

/** Where each key's diagnostics are shown (`data-cell`), and the controls by key. */
const cells = new Map([...document.querySelectorAll('[data-cell]')].map((c) => [c.dataset.cell, c]));
const inputs = [...document.querySelectorAll('#doc input[name], #doc textarea[name]')];
const outputs = [...document.querySelectorAll('#doc output[name]')];
/** Table 三's six applicant columns, in the order of a row written as an array. */
const columns = document.querySelector('table[data-columns]').dataset.columns.split(' ');
/** The keys the check computes and the page shows: never sent, never compared. */
const computed = new Set(outputs.map((o) => o.name));

const state = {
  me: null,
  organ: null,
  /** The data loaded or last saved; what the form does not show (acceptances, a seal) is kept. */
  base: null,
  revision: 0,
  exists: false,
  /** Errors of the saved revision: the files are made from it. */
  savedErrors: 0,
  edits: 0,
  savedEdits: 0,
  checks: 0,
  timer: null,
  pending: 0,
  conflict: null,
  /** The review: the report's status, its latest return comment, the saved warnings. */
  status: null,
  returnComment: null,
  savedWarnings: 0,
};

const STATUS = { draft: '草稿', submitted: '已提交', returned: '已退回', approved: '已通过' };

// ---- data in and out of the form -------------------------------------------------------

/** The value at a key path; a row of table 三 may be an array (columns in order). */
function valueAt(data, key) {
  let value = data;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (Array.isArray(value)) {
      const i = part === 'total' ? columns.length : columns.indexOf(part);
      value = i < 0 ? undefined : value[i];
    } else {
      value = value[part];
    }
  }
  return value;
}

function fill(data) {
  for (const input of inputs) {
    const value = valueAt(data, input.name);
    input.value = value === undefined || value === null ? '' : String(value);
  }
  $('title-organ').textContent = state.organ;
  $('title-year').textContent = year;
  $('i-signature.organ').placeholder = state.organ;
}

/** A table 三 row as an object of its columns, whatever form it came in; its total dropped. */
function rowObject(row) {
  if (Array.isArray(row)) {
    return Object.fromEntries(columns.map((c, i) => [c, row[i]]).filter(([, v]) => v !== undefined));
  }
  const object = { ...row };
  delete object.total;
  return object;
}

/** What a control holds, as the data file writes it; undefined for nothing written. */
function typed(input) {
  if (input.tagName === 'TEXTAREA') {
    // An empty preamble is left out: the program writes the standard one.
    return input.name === 'text.preamble' && !input.value.trim() ? undefined : input.value;
  }
  const text = input.value.trim();
  if (!text) return undefined;
  const mode = input.getAttribute('inputmode');
  // Digits as a number, kept as typed; anything else as the text it is, for the check to name.
  if (mode === 'numeric' && /^(0|[1-9][0-9]*)$/.test(text)) return new Raw(text);
  if (mode === 'decimal' && /^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(text)) return new Raw(text);
  return text;
}

function put(data, key, value) {
  const parts = key.split('.');
  let at = data;
  for (const part of parts.slice(0, -1)) {
    if (at[part] === null || typeof at[part] !== 'object') at[part] = {};
    at = at[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

/** The report data the form holds: the base, with every shown field as the clerk left it. */
function collect() {
  const data = copy(state.base);
  data.organ = state.organ;
  data.year = Number(year);
  const applications = data.applications && typeof data.applications === 'object' ? data.applications : {};
  data.applications = Object.fromEntries(Object.entries(applications)
    .filter(([row]) => !isResultsTotal(row))
    .map(([row, value]) => [row, value && typeof value === 'object' ? rowObject(value) : value]));
  for (const group of Object.values(data.review_litigation || {})) {
    if (group && typeof group === 'object') delete group.total;
  }
  for (const input of inputs) put(data, input.name, typed(input));
  // A row with nothing written is left out: it counts as 0, as the format says.
  for (const [row, value] of Object.entries(data.applications)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length) {
      delete data.applications[row];
    }
  }
  for (const part of ['contact', 'signature']) {
    if (data[part] && typeof data[part] === 'object' && !Object.keys(data[part]).length) delete data[part];
  }
  return data;
}

/** The （七）总计 row: computed whole, so a typed one in the data is not sent. */
function isResultsTotal(row) {
  return columns.every((c) => computed.has(`applications.${row}.${c}`));
}

// ---- the check -------------------------------------------------------------------------

function busy(change) {
  state.pending += change;
  const waiting = state.pending > 0 || state.timer !== null;
  document.body.dataset.busy = waiting ? '1' : '0';
  $('checking').replaceChildren(...(waiting ? both('正在检查…', 'Checking…') : []));
}

function scheduleCheck() {
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = null;
    check();
  }, 200);
  busy(0);
}

async function check() {
  const sequence = ++state.checks;
  busy(1);
  const answer = await api('POST', '/api/check', stringify(collect()));
  busy(-1);
  // A later check was asked for while this one ran: its answer is the one to show.
  if (sequence !== state.checks) return;
  if (answer.ok) {
    showTotals(answer.body.totals);
    showDiagnostics(answer.body.diagnostics);
    document.body.dataset.checked = String(sequence);
  } else {
    notify(notice, `检查失败：${errorText(answer)}`, 'error');
  }
}

function showTotals(totals) {
  for (const output of outputs) {
    const value = totals ? valueAt(totals, output.name) : undefined;
    output.value = value === undefined || value === null ? '—' : String(value);
  }
}

const SEVERITY = {
  error: ['错误', 'Error'],
  warning: ['警告', 'Warning'],
  info: ['提示', 'Note'],
  accepted: ['已接受', 'Accepted'],
};

/** The cells a key names: its own, or those under it (a table whose fields are missing). */
function cellsOf(key) {
  if (!key) return [];
  if (key === 'year') return [cells.get('organ')];
  if (cells.has(key)) return [cells.get(key)];
  return [...cells.entries()].filter(([k]) => k.startsWith(`${key}.`)).map(([, c]) => c);
}

function clearMarks() {
  for (const cell of cells.values()) {
    cell.classList.remove('has-error', 'has-warning', 'has-info', 'has-accepted', 'bubble-left');
    cell.removeAttribute('title');
    for (const old of cell.querySelectorAll(':scope > .messages')) old.remove();
  }
}

/** Each cell's place in the page, to list the findings in the order of the document. */
const order = new Map([...cells.values()].map((cell, i) => [cell, i]));

function showDiagnostics(diagnostics) {
  clearMarks();
  const marked = new Map();
  const items = [];
  const counts = { error: 0, warning: 0, info: 0, accepted: 0 };
  const placed = diagnostics.map((d) => ({ d, targets: cellsOf(d.key) }));
  placed.sort((a, b) => (a.targets.length ? order.get(a.targets[0]) : -1)
    - (b.targets.length ? order.get(b.targets[0]) : -1));
  for (const { d, targets } of placed) {
    const kind = d.accepted ? 'accepted' : d.severity;
    counts[kind] = (counts[kind] || 0) + 1;
    const text = `${SEVERITY[kind][0]}：${d.message}`;
    for (const cell of targets) {
      if (!marked.has(cell)) marked.set(cell, []);
      marked.get(cell).push({ kind, text, hint: d.hint });
    }
    const name = d.label || d.key || '报告';
    const where = targets.length
      ? el('a', { href: `#${targets[0].id}`, class: 'where', onclick: (e) => { e.preventDefault(); focusCell(targets[0]); } }, name)
      : el('span', { class: 'where' }, name);
    items.push(el('li', { class: `problem ${kind}`, 'data-key': d.key || '', 'data-rule': d.rule },
      el('span', { class: `badge ${kind}`, text: SEVERITY[kind][0] }), ' ', where, '：', d.message,
      d.hint ? el('span', { class: 'hint', text: d.hint }) : null,
      d.accepted ? el('span', { class: 'hint', text: `接受的理由：${d.accepted}` }) : null));
  }
  for (const [cell, messages] of marked) {
    const worst = ['error', 'warning', 'info', 'accepted'].find((k) => messages.some((m) => m.kind === k));
    cell.classList.add(`has-${worst}`);
    cell.title = messages.map((m) => m.text).join('\n');
    const box = el('div', { class: 'messages', role: 'note' },
      ...messages.map((m) => el('p', { class: m.kind, text: m.text },
        m.hint ? el('span', { class: 'hint', text: m.hint }) : null)));
    // A cell in the left half of its table opens its message to the right, and the reverse.
    const table = cell.closest('table');
    if (table) {
      const c = cell.getBoundingClientRect();
      const t = table.getBoundingClientRect();
      if (c.left + c.width / 2 < t.left + t.width / 2) cell.classList.add('bubble-left');
    }
    cell.append(box);
  }
  $('problem-list').replaceChildren(...items);
  $('problems-none').hidden = diagnostics.length > 0;
  const shown = [];
  if (counts.error) shown.push(el('span', { class: 'count error', text: `${counts.error} 个错误` }));
  if (counts.warning) shown.push(el('span', { class: 'count warning', text: `${counts.warning} 个警告` }));
  if (counts.info) shown.push(el('span', { class: 'count info', text: `${counts.info} 个提示` }));
  if (!shown.length) shown.push(el('span', { class: 'count ok', text: '没有错误' }));
  $('counts').replaceChildren(...shown);
}

function focusCell(cell) {
  const control = cell.querySelector('input, textarea') || cell;
  cell.scrollIntoView({ block: 'center' });
  if (control.focus) control.focus();
}

// ---- status, saving, conflicts -----------------------------------------------------------

function dirty() {
  return state.edits !== state.savedEdits;
}

function updateStatus() {
  $('revision').replaceChildren(...(state.exists
    ? both(`第 ${state.revision} 版`, `Revision ${state.revision}`)
    : both('新报告，尚未保存', 'New, not saved yet')));
  $('dirty').replaceChildren(...(dirty() ? both('有未保存的修改', 'Unsaved changes') : (state.exists ? both('已保存', 'Saved') : [])));
  $('dirty').className = dirty() ? 'dirty unsaved' : 'dirty';
  let reason = '';
  if (!state.exists) reason = '保存后才能生成文件。';
  else if (state.savedErrors > 0) reason = `已保存的第 ${state.revision} 版有 ${state.savedErrors} 个错误，改正并保存后才能生成文件。`;
  else if (dirty()) reason = `文件按已保存的第 ${state.revision} 版生成，不含未保存的修改。`;
  const ready = state.exists && state.savedErrors === 0;
  // The PDF and the page open in a tab of their own; the .docx is a download.
  for (const [id, ext, tab] of [['dl-pdf', 'pdf', true], ['dl-docx', 'docx', false], ['dl-html', 'html', true]]) {
    const link = $(id);
    if (ready) {
      link.href = `/reports/${organId}/${year}.${ext}`;
      if (tab) {
        link.target = '_blank';
        link.rel = 'noopener';
      }
      link.removeAttribute('aria-disabled');
      link.classList.remove('disabled');
      link.removeAttribute('title');
    } else {
      for (const name of ['href', 'target', 'rel']) link.removeAttribute(name);
      link.setAttribute('aria-disabled', 'true');
      link.classList.add('disabled');
      link.title = reason;
    }
  }
  $('dl-reason').textContent = reason;
  updateReview();
}

/** The status, the comment of a return at the top, and whether the report can be submitted. */
function updateReview() {
  const status = state.exists ? state.status : null;
  $('review').textContent = status ? (STATUS[status] || status) : '';
  const comment = status === 'returned' ? state.returnComment : null;
  $('return-comment').hidden = !comment;
  $('return-comment').textContent = comment ? `退回意见：${comment}` : '';
  $('ack-label').hidden = !(state.savedWarnings > 0 && (status === 'draft' || status === 'returned'));
  const can = (status === 'draft' || status === 'returned') && !dirty() && state.savedErrors === 0;
  $('submit').disabled = !can;
  $('submit').title = can ? '' : (status === 'submitted' || status === 'approved'
    ? `报告${STATUS[status]}`
    : '保存且没有错误后才能提交。');
  if (status === 'approved') {
    $('save').disabled = true;
    $('save').title = '已通过的报告已锁定，由管理员重新打开后才能修改。';
  }
}

/** The report's status and return comment, and the saved revision's counts, from the server. */
async function refreshReview() {
  const answer = await api('GET', reportPath);
  if (!answer.ok) return;
  state.status = answer.body.status;
  state.returnComment = answer.body.return_comment;
  if (answer.body.revision === state.revision) {
    state.savedErrors = answer.body.errors;
    state.savedWarnings = answer.body.warnings;
  }
  updateStatus();
}

async function submitReport() {
  $('submit').disabled = true;
  const answer = await api('POST', `${reportPath}/submit`, { acknowledge_warnings: $('ack').checked });
  if (answer.ok) {
    state.status = answer.body.status;
    state.returnComment = answer.body.return_comment;
    notify(notice, '已提交，等待审核。', 'ok');
  } else {
    notify(notice, `没有提交：${errorText(answer)}`, 'error');
  }
  updateStatus();
}

async function save(base = state.revision) {
  const data = collect();
  const edits = state.edits;
  $('save').disabled = true;
  busy(1);
  notify(notice, '正在保存…');
  let answer = await api('PUT', reportPath, { revision: base, data });
  if (answer.status === 403 && answer.body && answer.body.error && answer.body.error.key === 'csrf') {
    // The token of an older login in another tab: take this session's and try once more.
    await session();
    answer = await api('PUT', reportPath, { revision: base, data });
  }
  busy(-1);
  $('save').disabled = false;
  if (answer.ok) {
    state.base = data;
    state.revision = answer.body.revision;
    state.exists = true;
    state.savedEdits = edits;
    state.savedErrors = answer.body.diagnostics.filter((d) => d.severity === 'error' && !d.accepted).length;
    $('conflict').hidden = true;
    showTotals(answer.body.totals);
    showDiagnostics(answer.body.diagnostics);
    notify(notice, `已保存为第 ${state.revision} 版。`, 'ok');
    if ($('revisions').open) loadRevisions();
    await refreshReview();
  } else if (answer.status === 409 && answer.body.current_revision !== undefined) {
    await showConflict(answer.body, data);
  } else if (answer.status === 401) {
    notify(notice, [
      '登录已过期，没有保存。本页的修改仍在：请在',
      el('a', { href: '/', target: '_blank', rel: 'noopener', text: '新标签页中登录' }),
      '后回到这里再保存。',
    ], 'error');
  } else {
    notify(notice, `没有保存：${errorText(answer)}`, 'error');
    if (answer.body && answer.body.diagnostics) showDiagnostics(answer.body.diagnostics);
  }
  updateStatus();
}

/** A report's values by key, as text: what a clerk would compare. */
function flatten(data, prefix = '', out = new Map()) {
  if (data instanceof Raw || data === null || typeof data !== 'object') {
    if (prefix && !computed.has(prefix)) out.set(prefix, data === null || data === undefined ? '' : String(data));
    return out;
  }
  const inRow = /^applications\.[a-z_]+$/.test(prefix);
  const entries = Array.isArray(data)
    ? data.map((v, i) => [inRow ? (columns[i] || 'total') : String(i), v])
    : Object.entries(data);
  for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

function labelOf(key) {
  const cell = cells.get(key);
  return cell && cell.dataset.label ? `${cell.dataset.label}（${key}）` : key;
}

async function showConflict(body, mine) {
  state.conflict = body;
  const theirs = body.current_data || {};
  const a = flatten(mine);
  const b = flatten(theirs);
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => (a.get(k) || '') !== (b.get(k) || ''));
  // Who saved it, when: the last revision of the list.
  const list = await api('GET', `${reportPath}/revisions`);
  const last = list.ok ? list.body.find((r) => r.revision === body.current_revision) : null;
  const by = last ? `由 ${last.author || '（已删除的账号）'} 于 ${when(last.saved)} ` : '';
  $('conflict-text').textContent = `您是在第 ${state.revision} 版上修改的，而第 ${body.current_revision} 版已${by}保存，`
    + `您的修改没有保存。两者有 ${keys.length} 处不同：`;
  $('conflict-theirs').replaceChildren(...both(`第 ${body.current_revision} 版`, `Revision ${body.current_revision}`));
  $('conflict-rows').replaceChildren(...keys.map((k) => el('tr', { 'data-key': k },
    el('th', { scope: 'row', text: labelOf(k) }),
    el('td', { class: 'value', text: a.has(k) ? a.get(k) : '（没有）' }),
    el('td', { class: 'value', text: b.has(k) ? b.get(k) : '（没有）' }))));
  $('conflict').hidden = false;
  notify(notice, '没有保存：别人先保存了这份报告。请在下面选择保留哪一份。', 'error');
  $('conflict').scrollIntoView({ block: 'start' });
}

$('keep-theirs').addEventListener('click', () => {
  const body = state.conflict;
  if (!body) return;
  state.base = body.current_data;
  state.revision = body.current_revision;
  state.exists = true;
  state.savedEdits = state.edits;
  state.savedErrors = 0;
  fill(state.base);
  $('conflict').hidden = true;
  notify(notice, `已载入第 ${state.revision} 版，您的修改已放弃。`, 'ok');
  // The saved revision's own error count, for the downloads.
  refreshSavedErrors();
  check();
  updateStatus();
});

$('overwrite').addEventListener('click', () => {
  if (state.conflict) save(state.conflict.current_revision);
});

async function refreshSavedErrors() {
  const answer = await api('GET', reportPath);
  if (answer.ok && answer.body.revision === state.revision) {
    state.savedErrors = answer.body.errors;
    updateStatus();
  }
}

// ---- revisions -----------------------------------------------------------------------------

async function loadRevisions() {
  const answer = await api('GET', `${reportPath}/revisions`);
  if (!answer.ok) {
    $('revision-rows').replaceChildren(el('tr', {}, el('td', { colspan: 7, text: errorText(answer) })));
    return;
  }
  const rows = answer.body.slice().reverse().map((r) => el('tr', { 'data-revision': r.revision },
    el('td', { text: `第 ${r.revision} 版` }),
    el('td', { text: r.author || '—' }),
    el('td', { text: when(r.saved) }),
    el('td', { class: r.errors ? 'count error' : 'count', text: String(r.errors) }),
    el('td', { class: r.warnings ? 'count warning' : 'count', text: String(r.warnings) }),
    el('td', { text: r.restored_from ? `恢复自第 ${r.restored_from} 版` : '' }),
    el('td', {}, r.revision === state.revision
      ? el('span', { text: '当前' })
      : el('button', { type: 'button', onclick: () => restore(r.revision) }, ...both('恢复', 'Restore')))));
  $('revision-rows').replaceChildren(...rows);
}

async function restore(n) {
  if (dirty() && !window.confirm(`恢复第 ${n} 版会放弃本页未保存的修改。继续吗？`)) return;
  const answer = await api('POST', `${reportPath}/revisions/${n}/restore`);
  if (!answer.ok) {
    notify(notice, `没有恢复：${errorText(answer)}`, 'error');
    return;
  }
  await load();
  notify(notice, `已把第 ${n} 版恢复为第 ${answer.body.revision} 版。`, 'ok');
  loadRevisions();
}

$('revisions').addEventListener('toggle', () => {
  if ($('revisions').open) loadRevisions();
});

// ---- placeholders --------------------------------------------------------------------------

let pickerFor = null;

for (const button of document.querySelectorAll('button.insert')) {
  button.addEventListener('click', () => {
    pickerFor = document.getElementById(`i-${button.dataset.for}`);
    button.closest('.field').append($('picker'));
    $('picker').hidden = false;
    $('placeholder-name').focus();
  });
}

$('insert-placeholder').addEventListener('click', () => {
  if (!pickerFor) return;
  const text = `{{ ${$('placeholder-name').value} }}`;
  pickerFor.focus();
  pickerFor.setRangeText(text, pickerFor.selectionStart, pickerFor.selectionEnd, 'end');
  pickerFor.dispatchEvent(new Event('input', { bubbles: true }));
});

$('close-picker').addEventListener('click', () => {
  $('picker').hidden = true;
});

// ---- start ---------------------------------------------------------------------------------

$('doc').addEventListener('input', (event) => {
  if (!event.target.name) return;
  // “已保存” is past once the clerk edits again; a refusal stays until it is dealt with.
  if (notice.classList.contains('ok')) notify(notice, '');
  state.edits += 1;
  updateStatus();
  scheduleCheck();
});

$('save').addEventListener('click', () => save());
$('submit').addEventListener('click', () => submitReport());

document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === 's') {
    event.preventDefault();
    if (!$('save').disabled) save();
  }
});

window.addEventListener('beforeunload', (event) => {
  if (dirty()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

/** The current revision from the server, or a new report when there is none. */
async function load() {
  const answer = await api('GET', reportPath);
  if (answer.ok) {
    state.base = answer.body.data;
    state.revision = answer.body.revision;
    state.exists = true;
    state.savedErrors = answer.body.errors;
    state.savedWarnings = answer.body.warnings;
    state.status = answer.body.status;
    state.returnComment = answer.body.return_comment;
    state.organ = typeof state.base.organ === 'string' ? state.base.organ : state.organ;
  } else if (answer.status === 404 && answer.body && answer.body.error && answer.body.error.key === 'no-such-report') {
    state.organ = await organName();
    if (!state.organ) {
      notify(notice, `没有编号为 ${organId} 的机关的报告，也无从得知它的名称。`, 'error');
      return false;
    }
    state.base = { organ: state.organ, year: Number(year), text: { overview: '', problems: '', other: '' } };
    state.revision = 0;
    state.exists = false;
    state.savedErrors = 0;
  } else {
    notify(notice, errorText(answer), 'error');
    return false;
  }
  fill(state.base);
  state.edits = 0;
  state.savedEdits = 0;
  document.title = `${state.organ} ${year} 年 · 填报`;
  updateStatus();
  await check();
  return true;
}

/** A new report's organ: the clerk's own, or one the list of reports names. */
async function organName() {
  if (String(state.me.organ_id) === organId && state.me.organ) return state.me.organ;
  const list = await api('GET', '/api/reports');
  const found = list.ok ? list.body.find((r) => String(r.organ_id) === organId) : null;
  return found ? found.organ : null;
}

async function start() {
  if (!organId) {
    notify(notice, '地址应为 /form/机关编号/年度', 'error');
    return;
  }
  const me = await session();
  if (me.status === 401) {
    location.replace(`/?next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  if (!me.ok) {
    notify(notice, errorText(me), 'error');
    return;
  }
  state.me = me.body;
  signedIn(me.body, $('who'), $('logout'));
  if (await load() && state.status !== 'approved') $('save').disabled = false;
  busy(0);
}

start();
