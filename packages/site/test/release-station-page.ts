/**
 * Page-object helpers for the web release station (`/terminal/{printerId}`) in a Playwright page: open it, log
 * in by PIN or card, read the job list, release, delete, log out, and take screenshots into the test run's
 * directory. Tests of the page against an in-test API and end-to-end tests against a real site both use them,
 * so they rely only on the page's ids and classes, never on its (translated) texts.
 */
import path from 'node:path';
import { type Page, testRunDir } from '@quire/testkit';

/** One job as the station shows it. `pages` is the number; the other fields are the texts on screen. */
export interface StationJobRow {
  id: string;
  name: string;
  owner: string;
  pages: number;
  colour: string;
  copies: string;
  price: string;
  submitted: string;
  favourite: boolean;
}

const ACTION_TIMEOUT_MS = 15_000;

/** The fields of the DevTools `Input.dispatchKeyEvent` command that a card reader's keys need. */
interface KeyEvent {
  type: 'keyDown' | 'keyUp';
  key: string;
  code?: string;
  text?: string;
  unmodifiedText?: string;
  windowsVirtualKeyCode?: number;
}

function exactText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** The list row of the job named `name` (the name must match exactly and be unique on screen). */
export function jobRow(page: Page, name: string) {
  return page
    .locator('#job-list li.job')
    .filter({ has: page.locator('.job-name', { hasText: exactText(name) }) });
}

/** Wait until the page is not running a request (login or a job action). */
export async function waitUntilIdle(page: Page): Promise<void> {
  await page.locator('body:not(.busy)').waitFor({ timeout: ACTION_TIMEOUT_MS });
}

/**
 * Open the station of `printerId` under `baseUrl` (with optional query parameters such as `lang` or `idle`)
 * and wait until its translations are loaded and it has asked the API about the printer.
 */
export async function openStation(
  page: Page,
  baseUrl: string,
  printerId: string,
  query: Record<string, string> = {},
): Promise<void> {
  const url = new URL(`/terminal/${encodeURIComponent(printerId)}`, baseUrl);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  await page.goto(url.toString());
  await page.locator('body[data-ready="true"]').waitFor({ timeout: ACTION_TIMEOUT_MS });
}

/** The text of the station's error box (message and detail), or null when none is shown. */
export async function stationError(page: Page): Promise<string | null> {
  const box = page.locator('#error');
  // innerText puts a blank line between paragraphs; one line per paragraph is easier to compare.
  return (await box.isVisible()) ? (await box.innerText()).replace(/\n+/g, '\n').trim() : null;
}

/** The text of the station's notice (success messages), or null when none is shown. */
export async function stationNotice(page: Page): Promise<string | null> {
  const box = page.locator('#notice');
  return (await box.isVisible()) ? (await box.innerText()).trim() : null;
}

async function waitForLoginOutcome(page: Page, how: string): Promise<void> {
  await page
    .locator('#jobs-view:not([hidden]), #error:not([hidden])')
    .first()
    .waitFor({ timeout: ACTION_TIMEOUT_MS });
  await waitUntilIdle(page);
  if (await page.locator('#jobs-view').isHidden()) {
    throw new Error(`login ${how} failed; the station says: ${await stationError(page)}`);
  }
}

/** Log in with `pin` through the PIN form; resolves once the job list shows, throws with the page's error. */
export async function loginWithPin(page: Page, pin: string): Promise<void> {
  await page.locator('#mode-pin').click();
  await page.locator('#pin-input').fill(pin);
  await page.locator('#pin-submit').click();
  await waitForLoginOutcome(page, 'by PIN');
}

/**
 * Type `text` then Enter the way a USB card reader does: real (trusted) key events, well under a millisecond
 * apart. Playwright's keyboard.type waits for each key's round trip, which can take 30 ms or more on a busy
 * machine and then looks like a person typing; here every event is sent at once over one Chromium DevTools
 * session, so they reach the page back to back, in order.
 */
export async function typeLikeCardReader(page: Page, text: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const enter = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 };
    const events: KeyEvent[] = [...text].flatMap((key): KeyEvent[] => [
      { type: 'keyDown', key, text: key, unmodifiedText: key },
      { type: 'keyUp', key },
    ]);
    events.push({ type: 'keyDown', ...enter, text: '\r' }, { type: 'keyUp', ...enter });
    await Promise.all(events.map((event) => cdp.send('Input.dispatchKeyEvent', event)));
  } finally {
    await cdp.detach();
  }
}

/** Log in with `card` through {@link typeLikeCardReader}; resolves once the job list shows, throws otherwise. */
export async function loginWithCard(page: Page, card: string): Promise<void> {
  await typeLikeCardReader(page, card);
  await waitForLoginOutcome(page, 'by card');
}

/** Every job row on screen, in order. */
export async function jobRows(page: Page): Promise<StationJobRow[]> {
  await page.locator('#jobs-view').waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
  return page.locator('#job-list li.job').evaluateAll((rows) =>
    rows.map((row) => {
      const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
      return {
        id: row.getAttribute('data-job-id') ?? '',
        name: text('.job-name'),
        owner: text('.job-owner'),
        pages: Number(row.querySelector('.job-pages')?.getAttribute('data-pages')),
        colour: text('.job-colour'),
        copies: text('.job-copies'),
        price: text('.job-price'),
        submitted: text('.job-submitted'),
        favourite: row.querySelector('.job-favourite')?.getAttribute('aria-pressed') === 'true',
      };
    }),
  );
}

/** Press the job's Print button and wait for the request (and the list's refresh) to finish. */
export async function releaseJob(page: Page, name: string): Promise<void> {
  await jobRow(page, name).locator('.job-release').click();
  await waitUntilIdle(page);
}

/** Press "Print all" and wait for the request (and the list's refresh) to finish. */
export async function releaseAll(page: Page): Promise<void> {
  await page.locator('#release-all').click();
  await waitUntilIdle(page);
}

/** Delete the job: its Delete button, then the confirmation dialog's Delete button. */
export async function deleteJob(page: Page, name: string): Promise<void> {
  await jobRow(page, name).locator('.job-delete').click();
  await page.locator('#confirm-delete[open]').waitFor({ timeout: ACTION_TIMEOUT_MS });
  await page.locator('#confirm-ok').click();
  await waitUntilIdle(page);
}

/** Press "Log out" and wait for the login view. */
export async function logout(page: Page): Promise<void> {
  await page.locator('#logout').click();
  await page.locator('#login-view').waitFor({ state: 'visible', timeout: ACTION_TIMEOUT_MS });
}

/** Save a screenshot of the viewport as `release-station-<name>.png` in the test run's directory. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(testRunDir(), `release-station-${name.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  return file;
}
