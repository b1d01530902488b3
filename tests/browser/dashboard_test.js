// The dashboard in headless chromium (run by tests/browser/run, which seeds the database and starts
// the servers): node dashboard_test.js URL TOKEN SCREENSHOT
// Waits with time limits and asserts what the page shows, never how long it took.
'use strict';

const assert = require('node:assert/strict');
const puppeteer = require('puppeteer-core');

const [url, token, screenshot] = process.argv.slice(2);
const LIMIT = 120000;  // ms: the longest any one wait may take before the test fails
const JOB = 'mfk-nightly';

function log(message) { process.stdout.write('dashboard test: ' + message + '\n'); }

async function pageShowsJobs(page) {
  const cells = await (await page.waitForFunction((job) => {
    const tr = document.querySelector(`#jobs-table tr[data-job="${job}"]`);
    return tr && {
      next: tr.querySelector('.next-run').textContent,
      last: tr.querySelector('.last-result').textContent,
      state: tr.querySelector('.job-state').textContent,
    };
  }, { timeout: LIMIT }, JOB)).jsonValue();
  assert.match(cells.next, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'the job shows its next fire time');
  assert.match(cells.last, /^ok · run \d+/, 'the job shows its last result');
  return cells;
}

// The page redraws its tables and chart every few seconds. puppeteer's $$eval finds the nodes and reads
// them in two round trips, so a redraw in between hands it detached nodes (0 px wide); each check below
// therefore reads the document in one evaluation (one snapshot), and waits until that snapshot is complete.
async function chartHasPoints(page) {
  const handle = await page.waitForFunction(() => {
    const cs = [...document.querySelectorAll('#fill-chart svg circle.point')];
    if (cs.length === 0) return false;
    return cs.map((c) => ({
      field: c.getAttribute('data-field'), rate: Number(c.getAttribute('data-rate')),
      visible: c.isConnected && c.getBoundingClientRect().width > 0,
    }));
  }, { timeout: LIMIT });
  const points = await handle.jsonValue();
  assert.ok(points.length >= 3, 'the chart has a point per field and run');
  const bad = points.filter((p) => !(p.rate >= 0 && p.rate <= 1 && p.visible));
  assert.deepEqual(bad, [], 'every point is a visible rate');
  return points;
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: 'new',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--lang=zh-CN'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // The token is asked for once, by prompt(), when the first change is made.
    let prompts = 0;
    page.on('dialog', async (dialog) => {
      prompts += dialog.type() === 'prompt' ? 1 : 0;
      await dialog.accept(dialog.type() === 'prompt' ? token : undefined);
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: LIMIT });
    assert.equal(await page.evaluate(() => document.characterSet), 'UTF-8');
    assert.ok((await page.$eval('nav', (n) => n.textContent)).includes('任务'), 'Chinese text is in the page');

    await pageShowsJobs(page);
    log('the job is listed with its next run and last result');
    const before = await page.evaluate(async () => (await (await fetch('/api/v1/runs?limit=1')).json()).runs[0].id);

    await page.click(`#jobs-table tr[data-job="${JOB}"] button.run-now`);
    // The run appears (the detail opens on it), shows progress while it runs, and finishes.
    await page.waitForFunction((id) => Number(document.querySelector('#run-detail').getAttribute('data-run-id')) > id,
                               { timeout: LIMIT }, before);
    const run = await page.$eval('#run-detail', (d) => Number(d.getAttribute('data-run-id')));
    await page.waitForSelector(`#runs-table tr[data-run-id="${run}"]`, { timeout: LIMIT });
    log(`run ${run} appeared`);
    const progress = await (await page.waitForFunction(() => {
      const d = document.querySelector('#run-detail');
      const p = document.querySelector('#run-progress');
      const shown = d.getAttribute('data-state') === 'running' && !p.hidden &&
             /^[1-9]\d* fetched$/.test(p.querySelector('.fetched')?.textContent || '') &&
             /pages\/s$/.test(p.querySelector('.pages-per-second')?.textContent || '');
      return shown && p.textContent;
    }, { timeout: LIMIT })).jsonValue();
    log(`progress shown: ${progress}`);
    assert.match(progress, /queue \d+/);
    const outcome = await (await page.waitForFunction((id) => {
      const row = document.querySelector(`#runs-table tr[data-run-id="${id}"]`);
      return row && row.getAttribute('data-state') === 'finished' && row.getAttribute('data-outcome');
    }, { timeout: LIMIT }, run)).jsonValue();
    assert.equal(outcome, 'ok', 'the run finished ok');
    assert.equal(prompts, 1, 'the token was asked for once');
    log(`run ${run} finished ${outcome}`);

    // The first run's failures by reason, with example URLs (the saved pages link to pages the server
    // lacks; later runs fetch only the saved pages again).
    const first = await page.$eval('#runs-table tbody tr:last-child', (r) => Number(r.getAttribute('data-run-id')));
    await page.click('#runs-table tbody tr:last-child');
    const failures = await (await page.waitForFunction((id) => {
      if (Number(document.querySelector('#run-detail').getAttribute('data-run-id')) !== id) return false;
      const rows = [...document.querySelectorAll('#run-failures tbody tr')].filter((tr) => tr.querySelector('ul.examples li'));
      return rows.length ? rows.map((tr) => ({ reason: tr.cells[0].textContent, examples: tr.querySelectorAll('ul.examples li').length })) : false;
    }, { timeout: LIMIT }, first)).jsonValue();
    assert.match(failures[0].reason, /^http 404/, `run ${first}'s failures: ${JSON.stringify(failures)}`);
    log(`run ${first}'s failures: ${failures.map((f) => f.reason + ' (' + f.examples + ' examples)').join(', ')}`);

    await page.select('#site-select', 'mfk');
    const points = await chartHasPoints(page);
    log(`the fill-rate chart has ${points.length} points`);
    // A page's records beside its archived HTML, as text.
    await page.waitForSelector('#pages-table tbody tr[data-page-id]', { timeout: LIMIT });
    await page.$$eval('#pages-table tbody tr[data-page-id]', (rows) => {
      const ok = rows.find((r) => r.children[3].textContent === '200');
      (ok || rows[0]).click();
    });
    await page.waitForFunction(() => document.querySelector('#page-raw').textContent.includes('<html'), { timeout: LIMIT });
    assert.equal(await page.$$eval('#page-raw *', (n) => n.length), 0, 'the raw HTML is text, not elements');
    await page.screenshot({ path: screenshot, fullPage: true });
    log(`screenshot: ${screenshot}`);

    // A phone's width: the same page, nothing wider than the screen, the chart still there.
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.reload({ waitUntil: 'domcontentloaded', timeout: LIMIT });
    await pageShowsJobs(page);
    await chartHasPoints(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page fits 390 px (it is ${width} px wide)`);
    const button = await page.evaluate((job) =>
      document.querySelector(`#jobs-table tr[data-job="${job}"] button.run-now`).getBoundingClientRect().height, JOB);
    assert.ok(button >= 28, 'buttons stay big enough to tap');
    log('390 px: jobs, chart and no horizontal overflow');
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await browser.close();
  }
}

main().then(() => log('passed'), (e) => {
  process.stderr.write('dashboard test: FAILED: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
