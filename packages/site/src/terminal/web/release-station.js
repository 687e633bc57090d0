/**
 * Web release station: logs a user in at the printer this page belongs to (PIN, card or username and
 * password), lists their held jobs, and releases, deletes or favourites them through the terminal REST API.
 *
 * Job names and owners are user-controlled, so data only ever reaches the page through textContent and
 * attributes, never through HTML parsing. The session token lives in memory only: reloading the page or
 * walking away (the idle timer) logs the user out, which is what a shared tablet needs.
 */
import { ApiError, api, jobPath } from './release-station-api.js';
import { cardReaderListener } from './release-station-card.js';
import { jobRow, renderFavourite } from './release-station-rows.js';
import {
  currentLanguage,
  initialLanguage,
  loadTexts,
  lookup,
  setLanguage,
  t,
} from './release-station-text.js';

const DEFAULT_IDLE_SECONDS = 60;
const COUNTDOWN_SECONDS = 10;
const IDLE_TICK_MS = 250;

const byId = (id) => document.getElementById(id);

const state = {
  printerId: printerIdFromPath(),
  initialLang: 'en',
  idleMs: idleSecondsFromQuery() * 1000,
  lastActivity: Date.now(),
  token: null,
  user: null,
  jobs: [],
  busy: false,
  notice: null,
  error: null,
  pendingDelete: null,
};

function printerIdFromPath() {
  const match = /^\/terminal\/([^/]+)\/?$/.exec(location.pathname);
  try {
    return match ? decodeURIComponent(match[1]) : '';
  } catch {
    return '';
  }
}

function idleSecondsFromQuery() {
  const asked = Number(new URLSearchParams(location.search).get('idle'));
  return Number.isInteger(asked) && asked >= 15 && asked <= 3600 ? asked : DEFAULT_IDLE_SECONDS;
}

/** Show the page in `lang`, including what was rendered from data (numbers, dates, messages). */
function applyLanguage(lang) {
  setLanguage(lang, byId('lang-toggle'));
  renderUser();
  if (state.token) renderJobs();
  renderMessages();
  renderIdle();
}

// ---- messages ----

function showNotice(key, params = {}) {
  state.notice = { key, params };
  renderMessages();
}

function showError(key, params = {}, detail = '') {
  state.error = { key, params, detail };
  renderMessages();
}

function clearMessages() {
  state.notice = null;
  state.error = null;
  renderMessages();
}

function renderMessages() {
  byId('notice').hidden = !state.notice;
  byId('notice').textContent = state.notice ? t(state.notice.key, state.notice.params) : '';
  byId('error').hidden = !state.error;
  byId('error-text').textContent = state.error ? t(state.error.key, state.error.params) : '';
  const detail = state.error?.detail;
  byId('error-detail').hidden = !detail;
  byId('error-detail').textContent = detail ? t('error.detail', { message: detail }) : '';
}

/** Show an API failure in the user's language; an expired session also sends the user back to the login. */
function handleError(err) {
  const code = err instanceof ApiError ? err.code : 'UNKNOWN';
  if (code === 'TERMINAL_SESSION_INVALID' && state.token) endSession();
  const key = lookup(`error.${code}`) !== undefined ? `error.${code}` : 'error.UNKNOWN';
  showError(key, {}, err instanceof Error ? err.message : String(err));
}

// The options that make an API call on behalf of the logged-in user.
const authorised = () => ({ token: state.token });

// ---- views ----

function showView(name) {
  byId('login-view').hidden = name !== 'login';
  byId('jobs-view').hidden = name !== 'jobs';
  byId('logout').hidden = name !== 'jobs';
  byId('user-name').hidden = name !== 'jobs';
}

function setBusy(busy) {
  state.busy = busy;
  document.body.classList.toggle('busy', busy);
  document.body.setAttribute('aria-busy', String(busy));
}

function setLoginMode(mode) {
  byId('pin-form').hidden = mode !== 'pin';
  byId('password-form').hidden = mode !== 'password';
  byId('mode-pin').setAttribute('aria-pressed', String(mode === 'pin'));
  byId('mode-password').setAttribute('aria-pressed', String(mode === 'password'));
}

function resetLoginFields() {
  for (const id of ['pin-input', 'username-input', 'password-input']) byId(id).value = '';
}

function renderUser() {
  const name = state.user ? state.user.fullName || state.user.username : '';
  byId('user-name').textContent = name ? t('user.loggedIn', { name }) : '';
}

