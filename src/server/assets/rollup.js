// `/rollup`: the county's roll-up (汇总) for admins. The page computes nothing: it asks
// /api/rollup for the year, the set of organs and which reports to take, and shows what comes
// back — the organs counted and those left out with why, tables 二, 三 and 四 of the sum in the
// form's layout, each parent's differences from its children's sum — with the file links.

import { api, both, el, errorText, notify, signedInAdmin } from './app.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');

const STATUS = { draft: '草稿', submitted: '已提交', returned: '已退回', approved: '已通过' };

/** The query the page was opened with, or last year's roll-up of every organ. */
function asked() {
  const params = new URLSearchParams(location.search);
  const year = params.get('year') || String(new Date().getFullYear() - 1);
  return { year, set: params.get('set') || 'all', only: params.get('only') || 'approved' };
}

/** The chooser set to a query. */
function choose(query) {
  $('year').value = query.year;
  $('only').value = query.only === 'all' ? 'all' : 'approved';
  const [kind, rest] = query.set.split(':');
  $('set').value = ['all', 'children', 'ids'].includes(kind) ? kind : 'all';
  $('parent').dataset.wanted = kind === 'children' ? rest : '';
  $('ids').dataset.wanted = kind === 'ids' ? rest : '';
  showSetParts();
}

function showSetParts() {
  $('parent').hidden = $('set').value !== 'children';
  $('ids').hidden = $('set').value !== 'ids';
}

/** The query the chooser says. */
function chosen() {
  let set = 'all';
  if ($('set').value === 'children' && $('parent').value) set = `children:${$('parent').value}`;
  if ($('set').value === 'ids') {
    const ids = [...document.querySelectorAll('#id-boxes input:checked')].map((b) => b.value);
    set = `ids:${ids.join(',')}`;
  }
  return { year: $('year').value.trim(), set, only: $('only').value };
}

/** The organs to choose from: parents for 「某机关的下级机关」, every organ for 「指定的机关」. */
function organChoices(organs) {
  const parents = organs.filter((o) => organs.some((c) => c.parent === o.id));
  const wantedParent = $('parent').dataset.wanted || $('parent').value;
  $('parent').replaceChildren(...parents.map((o) => el('option', { value: o.id, text: o.name })));
  if (wantedParent) $('parent').value = wantedParent;
  const checked = new Set(($('ids').dataset.wanted || '').split(',').filter(Boolean));
  for (const box of document.querySelectorAll('#id-boxes input:checked')) checked.add(box.value);
  $('id-boxes').replaceChildren(...organs.map((o) => el('label', { class: 'id-box' },
    el('input', { type: 'checkbox', value: o.id, checked: checked.has(String(o.id)) }), ` ${o.name}`)));
  $('parent').dataset.wanted = '';
  $('ids').dataset.wanted = '';
}

async function load(query) {
  document.body.dataset.busy = '1';
  const params = new URLSearchParams(query).toString();
  history.replaceState(null, '', `/rollup?${params}`);
  const answer = await api('GET', `/api/rollup?${params}`);
  document.body.dataset.busy = '0';
  if (!answer.ok) {
    notify(notice, errorText(answer), 'error');
    return;
  }
  notify(notice, '');
  show(answer.body);
}

function show(r) {
  organChoices(r.organs);
  const onlyText = r.only === 'approved' ? '只含已通过的报告' : '全部已保存的报告';
  $('title').textContent = `${r.year} 年度 · ${r.title}汇总`;
  $('summary').textContent = `${r.year} 年度 · ${r.title} · ${onlyText}：计入 ${r.included.length} 个机关，未计入 ${r.left_out.length} 个`;
  for (const [id, href] of [['dl-xlsx', r.xlsx], ['dl-toml', r.toml]]) {
    $(id).href = href;
    $(id).classList.remove('disabled');
  }
  $('included').replaceChildren(...r.included.map((t) => el('li', {},
    el('span', { class: 'organ', text: t.organ }),
    ` 第 ${t.revision} 版 · ${STATUS[t.status] || t.status}`,
    t.warnings ? el('span', { class: 'count warning', text: ` · ${t.warnings} 个警告` }) : null)));
  $('included-none').hidden = r.included.length > 0;
  $('left-out').replaceChildren(...r.left_out.map((l) => el('li', { class: `why-${l.reason}` },
    el('span', { class: 'organ', text: l.organ }), '：', l.message)));
  $('left-out-none').hidden = r.left_out.length > 0;
  for (const output of document.querySelectorAll('#doc output')) {
    const value = r.figures[output.name];
    output.textContent = value === undefined ? '' : String(value);
  }
  $('parent-list').replaceChildren(...r.parents.map(parentCheck));
  $('parents-none').hidden = r.parents.length > 0;
}

/** One parent against its children's sum. */
function parentCheck(p) {
  const names = p.children.map((c) => c.organ).join('、') || '无';
  const box = el('div', { class: 'parent', id: `parent-${p.organ_id}` },
    el('h3', { text: `${p.organ} ↔ 下级合计（${p.children.length} 个机关：${names}）` }));
  if (p.children_left_out.length) {
    box.append(el('p', { class: 'help', text: `未计入下级合计：${p.children_left_out.map((l) => `${l.organ}（${l.message}）`).join('；')}` }));
  }
  if (!p.compared) {
    box.append(el('p', { class: 'help', text: `未比较：${p.reason || ''}` }));
    return box;
  }
  if (!p.differences.length) {
    box.append(el('p', { class: 'ok', text: '各数与下级合计相同。' }));
    return box;
  }
  const verdict = p.inconsistent
    ? el('p', { class: 'count error', text: `${p.inconsistent} 处少于下级合计（不一致），${p.differences.length - p.inconsistent} 处多于下级合计。` })
    : el('p', { class: 'count ok', text: `${p.differences.length} 处多于下级合计（本机关自身的数），没有少于下级合计的。` });
  const rows = p.differences.map((d) => el('tr', { class: d.consistent ? '' : 'bad', 'data-key': d.key },
    el('td', { text: `表${d.table}` }),
    el('td', { text: d.label }),
    el('td', { class: 'num', text: String(d.parent) }),
    el('td', { class: 'num', text: String(d.children) }),
    el('td', { class: 'num', text: signed(d.difference) }),
    el('td', { text: d.consistent ? '上级多于下级合计' : '上级少于下级合计' })));
  box.append(verdict, el('table', { class: 'list diff' },
    el('thead', {}, el('tr', {}, ...[['表', 'Table'], ['项目', 'Cell'], ['上级机关', 'Parent'],
      ['下级合计', 'Children'], ['差额', 'Difference'], ['判断', 'Verdict']]
      .map(([zh, en]) => el('th', { scope: 'col' }, ...both(zh, en))))),
    el('tbody', {}, ...rows)));
  return box;
}

function signed(value) {
  const text = String(value);
  return text.startsWith('-') || text === '0' ? text : `+${text}`;
}

async function start() {
  if (!(await signedInAdmin(notice, '汇总'))) return;
  const query = asked();
  choose(query);
  await load(query);
}

$('set').addEventListener('change', showSetParts);
$('choose').addEventListener('submit', async (event) => {
  event.preventDefault();
  await load(chosen());
});

start();
