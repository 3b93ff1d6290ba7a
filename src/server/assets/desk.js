// `/desk`: every organ's report for a year, for the county office: where each stands, who
// changed it last, the deadline and who missed it; return with a comment, approve, reopen.
// The page computes no status: the server's desk (GET /api/desk/{year}) says each one.

import { api, both, el, errorText, notify, signedInAdmin, when } from './app.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');

let desk = null;
let sort = { key: 'organ', up: true };

const ORDER = ['not-started', 'has-errors', 'returned', 'draft', 'submitted', 'approved'];

/** What each column sorts by. */
const KEYS = {
  organ: (row) => row.organ_name,
  parent: (row) => row.parent_name || '',
  standing: (row) => ORDER.indexOf(row.standing),
  errors: (row) => row.counts.errors,
  warnings: (row) => row.counts.warnings,
  changed: (row) => (row.last_change ? row.last_change.at : 0),
};

async function start() {
  if (!(await signedInAdmin(notice, '报告总览'))) return;
  const year = new URLSearchParams(location.search).get('year');
  await load(/^\d{4}$/.test(year || '') ? `/api/desk/${year}` : '/api/desk');
}

async function load(path) {
  document.body.dataset.busy = '1';
  const answer = await api('GET', path);
  document.body.dataset.busy = '0';
  if (!answer.ok) {
    notify(notice, errorText(answer), 'error');
    return;
  }
  show(answer.body);
}

function show(body) {
  desk = body;
  desk.rows.forEach((row, i) => { row.parent_name = desk.parents[i]; });
  $('desk').hidden = false;
  const labels = Object.fromEntries(desk.standings);
  desk.label = (standing) => labels[standing] || standing;
  const years = $('desk-year');
  years.replaceChildren(...desk.years.map((y) => el('option', { value: y, text: `${y} 年度`, selected: y === desk.year })));
  const status = $('filter-status');
  const chosen = status.value;
  status.replaceChildren(el('option', { value: '', text: '全部' }),
    ...desk.standings.map(([code, label]) => el('option', { value: code, text: label, selected: code === chosen })));
  $('deadline').value = desk.deadline;
  $('deadline-origin').textContent = desk.deadline_set ? '（已设置）' : '（默认：次年1月31日）';
  $('download-csv').href = `/desk/${desk.year}.csv`;
  $('download-xlsx').href = `/desk/${desk.year}.xlsx`;
  history.replaceState(null, '', `/desk?year=${desk.year}`);
  render();
}

function render() {
  const wanted = $('filter-status').value;
  const overdueOnly = $('filter-overdue').checked;
  const name = $('filter-name').value.trim();
  const rows = desk.rows.filter((row) => (!wanted || row.standing === wanted)
    && (!overdueOnly || row.overdue)
    && (!name || row.organ_name.includes(name) || (row.parent_name || '').includes(name)));
  const key = KEYS[sort.key];
  rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const order = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
    return sort.up ? order : -order;
  });
  $('desk-rows').replaceChildren(...rows.map(line));
  $('desk-empty').hidden = rows.length > 0;
  for (const button of document.querySelectorAll('button.sort')) {
    const th = button.parentElement;
    th.setAttribute('aria-sort', button.dataset.sort === sort.key ? (sort.up ? 'ascending' : 'descending') : 'none');
  }
  summary();
}

function summary() {
  const counts = desk.standings.map(([code, label]) => {
    const n = desk.rows.filter((row) => row.standing === code).length;
    return `${label} ${n}`;
  });
  const overdue = desk.rows.filter((row) => row.overdue).length;
  $('desk-summary').replaceChildren(
    `共 ${desk.rows.length} 个机关：${counts.join('，')}`,
    overdue ? el('strong', { class: 'overdue', text: `；逾期 ${overdue}` }) : '',
    `（提交期限 ${desk.deadline}）`);
}

