// `/bulk`, for admins: a collection workbook imported (POST /api/import) with each row's
// outcome and diagnostics, and a year's approved reports exported as one .zip
// (POST /api/export/{year}), its progress polled until the download is ready.

import { api, both, el, errorText, notify, signedInAdmin } from './app.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');

const OUTCOME = {
  created: ['新建', 'Created'],
  updated: ['更新', 'Updated'],
  refused: ['未导入', 'Refused'],
};

const SEVERITY = { error: '错误', warning: '警告', info: '提示' };

/** How often the export's progress is asked for. */
const POLL_MS = 400;

async function start() {
  if (!(await signedInAdmin(notice, '批量导入导出'))) return;
  $('bulk').hidden = false;
  $('export-year').value = String(new Date().getFullYear() - 1);
}

// ── Import ──────────────────────────────────────────────────────────────────

$('import-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('import-file').files[0];
  if (!file) return;
  const button = $('import-submit');
  button.disabled = true;
  document.body.dataset.busy = '1';
  notify(notice, `正在导入 ${file.name}…`);
  const answer = await api('POST', `/api/import?name=${encodeURIComponent(file.name)}`, file);
  button.disabled = false;
  document.body.dataset.busy = '0';
  if (!answer.ok) {
    const problems = (answer.body && answer.body.diagnostics) || [];
    notify(notice, [errorText(answer), ...problems.map((d) => el('span', { class: 'hint', text: ` ${where(d)}${d.message}` }))], 'error');
    $('import-results').hidden = true;
    $('import-totals').hidden = true;
    return;
  }
  notify(notice, '');
  showImport(answer.body);
});

/** Where a diagnostic points, as the spreadsheet says it: 县汇总.xlsx「报告数据」第5行 AL列. */
function where(d) {
  const cell = cellOf(d);
  return cell ? `${cell}：` : '';
}

function cellOf(d) {
  if (d.cell) return d.cell;
  const l = d.location;
  if (!l) return '';
  const sheet = l.sheet ? `「${l.sheet}」` : '';
  const row = l.line ? `第${l.line}行` : '';
  const column = l.column ? ` ${letters(l.column)}列` : '';
  return `${l.file}${sheet}${row}${column}`;
}

/** 1 → A, 27 → AA: the column as the spreadsheet names it. */
function letters(n) {
  let name = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) {
    name = String.fromCharCode(65 + ((k - 1) % 26)) + name;
  }
  return name;
}

function showImport(result) {
  const t = result.totals;
  const withErrors = t.saved_with_errors ? `（其中 ${t.saved_with_errors} 行有错误，存为草稿待改正）` : '';
  $('import-totals').textContent = `${result.file}：共 ${t.rows} 行，新建 ${t.created}，更新 ${t.updated}${withErrors}，未导入 ${t.refused}`;
  $('import-totals').hidden = false;
  const rows = result.rows.map((r) => {
    const outcome = OUTCOME[r.outcome] || [r.outcome, r.outcome];
    const details = el('td', { class: 'details' });
    if (r.reason) {
      details.append(el('p', { class: 'reason', text: r.reason.message },
        r.reason.hint ? el('span', { class: 'hint', text: r.reason.hint }) : null));
    }
    if (r.diagnostics.length) {
      details.append(el('ul', {}, ...r.diagnostics.map((d) => el('li', {},
        el('span', { class: `badge ${d.severity}`, text: SEVERITY[d.severity] || d.severity }), ' ',
        el('span', { class: 'cell', text: cellOf(d) }), ' ',
        d.label ? `${d.label}：` : '', d.message, ` [${d.rule}]`,
        d.hint ? el('span', { class: 'hint', text: d.hint }) : null))));
    }
    const organ = r.organ_id && r.year && r.outcome !== 'refused'
      ? el('a', { href: `/form/${r.organ_id}/${r.year}`, text: r.organ })
      : (r.organ || '—');
    return el('tr', { 'data-row': String(r.row), 'data-outcome': r.outcome },
      el('td', { text: String(r.row) }),
      el('td', { class: 'organ' }, organ),
      el('td', { text: r.year ? String(r.year) : '—' }),
      el('td', { class: `outcome ${r.outcome}` }, ...both(outcome[0], outcome[1])),
      el('td', { text: r.revision ? `第 ${r.revision} 版` : '—' }),
      el('td', { class: r.errors ? 'count error' : 'count', text: String(r.errors) }),
      el('td', { class: r.warnings ? 'count warning' : 'count', text: String(r.warnings) }),
      details);
  });
  $('import-rows').replaceChildren(...rows);
  $('import-results').hidden = false;
}

// ── Export ──────────────────────────────────────────────────────────────────

$('export-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const year = $('export-year').value.trim();
  if (!/^\d{4}$/.test(year)) {
    notify(notice, '年度应为四位数字，如 2024', 'error');
    return;
  }
  const button = $('export-start');
  button.disabled = true;
  $('export-download').hidden = true;
  const answer = await api('POST', `/api/export/${year}`);
  let job = answer.ok ? answer.body.job : null;
  if (answer.status === 409 && answer.body && answer.body.job) {
    // One is running for the year already: follow it.
    job = answer.body.job;
  } else if (!answer.ok) {
    button.disabled = false;
    notify(notice, errorText(answer), 'error');
    return;
  }
  notify(notice, '');
  $('export-status').hidden = false;
  await follow(job);
  button.disabled = false;
});

/** Polls the job until it is done or failed, showing its progress. */
async function follow(job) {
  for (;;) {
    const answer = await api('GET', `/api/export/${job}`);
    if (!answer.ok) {
      notify(notice, errorText(answer), 'error');
      return;
    }
    const s = answer.body;
    const progress = $('export-progress');
    progress.max = Math.max(s.total, 1);
    progress.value = s.done;
    if (s.state === 'done') {
      progress.value = progress.max;
      const failed = s.failed ? `，${s.failed} 份未能生成（见 manifest.csv）` : '';
      $('export-state').textContent = `已完成：${s.year} 年 ${s.total} 份报告${failed}`;
      const link = $('export-download');
      link.href = s.download;
      link.setAttribute('download', s.file);
      link.replaceChildren(...both(`下载 ${s.file}（${megabytes(s.size)}）`, 'Download'));
      link.hidden = false;
      return;
    }
    if (s.state === 'failed') {
      $('export-state').textContent = '导出失败';
      notify(notice, `导出失败：${s.error}`, 'error');
      return;
    }
    $('export-state').textContent = s.done < s.total ? `正在生成：${s.done} / ${s.total}` : '正在打包…';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function megabytes(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

start();
