import { readFileSync } from 'node:fs';
import type { Identity } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';

const read = (file: string) => readFileSync(new URL(`../page/${file}`, import.meta.url), 'utf8');
const ASSETS = {
  'page.css': { type: 'text/css; charset=utf-8', body: read('page.css') },
  'page.js': { type: 'text/javascript; charset=utf-8', body: read('page.js') },
} as const;
const TEMPLATE = read('index.html');

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page is rendered once: the frontend's identity does not change while it runs. */
export function renderPage(identity: Identity): string {
  const rows = Object.entries(identity)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(String(value))}</dd>`)
    .join('');
  return TEMPLATE.replace('{{frontend}}', rows);
}

/** The status page: server-rendered HTML, one stylesheet and one script, no build chain. */
export function pageRoutes(app: App, identity: Identity): void {
  const html = renderPage(identity);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html));
  for (const [file, asset] of Object.entries(ASSETS)) {
    app.get(`/assets/${file}`, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body),
    );
  }
}