function renderJobs() {
  byId('job-list').replaceChildren(
    ...state.jobs.map((job, index) => jobRow(byId('job-template'), job, index)),
  );
  byId('jobs-empty').hidden = state.jobs.length > 0;
  byId('release-all').hidden = state.jobs.length === 0;
  byId('jobs-count').textContent = t('jobs.count', { count: state.jobs.length });
}

function focusJobsHeading() {
  const active = document.activeElement;
  if (!active || active === document.body || !active.isConnected) byId('jobs-heading').focus();
}

// ---- session ----

async function login(credentials) {
  if (state.busy) return;
  clearMessages();
  setBusy(true);
  try {
    const session = await api('POST', '/sessions', { body: { printerId: state.printerId, ...credentials } });
    state.token = session.token;
    state.user = session.user;
    resetLoginFields();
    state.lastActivity = Date.now();
    showView('jobs');
    renderUser();
    if (session.releasedOnLogin > 0) showNotice('notice.releasedCount', { count: session.releasedOnLogin });
    await loadJobs();
    byId('jobs-heading').focus();
  } catch (err) {
    handleError(err);
    if (!state.token) {
      byId('pin-input').value = '';
      byId('password-input').value = '';
    }
  } finally {
    setBusy(false);
  }
}

/** Forget the session in this page and go back to the login view, in the language the station starts in. */
function endSession() {
  state.token = null;
  state.user = null;
  state.jobs = [];
  state.pendingDelete = null;
  if (byId('confirm-delete').open) byId('confirm-delete').close();
  byId('job-list').replaceChildren();
  clearMessages();
  resetLoginFields();
  applyLanguage(state.initialLang);
  setLoginMode('pin');
  showView('login');
  byId('pin-input').focus();
}

async function logout(reason) {
  const token = state.token;
  if (!token) return;
  endSession();
  const seconds = Math.round(state.idleMs / 1000);
  showNotice(reason === 'idle' ? 'notice.loggedOutIdle' : 'notice.loggedOut', { seconds });
  // The server expires an abandoned session by itself, so a failed logout call changes nothing for the user.
  await api('DELETE', '/sessions/current', { token }).catch(() => undefined);
}

// ---- jobs ----

async function loadJobs() {
  const data = await api('GET', '/jobs', authorised());
  state.jobs = Array.isArray(data?.jobs) ? data.jobs : [];
  renderJobs();
  focusJobsHeading();
}

async function runAction(action) {
  if (state.busy || !state.token) return;
  clearMessages();
  setBusy(true);
  try {
    await action();
  } catch (err) {
    handleError(err);
    // A conflict means the list is stale (the job was printed or deleted elsewhere): show the current one.
    if (state.token) await loadJobs().catch(() => undefined);
  } finally {
    setBusy(false);
  }
}

async function releaseJob(job) {
  await api('POST', jobPath(job, '/release'), authorised());
  showNotice('notice.released', { name: job.name });
  await loadJobs();
}

async function releaseAll() {
  const result = await api('POST', '/jobs/release-all', authorised());
  const released = result?.released ?? [];
  const failed = result?.failed ?? [];
  if (released.length > 0 || failed.length === 0) {
    showNotice('notice.releasedCount', { count: released.length });
  }
  if (failed.length > 0) {
    const nameOf = (id) => state.jobs.find((job) => job.id === id)?.name ?? id;
    const detail = failed.map((failure) => `“${nameOf(failure.id)}”: ${failure.message}`).join('; ');
    showError('notice.releaseFailedCount', { count: failed.length }, detail);
  }
  await loadJobs();
}

async function deleteJob(job) {
  await api('DELETE', jobPath(job), authorised());
  showNotice('notice.deleted', { name: job.name });
  await loadJobs();
}

async function toggleFavourite(job, row) {
  const result = await api(job.favourite ? 'DELETE' : 'PUT', jobPath(job, '/favourite'), authorised());
  const updated = { ...job, favourite: Boolean(result?.job?.favourite ?? !job.favourite) };
  state.jobs = state.jobs.map((each) => (each.id === job.id ? updated : each));
  renderFavourite(row, updated);
}

function askDelete(job) {
  state.pendingDelete = job;
  byId('confirm-body').textContent = t('confirm.body', { name: job.name });
  byId('confirm-delete').showModal();
}

function onJobListClick(event) {
  const button = event.target.closest('button');
  const row = button?.closest('li.job');
  const job = row && state.jobs.find((each) => each.id === row.dataset.jobId);
  if (!job) return;
  if (button.classList.contains('job-release')) void runAction(() => releaseJob(job));
  else if (button.classList.contains('job-favourite')) void runAction(() => toggleFavourite(job, row));
  else if (button.classList.contains('job-delete')) askDelete(job);
}