function line(row) {
  const at = `${row.organ}/${desk.year}`;
  const status = el('td', { class: 'standing' },
    el('span', { class: `pill ${row.standing}`, 'data-standing': row.standing, text: desk.label(row.standing) }),
    row.overdue ? el('span', { class: 'pill overdue', text: '逾期' }) : '');
  if (row.return_comment && row.standing === 'returned') {
    status.append(el('span', { class: 'comment', title: row.return_comment, text: `退回意见：${row.return_comment}` }));
  }
  const started = row.revision !== null && row.revision !== undefined;
  const change = row.last_change;
  const actions = el('td', { class: 'actions' });
  actions.append(el('a', { class: 'button', href: `/form/${row.organ}/${desk.year}`, 'data-open': at },
    ...(started ? both('查看', 'Open') : both('填报', 'Begin'))));
  if (row.standing === 'submitted') {
    actions.append(
      el('button', { type: 'button', 'data-return': at, onclick: () => act('return', row) }, ...both('退回', 'Return')),
      el('button', { type: 'button', class: 'primary', 'data-approve': at, onclick: () => act('approve', row) }, ...both('通过', 'Approve')));
  }
  if (row.standing === 'approved') {
    actions.append(el('button', { type: 'button', class: 'danger', 'data-reopen': at, onclick: () => act('reopen', row) }, ...both('重新打开', 'Reopen')));
  }
  return el('tr', { 'data-organ': row.organ, class: row.overdue ? 'overdue' : undefined },
    el('td', { class: 'organ', text: row.organ_name }),
    el('td', { text: row.parent_name || '' }),
    status,
    el('td', { class: started && row.counts.errors ? 'count error' : 'count', text: started ? String(row.counts.errors) : '' }),
    el('td', { class: started && row.counts.warnings ? 'count warning' : 'count', text: started ? String(row.counts.warnings) : '' }),
    el('td', { class: 'changed', text: change ? `${when(change.at)} · ${change.user || '控制台'} · ${ACTIONS[change.action] || change.action}` : '' }),
    actions);
}

const ACTIONS = {
  save: '保存', restore: '恢复旧版本', submit: '提交', return: '退回', approve: '通过',
  reopen: '重新打开', 'set-status': '设置状态',
};

const ACTS = {
  return: { title: '退回报告', confirm: ['退回', 'Return'], comment: true, done: '已退回',
    text: (row) => `把「${row.organ_name}」${desk.year} 年度报告退回填报人修改。填报人打开报告时在最上方看到退回意见。` },
  approve: { title: '通过报告', confirm: ['通过', 'Approve'], comment: false, done: '已通过，报告已锁定',
    text: (row) => `通过「${row.organ_name}」${desk.year} 年度报告。通过后报告锁定，不能再保存；需要修改时由管理员重新打开。` },
  reopen: { title: '重新打开报告', confirm: ['重新打开', 'Reopen'], comment: false, done: '已重新打开，回到草稿',
    text: (row) => `重新打开已通过的「${row.organ_name}」${desk.year} 年度报告，使其回到草稿状态。此操作记入审计日志。` },
};

/** Asks before a return (with its comment), an approval or a reopening, then does it. */
function act(kind, row) {
  const what = ACTS[kind];
  const dialog = $('act-dialog');
  $('act-title').textContent = what.title;
  $('act-text').textContent = what.text(row);
  $('act-comment').hidden = !what.comment;
  $('act-comment-label').hidden = !what.comment;
  $('act-comment').value = '';
  $('act-comment').required = what.comment;
  $('act-error').hidden = true;
  $('act-confirm').replaceChildren(...both(...what.confirm));
  $('act-confirm').dataset.act = kind;
  $('act-form').onsubmit = async (event) => {
    event.preventDefault();
    const body = what.comment ? { comment: $('act-comment').value } : undefined;
    $('act-confirm').disabled = true;
    const answer = await api('POST', `/api/reports/${row.organ}/${desk.year}/${kind}`, body);
    $('act-confirm').disabled = false;
    if (!answer.ok) {
      notify($('act-error'), errorText(answer), 'error');
      return;
    }
    dialog.close();
    notify(notice, `「${row.organ_name}」${desk.year} 年度报告${what.done}`, 'ok');
    await load(`/api/desk/${desk.year}`);
  };
  $('act-cancel').onclick = () => dialog.close();
  dialog.showModal();
  (what.comment ? $('act-comment') : $('act-confirm')).focus();
}

$('desk-year').addEventListener('change', () => load(`/api/desk/${$('desk-year').value}`));
for (const id of ['filter-status', 'filter-overdue', 'filter-name']) {
  $(id).addEventListener('input', () => desk && render());
}
for (const button of document.querySelectorAll('button.sort')) {
  button.addEventListener('click', () => {
    const key = button.dataset.sort;
    sort = { key, up: sort.key === key ? !sort.up : true };
    render();
  });
}
$('deadline-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await api('PUT', `/api/desk/${desk.year}/deadline`, { due: $('deadline').value });
  if (!answer.ok) {
    notify(notice, errorText(answer), 'error');
    return;
  }
  notify(notice, `${desk.year} 年度报告的提交期限已设为 ${answer.body.deadline}`, 'ok');
  show(answer.body);
});

start();
