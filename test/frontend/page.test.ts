import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { renderPage } from '../../services/frontend/routes/page.ts';
import { frontendApp } from '../helpers/apps.ts';
import { closedOrigin } from '../helpers/fake-backend.ts';

test('GET / serves the status page with the frontend identity and a strict CSP', async (t) => {
  const { app } = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  const res = await request(app.server).get('/').expect(200);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.match(res.text, /<dt>service<\/dt><dd>frontend<\/dd>/);
  assert.match(res.text, new RegExp(`<dd>${process.pid}</dd>`));
  const csp = res.headers['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.doesNotMatch(res.text, /<script>|style=/, 'nothing inline for the CSP to block');
});

test('the page assets are served with their types', async (t) => {
  const { app } = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  const js = await request(app.server).get('/assets/page.js').expect(200);
  assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
  assert.match(js.text, /\/api\/hello/);
  const css = await request(app.server).get('/assets/page.css').expect(200);
  assert.match(css.headers['content-type'] ?? '', /^text\/css/);
  await request(app.server).get('/assets/../app.ts').expect(404);
});

test('identity values are escaped in the HTML', () => {
  const html = renderPage({ service: 'frontend', hostname: '<img src=x onerror=alert(1)>', pid: 1 });
  assert.ok(!html.includes('<img src=x'));
  assert.ok(html.includes('&#60;img src=x onerror=alert(1)&#62;'));
});