function onConfirmDelete() {
  const job = state.pendingDelete;
  state.pendingDelete = null;
  byId('confirm-delete').close();
  if (job) void runAction(() => deleteJob(job));
}

// ---- keyboard, card reader and idle timer ----

const watchForCard = cardReaderListener((card) => {
  resetLoginFields();
  void login({ card });
});

function onKeydownCapture(event) {
  state.lastActivity = Date.now();
  renderIdle();
  if (byId('login-view').hidden) return;
  watchForCard(event);
  if (event.key === 'Escape') {
    resetLoginFields();
    clearMessages();
  }
}

function renderIdle() {
  const warning = byId('idle-warning');
  const remainingMs = state.idleMs - (Date.now() - state.lastActivity);
  const seconds = Math.max(0, Math.ceil(remainingMs / 1000));
  warning.hidden = !state.token || seconds > COUNTDOWN_SECONDS;
  const text = warning.hidden ? '' : t('idle.countdown', { count: seconds });
  if (warning.textContent !== text) warning.textContent = text;
}

function onIdleTick() {
  const idle = Date.now() - state.lastActivity >= state.idleMs;
  if (idle && state.token) void logout('idle');
  // Half-typed credentials must not wait for the next person either.
  else if (idle && !state.token) resetLoginFields();
  else renderIdle();
}

function onKeypad(event) {
  const key = event.target.closest('button')?.dataset.key;
  const input = byId('pin-input');
  if (key === 'clear') input.value = '';
  else if (key === 'backspace') input.value = input.value.slice(0, -1);
  else if (key) input.value += key;
}

function onPinSubmit(event) {
  event.preventDefault();
  const pin = byId('pin-input').value.trim();
  if (pin) void login({ pin });
  else byId('pin-input').focus();
}

function onPasswordSubmit(event) {
  event.preventDefault();
  const username = byId('username-input').value.trim();
  const password = byId('password-input').value;
  if (!username) byId('username-input').focus();
  else if (!password) byId('password-input').focus();
  else void login({ username, password });
}

function wireEvents() {
  const markActive = () => {
    state.lastActivity = Date.now();
    renderIdle();
  };
  document.addEventListener('keydown', onKeydownCapture, true);
  // Tablet keyboards may send no usable keydown, so typed input counts as activity too.
  for (const type of ['pointerdown', 'wheel', 'input']) {
    document.addEventListener(type, markActive, { capture: true, passive: true });
  }
  byId('lang-toggle').addEventListener('click', () =>
    applyLanguage(currentLanguage() === 'fr' ? 'en' : 'fr'),
  );
  byId('logout').addEventListener('click', () => void logout('user'));
  byId('mode-pin').addEventListener('click', () => {
    setLoginMode('pin');
    byId('pin-input').focus();
  });
  byId('mode-password').addEventListener('click', () => {
    setLoginMode('password');
    byId('username-input').focus();
  });
  byId('keypad').addEventListener('click', onKeypad);
  byId('pin-form').addEventListener('submit', onPinSubmit);
  byId('password-form').addEventListener('submit', onPasswordSubmit);
  byId('refresh').addEventListener('click', () => void runAction(loadJobs));
  byId('release-all').addEventListener('click', () => void runAction(releaseAll));
  byId('job-list').addEventListener('click', onJobListClick);
  byId('confirm-ok').addEventListener('click', onConfirmDelete);
  byId('confirm-cancel').addEventListener('click', () => byId('confirm-delete').close());
  byId('confirm-delete').addEventListener('close', () => focusJobsHeading());
}

async function loadPrinter() {
  try {
    if (!state.printerId) throw new ApiError('PRINTER_NOT_FOUND', 'The page address names no printer');
    const printer = await api('GET', `/printers/${encodeURIComponent(state.printerId)}`);
    byId('printer-name').textContent = printer.name;
    byId('printer-location').textContent = printer.location ?? '';
  } catch (err) {
    handleError(err);
    // Without a known printer there is nothing to release to; the other failures may pass, so keep the login.
    if (err instanceof ApiError && err.code === 'PRINTER_NOT_FOUND') byId('login-view').hidden = true;
  }
}

async function start() {
  await loadTexts();
  state.initialLang = initialLanguage();
  applyLanguage(state.initialLang);
  wireEvents();
  setLoginMode('pin');
  showView('login');
  byId('pin-input').focus();
  setInterval(onIdleTick, IDLE_TICK_MS);
  await loadPrinter();
  document.body.dataset.ready = 'true';
}

void start();
