// A real headless browser for the e2e tests: Debian's chromium, driven by
// playwright-core (which ships no browser of its own).
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

// Headless, and quiet: no sandbox (CI runs as root), no GPU, and none of the
// background traffic (updates, sync, QUIC probes) that a test does not want.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserPage {
  readonly page: Page;
  /** Console errors (CSP violations included), uncaught page errors and failed requests, in order. */
  readonly problems: string[];
}

/** Opens `url` in a fresh headless chromium, closed when the test ends. */
export async function openPage(t: TestContext, url: string): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get update && apt-get install -y chromium\``);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}: ${request.failure()?.errorText}`));
  const response = await page.goto(url);
  if (response?.status() !== 200) throw new Error(`${url} answered ${response?.status()}`);
  return { page, problems };
}

// Counts the colours of a PNG image, given as a data: URL. It runs in the
// browser, which decodes the image; a string, as tsconfig has no DOM types.
const COUNT_COLOURS = `async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const seen = new Set();
  for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return seen.size;
}`;

/** How many colours a screenshot holds, decoded by the browser on a blank page of its own: a blank one has one. */
export async function colours(page: Page, png: Buffer): Promise<number> {
  const blank = await page.context().browser()!.newPage();
  try {
    return (await blank.evaluate(`(${COUNT_COLOURS})(${JSON.stringify(`data:image/png;base64,${png.toString('base64')}`)})`)) as number;
  } finally {
    await blank.close();
  }
}
