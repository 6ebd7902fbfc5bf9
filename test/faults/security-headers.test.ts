import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';
import { closedOrigin } from '../helpers/fake-backend.ts';

/** "default-src 'self';base-uri 'none'" as { 'default-src': ["'self'"], 'base-uri': ["'none'"] }. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const directive of header.split(';')) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name) directives.set(name, sources);
  }
  return directives;
}

function assertSecurityHeaders(headers: Record<string, unknown>, label: string): void {
  const csp = parseCsp(String(headers['content-security-policy']));
  const expected: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  for (const [name, sources] of Object.entries(expected)) assert.deepEqual(csp.get(name), sources, `${label}: CSP ${name}`);
  for (const [name, sources] of csp) {
    assert.ok(!sources.some((source) => ["'unsafe-inline'", "'unsafe-eval'", '*'].includes(source)), `${label}: CSP ${name} ${sources.join(' ')}`);
  }
  assert.equal(headers['x-content-type-options'], 'nosniff', label);
  assert.match(String(headers['x-frame-options']), /^(DENY|SAMEORIGIN)$/, label);
  assert.equal(headers['referrer-policy'], 'no-referrer', label);
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin', label);
  assert.equal(headers['cross-origin-resource-policy'], 'same-origin', label);
  assert.equal(headers['x-powered-by'], undefined, label);
}

test('every frontend answer, HTML, asset, JSON or JSON error, carries the security headers and a strict CSP', async (t) => {
  const backend = await listeningBackend(t);
  const { app } = await frontendApp(t, { BACKEND_URL: backend.url });
  const answers: Array<[string, number]> = [
    ['/', 200],
    ['/assets/page.js', 200],
    ['/assets/page.css', 200],
    ['/api/hello?name=x', 200],
    ['/api/hello?name=%3Cscript%3E', 400],
    // No task metadata endpoint in this test: its JSON 503.
    ['/api/task', 503],
    ['/health/ready', 200],
    ['/nope', 404],
  ];
  for (const [url, status] of answers) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, status, url);
    assertSecurityHeaders(res.headers, url);
  }

  const { app: alone } = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  const unavailable = await alone.inject('/api/hello?name=x');
  assert.equal(unavailable.statusCode, 503);
  assertSecurityHeaders(unavailable.headers, 'a 503 without a backend');
});

test('the page needs nothing the CSP forbids: no inline script, style or handler, nothing from another origin', async (t) => {
  const { app } = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  const html = (await app.inject('/')).body;
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attributes = '', body = ''] of scripts) {
    assert.match(attributes, /\bsrc="\/assets\/[\w.-]+"/, 'scripts come from this origin');
    assert.equal(body.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=|javascript:/i, 'no inline style, event handler or javascript: URL');
  // The CSP's img-src allows data: (the empty favicon); everything else is a path on this origin.
  for (const [, url = ''] of html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)) {
    assert.match(url, /^(?:\/(?!\/)|data:)/, `${url} is on this origin`);
  }

  const script = (await app.inject('/assets/page.js')).body;
  assert.doesNotMatch(script, /\beval\(|new Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.style\b|setAttribute\(\s*['"](?:style|on)/, 'page.js uses nothing the CSP blocks');
  const css = (await app.inject('/assets/page.css')).body;
  assert.doesNotMatch(css, /@import|url\(\s*['"]?(?:[a-z]+:)?\/\//i, 'page.css loads nothing from another origin');
});
