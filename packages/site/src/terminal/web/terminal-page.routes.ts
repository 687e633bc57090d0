/**
 * Serves the web release station: `GET /terminal/:printerId` (the page) and `GET /terminal/assets/<file>` (its
 * stylesheet, script and translations). The page talks to the terminal REST API under `/api/v1/terminal`.
 *
 * The assets are plain HTML/CSS/JS/JSON, so `tsc` does not copy them to `dist/`. They are read from the
 * source folder: first beside this file (running from `src/`, or a build that copies them into `dist/`), then
 * from `src/terminal/web` as seen from `dist/src/terminal/web`. That works because the site runs from the
 * work tree (npm workspaces; the Docker image copies all of `packages/`, `src/` included). They are read once,
 * when the router is built, so a missing asset fails the start-up instead of a tablet's first request.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Request, type Response, Router } from 'express';

/** The Content-Security-Policy of the page: only this site's own files, no inline code, no framing. */
export const TERMINAL_PAGE_CSP =
  "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** The page file and the assets `/terminal/assets/<file>` serves, with their content types. */
export const TERMINAL_PAGE_FILE = 'release-station.html';
export const TERMINAL_ASSETS: Readonly<Record<string, string>> = {
  'release-station.css': 'text/css; charset=utf-8',
  'release-station.js': 'text/javascript; charset=utf-8',
  'release-station-api.js': 'text/javascript; charset=utf-8',
  'release-station-card.js': 'text/javascript; charset=utf-8',
  'release-station-rows.js': 'text/javascript; charset=utf-8',
  'release-station-text.js': 'text/javascript; charset=utf-8',
  'release-station.i18n.json': 'application/json; charset=utf-8',
};

interface LoadedAsset {
  body: Buffer;
  contentType: string;
}

const SOURCE_DIR_FROM_DIST = path.resolve(__dirname, '../../../../src/terminal/web');

/**
 * The folder holding the station's assets: beside this module when they are there, otherwise the source
 * folder seen from the compiled module. Throws, naming both places, when neither has the page.
 */
export function terminalAssetsDir(): string {
  const candidates = [__dirname, SOURCE_DIR_FROM_DIST];
  const found = candidates.find((dir) => existsSync(path.join(dir, TERMINAL_PAGE_FILE)));
  if (!found) {
    throw new Error(
      `the release station's assets (${TERMINAL_PAGE_FILE}) are in none of: ${candidates.join(', ')}`,
    );
  }
  return found;
}

function loadAssets(dir: string): { page: Buffer; assets: Map<string, LoadedAsset> } {
  const assets = new Map<string, LoadedAsset>();
  for (const [name, contentType] of Object.entries(TERMINAL_ASSETS)) {
    assets.set(name, { body: readFileSync(path.join(dir, name)), contentType });
  }
  return { page: readFileSync(path.join(dir, TERMINAL_PAGE_FILE)), assets };
}

function sendPage(page: Buffer) {
  return (_req: Request, res: Response): void => {
    // Set after the app's helmet() defaults on purpose: this page's policy is stricter than the API's.
    res.setHeader('Content-Security-Policy', TERMINAL_PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.type('text/html; charset=utf-8').send(page);
  };
}

/**
 * The release station's router: the page for any printer id (the page itself asks the API whether the
 * printer exists, and says so in the user's language) and exactly the known assets; any other asset name
 * falls through to the app's JSON 404, so no path under the folder can be reached by guessing.
 */
export function terminalPageRouter(): Router {
  const { page, assets } = loadAssets(terminalAssetsDir());
  const router = Router();
  router.get('/terminal/assets/:file', (req, res, next) => {
    const asset = assets.get(req.params.file);
    if (!asset) return next();
    // Revalidated on every load (Express adds an ETag), so an upgraded site never runs a stale script.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type(asset.contentType).send(asset.body);
  });
  router.get('/terminal/:printerId', sendPage(page));
  return router;
}
