/**
 * Browser test of the web release station page in headless Debian Chromium: the page router on the site's
 * HTTP scaffold (helmet included, as in production) beside a small in-memory terminal API that follows the
 * contract. Checks the page only: rendering, escaping of hostile job names, French, keyboard-only use, card
 * readers, the idle logout, the error messages, the CSP and the screenshots a person can look at.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createHttpApp, createSilentLogger, HttpServer } from '@quire/common';
import { type Browser, type BrowserContext, type Page, launchChromium } from '@quire/testkit';
import { terminalAssetsDir, terminalPageRouter } from '../src/terminal/web/terminal-page.routes';
import {
  ALICE,
  FakeTerminalApi,
  HOSTILE_NAME,
  LOCKED_PIN,
  PRINTER,
  job,
  standardJobs,
} from './release-station-fake-api';
import * as station from './release-station-page';

describe('web release station page (Chromium)', function () {
  const api = new FakeTerminalApi();
  const http = new HttpServer();
  let browser: Browser;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  async function newPage(locale = 'en-GB'): Promise<Page> {
    await context?.close();
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale,
      timezoneId: 'Europe/Paris',
    });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`unexpected dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    return page;
  }

  const text = (selector: string) => page.locator(selector).innerText();

  before(async function () {
    this.timeout(180_000);
    const app = createHttpApp({
      logger: createSilentLogger(),
      metrics: new Registry(),
      mount: (express) => {
        express.use(terminalPageRouter());
        express.use(api.router());
      },
    });
    baseUrl = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    browser = await launchChromium();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await http.close(5_000);
  });

  beforeEach(async () => {
    problems = [];
    api.reset(standardJobs());
    await newPage();
  });

  afterEach(() => expect(problems).to.deep.equal([]));

  it('serves the page with a strict CSP and no-store, and only the known assets', async () => {
    const res = await fetch(`${baseUrl}/terminal/${PRINTER.id}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).to.match(/^default-src 'self';/);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const html = await res.text();
    expect(html).not.to.match(/\son[a-z]+\s*=/i);
    expect(html).not.to.match(/<style|<script(?![^>]*\ssrc=)|\sstyle=|https?:\/\//i);
    const types = {
      'release-station.css': 'text/css; charset=utf-8',
      'release-station.js': 'text/javascript; charset=utf-8',
      'release-station-api.js': 'text/javascript; charset=utf-8',
      'release-station-card.js': 'text/javascript; charset=utf-8',
      'release-station-rows.js': 'text/javascript; charset=utf-8',
      'release-station-text.js': 'text/javascript; charset=utf-8',
      'release-station.i18n.json': 'application/json; charset=utf-8',
    };
    for (const [file, type] of Object.entries(types)) {
      const asset = await fetch(`${baseUrl}/terminal/assets/${file}`);
      expect(asset.status, file).to.equal(200);
      expect(asset.headers.get('content-type'), file).to.equal(type);
      expect(await asset.text(), file).not.to.match(/https?:\/\//);
    }
    for (const probe of [
      'terminal-page.routes.ts',
      '..%2Fweb%2Frelease-station.html',
      'release-station.html',
    ]) {
      const missing = await fetch(`${baseUrl}/terminal/assets/${probe}`);
      expect(missing.status, probe).to.equal(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).to.equal('NOT_FOUND');
    }
    const texts = JSON.parse(readFileSync(`${terminalAssetsDir()}/release-station.i18n.json`, 'utf8')) as {
      en: object;
      fr: object;
    };
    expect(Object.keys(texts.fr).sort()).to.deep.equal(Object.keys(texts.en).sort());
  });

  it('shows the printer, logs in by PIN and lists each job in English', async () => {
    await station.openStation(page, baseUrl, PRINTER.id);
    expect(await text('#printer-name')).to.equal(PRINTER.name);
    expect(await text('#login-heading')).to.equal('Release your print jobs');
    await station.screenshot(page, 'login-en');
    await station.loginWithPin(page, ALICE.pin);
    expect(api.logins).to.deep.equal([{ printerId: PRINTER.id, pin: ALICE.pin }]);
    expect(await text('#user-name')).to.equal('Logged in as Alice Martin');
    const rows = await station.jobRows(page);
    expect(rows.map((row) => row.name)).to.deep.equal(['Quarterly report.pdf', 'Minutes.docx', 'Poster A3']);
    expect(rows[0]).to.include({
      pages: 12,
      colour: '3 colour · 9 mono',
      copies: '2',
      price: '€1.20',
      owner: '',
    });
    expect(rows[0].submitted).to.match(/^\d\d:\d\d$/);
    expect(rows[1]).to.include({ owner: 'from Bob Durand', price: '—' });
    expect(rows[2]).to.include({ pages: 1, colour: '1 colour · 0 mono', copies: '1', price: '€0.50' });
    expect(rows[2].submitted).to.match(/^\d\d\/\d\d\/\d{4}, \d\d:\d\d$/);
    expect(await text('#jobs-count')).to.equal('3 jobs waiting');
    await station.screenshot(page, 'jobs-en');
  });

  it('shows a hostile job name as text and runs nothing from it', async () => {
    api.reset([job('j9', HOSTILE_NAME)]);
    await station.openStation(page, baseUrl, PRINTER.id);
    await station.loginWithPin(page, ALICE.pin);
    expect((await station.jobRows(page))[0].name).to.equal(HOSTILE_NAME);
    await station.jobRow(page, HOSTILE_NAME).locator('.job-delete').click();
    expect(await text('#confirm-body')).to.contain(HOSTILE_NAME);
    await station.screenshot(page, 'confirm-delete-en');
    expect(await page.locator('img').count()).to.equal(0);
    await page.locator('#confirm-cancel').click();
    await station.releaseJob(page, HOSTILE_NAME);
    expect(await station.stationNotice(page)).to.equal(`“${HOSTILE_NAME}” sent to the printer.`);
    expect(await page.locator('img').count()).to.equal(0);
  });

  it('speaks French from navigator.language, from ?lang= and after the toggle', async () => {
    await newPage('fr-FR');
    await station.openStation(page, baseUrl, PRINTER.id);
    expect(await page.getAttribute('html', 'lang')).to.equal('fr');
    expect(await text('#login-heading')).to.equal('Libérez vos impressions');
    await station.screenshot(page, 'login-fr');
    await station.loginWithPin(page, ALICE.pin);
    const rows = await station.jobRows(page);
    expect(rows[0]).to.include({ colour: '3 couleur · 9 N&B', price: '1,20\u00a0€' });
    expect(rows[1].owner).to.equal('de Bob Durand');
    expect(await text('#release-all')).to.equal('Tout imprimer');
    await station.screenshot(page, 'jobs-fr');
    await page.locator('#lang-toggle').click();
    expect(await text('#release-all')).to.equal('Print all');
    expect((await station.jobRows(page))[0].colour).to.equal('3 colour · 9 mono');
    await station.openStation(page, baseUrl, PRINTER.id, { lang: 'en' });
    expect(await text('#login-heading')).to.equal('Release your print jobs');
    await newPage('en-US');
    await station.openStation(page, baseUrl, PRINTER.id, { lang: 'fr' });
    expect(await text('#login-heading')).to.equal('Libérez vos impressions');
  });

  it('logs in by card when a reader types fast, by PIN when a person types, and by password', async () => {
    await station.openStation(page, baseUrl, PRINTER.id);
    // A card works wherever the focus is, here in the username field of the other login form.
    await page.locator('#mode-password').click();
    await station.loginWithCard(page, ALICE.card);
    expect(api.logins.at(-1)).to.deep.equal({ printerId: PRINTER.id, card: ALICE.card });
    await station.logout(page);
    await page.keyboard.type(ALICE.pin, { delay: 120 });
    await page.keyboard.press('Enter');
    await page.locator('#jobs-view').waitFor();
    expect(api.logins.at(-1)).to.deep.equal({ printerId: PRINTER.id, pin: ALICE.pin });
    await station.logout(page);
    await page.locator('#mode-password').click();
    await page.locator('#username-input').fill(ALICE.username);
    await page.locator('#password-input').fill(ALICE.password);
    await page.keyboard.press('Enter');
    await page.locator('#jobs-view').waitFor();
    const { username, password } = ALICE;
    expect(api.logins.at(-1)).to.deep.equal({ printerId: PRINTER.id, username, password });
  });

  it('can be used with the keyboard alone, with a visible focus', async () => {
    await station.openStation(page, baseUrl, PRINTER.id);
    await page.keyboard.type(ALICE.pin, { delay: 100 });
    await page.keyboard.press('Enter');
    await page.locator('#jobs-view').waitFor();
    await tabTo('.job-release', 'Quarterly report.pdf');
    const outline = await page.locator(':focus').evaluate((el) => {
      const style = el.ownerDocument.defaultView?.getComputedStyle(el);
      return `${style?.outlineStyle} ${style?.outlineWidth}`;
    });
    expect(outline).to.equal('solid 4px');
    await page.keyboard.press('Enter');
    await station.waitUntilIdle(page);
    expect(api.jobs[0].state).to.equal('printing');
    await tabTo('.job-delete', 'Minutes.docx');
    await page.keyboard.press('Enter');
    await page.locator('#confirm-delete[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#confirm-delete:not([open])').waitFor({ state: 'attached' });
    expect(api.jobs[1].state).to.equal('ready');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await station.waitUntilIdle(page);
    expect(api.jobs[1].state).to.equal('deleted');
    expect((await station.jobRows(page)).map((row) => row.name)).to.deep.equal(['Poster A3']);
  });

  it('releases, deletes after confirming, toggles favourites, releases all and logs out', async () => {
    api.reset([...standardJobs(), job('j4', 'Jammed job')]);
    api.releaseFailures.add('j4');
    await station.openStation(page, baseUrl, PRINTER.id);
    await station.loginWithPin(page, ALICE.pin);
    await station.jobRow(page, 'Poster A3').locator('.job-favourite').click();
    await station.waitUntilIdle(page);
    expect(api.jobs[2].favourite).to.equal(true);
    expect((await station.jobRows(page))[2].favourite).to.equal(true);
    await station.jobRow(page, 'Poster A3').locator('.job-delete').click();
    await page.locator('#confirm-cancel').click();
    expect(api.jobs[2].state).to.equal('ready');
    await station.deleteJob(page, 'Poster A3');
    expect(await station.stationNotice(page)).to.equal('“Poster A3” deleted.');
    await station.releaseJob(page, 'Quarterly report.pdf');
    expect(await station.stationNotice(page)).to.equal('“Quarterly report.pdf” sent to the printer.');
    await station.releaseAll(page);
    expect(await station.stationNotice(page)).to.equal('1 job sent to the printer.');
    expect(await station.stationError(page)).to.equal(
      '1 job could not be printed.\nDetails: “Jammed job”: Printer P1 is offline',
    );
    expect((await station.jobRows(page)).map((row) => row.name)).to.deep.equal(['Jammed job']);
    await station.screenshot(page, 'release-all-en');
    await station.logout(page);
    expect(api.sessions.size).to.equal(0);
    expect(await station.stationNotice(page)).to.equal('You are logged out.');
  });

  it('shows the jobs released at login and a message when nothing is left', async () => {
    api.releasedOnLogin = 3;
    await station.openStation(page, baseUrl, PRINTER.id);
    await station.loginWithPin(page, ALICE.pin);
    expect(await station.stationNotice(page)).to.equal('3 jobs sent to the printer.');
    expect(await station.jobRows(page)).to.deep.equal([]);
    expect(await text('#jobs-empty')).to.equal('You have no print jobs waiting.');
    expect(await page.locator('#release-all').isHidden()).to.equal(true);
  });

  it('counts down the last 10 s of idleness, starts again on a key, and logs out after 60 s', async () => {
    await page.clock.install();
    await station.openStation(page, baseUrl, PRINTER.id);
    await station.loginWithPin(page, ALICE.pin);
    const warning = page.locator('#idle-warning');
    await page.clock.runFor(49_000);
    expect(await warning.isHidden()).to.equal(true);
    // The countdown is redrawn every 250 ms: half a second past 50 s is always within its "9 seconds".
    await page.clock.runFor(2_500);
    expect(await warning.innerText()).to.equal(
      'Logging out in 9 seconds. Touch the screen or press a key to stay.',
    );
    await station.screenshot(page, 'idle-countdown-en');
    await page.keyboard.press('Shift');
    expect(await warning.isHidden()).to.equal(true);
    await page.clock.runFor(59_000);
    expect(await page.locator('#jobs-view').isVisible()).to.equal(true);
    await page.clock.runFor(1_500);
    await page.locator('#login-view').waitFor();
    expect(await station.stationNotice(page)).to.equal(
      'You were logged out after 60 seconds without activity.',
    );
    expect(await waitFor(() => api.sessions.size === 0)).to.equal(true);
  });

  it('shows every API error in the user language with the server message as detail', async () => {
    await station.openStation(page, baseUrl, PRINTER.id);
    await expectLoginError(
      { pin: '0000' },
      'Incorrect PIN, card or password.\nDetails: Unknown PIN, card or password',
    );
    await expectLoginError({ pin: LOCKED_PIN }, /locked for 15 minutes.*\nDetails: Locked until 10:15$/);
    await station.openStation(page, baseUrl, PRINTER.id, { lang: 'fr' });
    await expectLoginError({ pin: LOCKED_PIN }, /^Votre compte est bloqué pendant 15 minutes/);
    await station.openStation(page, baseUrl, PRINTER.id);
    await station.loginWithPin(page, ALICE.pin);
    api.jobs[0].state = 'printing';
    await station.jobRow(page, 'Quarterly report.pdf').locator('.job-release').click();
    await station.waitUntilIdle(page);
    expect(await station.stationError(page)).to.match(
      /^This job can no longer be changed.*\nDetails: Job j1 is printing$/,
    );
    expect((await station.jobRows(page)).map((row) => row.name)).not.to.include('Quarterly report.pdf');
    api.releaseFailures.add('j2');
    await station.releaseJob(page, 'Minutes.docx');
    expect(await station.stationError(page)).to.equal(
      'The job could not be sent to the printer.\nDetails: Printer P1 is offline',
    );
    api.sessions.clear();
    await page.locator('#refresh').click();
    await page.locator('#login-view').waitFor();
    expect(await station.stationError(page)).to.match(/^Your session has expired\. Please log in again\.\n/);
  });

  it('says so when the printer is unknown, and offers no login', async () => {
    await station.openStation(page, baseUrl, 'no-such-printer', { lang: 'fr' });
    expect(await station.stationError(page)).to.match(
      /^Cette imprimante est inconnue.*\nDétail\u00a0: No printer no-such-printer$/,
    );
    expect(await page.locator('#login-view').isHidden()).to.equal(true);
  });

  async function expectLoginError(credentials: { pin: string }, expected: string | RegExp): Promise<void> {
    const error = await station.loginWithPin(page, credentials.pin).then(
      () => 'logged in',
      () => station.stationError(page),
    );
    if (typeof expected === 'string') expect(error).to.equal(expected);
    else expect(error).to.match(expected);
    expect(await page.locator('#pin-input').inputValue()).to.equal('');
  }

  async function tabTo(buttonClass: string, jobName: string): Promise<void> {
    for (let presses = 0; presses < 30; presses++) {
      await page.keyboard.press('Tab');
      const reached = await page
        .locator(':focus')
        .evaluate(
          (active, [selector, name]) =>
            active.matches(selector) &&
            active.closest('li')?.querySelector('.job-name')?.textContent === name,
          [buttonClass, jobName],
          { timeout: 2_000 },
        );
      if (reached) return;
    }
    throw new Error(`Tab never reached ${buttonClass} of ${jobName}`);
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}
