import AxeBuilder from '@axe-core/playwright';
import { createHmac } from 'node:crypto';
import { expect, Page, test, TestInfo } from '@playwright/test';

/**
 * Fail on any WCAG 2.0/2.1/2.2 A or AA violation on the current page. axe runs inside the
 * page, so it needs JavaScript: with JavaScript off the scan runs on the same URL in a
 * JavaScript-enabled page of the same browser (the server sends the same HTML either way).
 */
export async function expectAccessible(page: Page) {
  if (test.info().project.use.javaScriptEnabled === false) {
    const browser = page.context().browser();
    if (!browser) throw new Error('no browser for the accessibility scan');
    const ctx = await browser.newContext({ javaScriptEnabled: true, viewport: page.viewportSize() });
    const scan = await ctx.newPage();
    try {
      await scan.goto(page.url());
      await axeScan(scan);
    } finally {
      await ctx.close();
    }
    return;
  }
  await axeScan(page);
}

async function axeScan(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, 'accessibility violations').toEqual([]);
}

/** With JavaScript on, wait until the page is hydrated so clicks are handled in-page. */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.name === 'js') {
    await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  }
}

/** The legal names in the registry table, in order. */
export async function tableNames(page: Page): Promise<string[]> {
  return page.getByRole('table').getByRole('rowheader').getByRole('link').allInnerTexts();
}

/** Number in "42 subprocessors". */
export async function shownCount(page: Page): Promise<number> {
  const text = await page.getByRole('heading', { level: 2, name: /subprocessors?$/ }).innerText();
  const m = text.match(/^(\d+) subprocessors?$/);
  expect(m, `count heading: ${text}`).not.toBeNull();
  return Number(m![1]);
}


/** RFC 4648 base32 to bytes (TOTP secrets are written this way). */
function base32(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app shows for `secret` at `time` (RFC 6238: SHA-1, 6 digits, 30 s). */
export function totp(secret: string, time = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / 30)));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = h[h.length - 1] & 0xf;
  return ((h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}
