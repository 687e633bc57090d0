/**
 * Translations and formatting for the web release station: loads release-station.i18n.json, picks the
 * language (`?lang=`, then navigator.language), translates the static markup, and formats numbers, prices and
 * times. Placeholders are filled in a single pass, so a job name that contains `{count}` stays just text.
 */

const I18N_URL = '/terminal/assets/release-station.i18n.json';
const LANGUAGES = ['en', 'fr'];

const current = { texts: { en: {}, fr: {} }, lang: 'en' };

/** Load the translations; when they cannot be had, the page keeps the English written in its markup. */
export async function loadTexts() {
  try {
    const response = await fetch(I18N_URL);
    if (response.ok) current.texts = await response.json();
  } catch {
    // Keep the empty tables: every lookup then falls back to the markup or the key.
  }
}

/** The station's starting language: `?lang=fr|en`, else French when the browser prefers it, else English. */
export function initialLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGUAGES.includes(asked)) return asked;
  return String(navigator.language || 'en')
    .toLowerCase()
    .startsWith('fr')
    ? 'fr'
    : 'en';
}

/** The language the page shows now. */
export function currentLanguage() {
  return current.lang;
}

/** The raw entry for `key` (a string, or plural forms), in `lang` or else in English; undefined if none. */
export function lookup(key, lang = current.lang) {
  return current.texts[lang]?.[key] ?? current.texts.en?.[key];
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  let text = lookup(key) ?? key;
  if (typeof text === 'object') {
    text = text[new Intl.PluralRules(current.lang).select(Number(params.count))] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Translate the `data-i18n` texts and `data-i18n-label` aria-labels under `root`. */
export function translateWithin(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    if (lookup(el.dataset.i18n) !== undefined) el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    if (lookup(el.dataset.i18nLabel) !== undefined) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
}

/** Switch the whole static page to `lang`, the language toggle `toggle` offering the other one. */
export function setLanguage(lang, toggle) {
  current.lang = lang;
  document.documentElement.lang = lang;
  document.title = t('app.title');
  translateWithin(document);
  const other = lang === 'fr' ? 'en' : 'fr';
  toggle.textContent = lookup('lang.name', other) ?? other.toUpperCase();
  toggle.lang = other;
  toggle.setAttribute('aria-label', lookup('lang.switchTo', other) ?? other);
}

/** The browser's own locale when it speaks the page's language (en-GB keeps its 24-hour clock). */
function formatLocale() {
  const browser = String(navigator.language || '');
  return browser.toLowerCase().split('-')[0] === current.lang ? browser : current.lang;
}

/** A count in the page's locale, or a dash when the server sent none. */
export function formatNumber(value) {
  return Number.isFinite(value) ? new Intl.NumberFormat(formatLocale()).format(value) : '—';
}

/** A price in its currency, or a dash when the job has no price (no price list applies). */
export function formatPrice(price, currency) {
  if (typeof price !== 'number') return '—';
  try {
    if (currency) return new Intl.NumberFormat(formatLocale(), { style: 'currency', currency }).format(price);
  } catch {
    // An unknown currency code: show the amount with the code as the server sent it.
  }
  const amount = new Intl.NumberFormat(formatLocale(), { minimumFractionDigits: 2 }).format(price);
  return currency ? `${amount} ${currency}` : amount;
}

/** A submission time: the time alone for today's jobs, the date and time for older ones. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const today = date.toDateString() === new Date().toDateString();
  const style = today ? { timeStyle: 'short' } : { dateStyle: 'short', timeStyle: 'short' };
  return new Intl.DateTimeFormat(formatLocale(), style).format(date);
}
