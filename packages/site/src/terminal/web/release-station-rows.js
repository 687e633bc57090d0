/**
 * The job rows of the web release station, built from the page's <template>. Every datum is set through
 * textContent or an attribute, never parsed as HTML: job names and owners come from whoever printed.
 */
import { formatNumber, formatPrice, formatTime, t, translateWithin } from './release-station-text.js';

function setText(root, selector, text) {
  root.querySelector(selector).textContent = text;
}

/** Mark the row's favourite toggle as on or off. */
export function renderFavourite(row, job) {
  const button = row.querySelector('.job-favourite');
  button.setAttribute('aria-pressed', String(Boolean(job.favourite)));
  button.querySelector('.star').textContent = job.favourite ? '★' : '☆';
}

/** A list row for `job`, the `index`-th on screen, from the `<template>` element `template`. */
export function jobRow(template, job, index) {
  const row = template.content.firstElementChild.cloneNode(true);
  row.dataset.jobId = job.id;
  translateWithin(row);
  const nameId = `job-name-${index}`;
  row.querySelector('.job-name').id = nameId;
  setText(row, '.job-name', job.name || `#${job.number}`);
  setText(row, '.job-owner', job.delegated ? t('job.from', { owner: job.ownerFullName || job.owner }) : '');
  row.querySelector('.job-pages').dataset.pages = String(job.pages);
  setText(row, '.job-pages', formatNumber(job.pages));
  const split = { colour: formatNumber(job.colorPages), mono: formatNumber(job.monoPages) };
  setText(row, '.job-colour', t('job.colourSplit', split));
  setText(row, '.job-copies', formatNumber(job.copies));
  setText(row, '.job-price', formatPrice(job.price, job.currency));
  setText(row, '.job-submitted', formatTime(job.submittedAt));
  // Screen readers then say which job a "Print" or "Delete" button acts on.
  for (const button of row.querySelectorAll('button')) button.setAttribute('aria-describedby', nameId);
  renderFavourite(row, job);
  return row;
}
