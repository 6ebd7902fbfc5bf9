// The status page's CPU and memory view in a real browser: the frontend and
// backend run as their own processes, as in the container, with
// ECS_CONTAINER_METADATA_URI_V4 pointing at a fake endpoint that serves
// AWS's documented shapes. Needs Chromium, not Docker.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { ourTask } from '../fixtures/task-metadata.ts';
import { colours, openPage } from '../helpers/browser.ts';
import { fakeMetadata } from '../helpers/fake-metadata.ts';
import { startService } from '../helpers/process.ts';
import { shownRows } from '../helpers/task-view.ts';

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  assert.ok(found !== null, 'the element is laid out');
  return found;
}

test("the status page shows each container's CPU and memory against its limits, live, from the metadata endpoint", async (t) => {
  const metadata = await fakeMetadata(t, ourTask({ frontend: { cpu: 0.1, memoryMiB: 80 }, backend: { cpu: 0.2, memoryMiB: 60 } }));
  const env = { ECS_CONTAINER_METADATA_URI_V4: metadata.uri };
  const backend = await startService(t, 'backend', env);
  const frontend = await startService(t, 'frontend', { ...env, BACKEND_URL: backend.url });

  const { page, problems } = await openPage(t, `${frontend.url}/`);
  await page.locator('#task-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await shownRows(page), [
    { name: 'frontend', cpu: { value: 0.1, max: 0.5 }, memory: { value: 80, max: 256 } },
    { name: 'backend', cpu: { value: 0.2, max: 0.5 }, memory: { value: 60, max: 256 } },
    { name: 'task', cpu: { value: 0.3, max: 0.5 }, memory: { value: 140, max: 1024 } },
  ]);
  const backendRow = page.locator('tr[data-container="backend"]');
  assert.equal(await backendRow.locator('th').innerText(), 'backend');
  assert.match(await backendRow.innerText(), /0\.200 of 0\.5\s+60\.0 of 256/);

  // Laid out and painted: every meter has a size, and the view is not blank.
  for (const meter of await page.locator('#task-view meter').all()) {
    const { width, height } = await box(meter);
    assert.ok(width > 20 && height > 5, `a meter of ${width}×${height}`);
  }
  const screenshot = await page.screenshot({ fullPage: true });
  const file = join(tmpdir(), `task-page-${process.pid}.png`);
  writeFileSync(file, screenshot);
  t.diagnostic(`screenshot: ${file}`);
  assert.ok((await colours(page, screenshot)) > 16, 'the page has content');
  // A meter's own pixels: its filled part and its track differ.
  assert.ok((await colours(page, await backendRow.locator('meter.cpu').screenshot())) > 1, 'the CPU meter shows a level');

  // Live: a change at the endpoint reaches the page without a reload.
  metadata.documents = ourTask({ frontend: { cpu: 0.1, memoryMiB: 80 }, backend: { cpu: 0.45, memoryMiB: 200 } });
  await page.locator('tr[data-container="backend"] meter.cpu[value="0.45"]').waitFor({ timeout: 15_000 });
  assert.deepEqual((await shownRows(page))[1], { name: 'backend', cpu: { value: 0.45, max: 0.5 }, memory: { value: 200, max: 256 } });
  assert.deepEqual(problems, []);
});

test('without an endpoint (npm start) the page says so, shows no meters, and stops asking', async (t) => {
  const backend = await startService(t, 'backend');
  const frontend = await startService(t, 'frontend', { BACKEND_URL: backend.url });
  const { page, problems } = await openPage(t, `${frontend.url}/`);
  await page.locator('#task-status', { hasText: 'no endpoint' }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#task-message').innerText(), /ECS_CONTAINER_METADATA_URI_V4 is not set/);
  assert.equal(await page.locator('#task-view').isVisible(), false);
  assert.equal(await page.locator('#task-view meter').count(), 0);
  // The rest of the page works: the backend answered through the frontend.
  await page.locator('#greeting', { hasText: 'Hello, you!' }).waitFor({ timeout: 10_000 });

  let asked = 0;
  page.on('request', (req) => void (new URL(req.url()).pathname === '/api/task' && (asked += 1)));
  await page.waitForTimeout(4_000);
  assert.equal(asked, 0, 'the page asked again after a no_task_metadata');
  // The browser reports the 503 itself: the one console error, and expected.
  assert.deepEqual(
    problems.filter((problem) => !/status of 503 .*\/api\/task\)$/.test(problem)),
    [],
  );
});
