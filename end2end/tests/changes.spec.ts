import { expect, test } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { expectAccessible, ready, shownCount, tableNames } from './helpers';

/** Vendor names in the change tables (upcoming, then past) as shown. */
async function changeNames(page: import('@playwright/test').Page): Promise<string[]> {
  return page.locator('table.changes tbody th a').allInnerTexts();
}

function daysAgo(n: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

test.describe('change history', () => {
  test('a customer filters the changes by service and follows the feed', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    // every public page announces the feed to feed readers
    await expect(page.locator('head link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute('href', '/changes.atom');
    await page.getByRole('link', { name: 'Changes', exact: true }).click();
    await expect(page).toHaveURL(/\/changes$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Changes to our subprocessors' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: 'Upcoming' })).toBeVisible();
    const all = await changeNames(page);
    expect(all.length).toBeGreaterThan(5);
    await expectAccessible(page);

    await page.getByLabel('Service').selectOption({ label: 'Object Storage' });
    await page.getByRole('button', { name: 'Show changes' }).click();
    await expect(page).toHaveURL(/[?&]service=object-storage/);
    const shown = await changeNames(page);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(all.length);
    // the same changes as the JSON API for that service
    const api = await (await page.request.get('/api/v1/changes?service=object-storage')).json();
    const apiNames: string[] = api.changes.map((c: { legal_name: string }) => c.legal_name);
    expect([...shown].sort()).toEqual([...apiNames].sort());

    // the feed link keeps the filter and serves Atom with the same changes
    const feed = page.getByRole('link', { name: 'Atom feed', exact: true });
    const href = await feed.getAttribute('href');
    expect(href).toBe('/changes.atom?service=object-storage');
    const res = await page.request.get(href!);
    expect(res.headers()['content-type']).toContain('application/atom+xml');
    const xml = await res.text();
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    for (const name of new Set(shown)) {
      expect(xml).toContain(name.replace(/&/g, '&amp;'));
    }
  });

  test('the registry as of a past date, and its CSV', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const day = daysAgo(60);
    await page.getByLabel('Registry as of').fill(day);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(new RegExp(`as_of=${day}`));
    await expect(page.getByText(`The registry as it stood on ${day}`)).toBeVisible();
    // compliance is computed for today only, so a past day shows no such column
    await expect(page.getByRole('columnheader', { name: 'Compliance' })).toHaveCount(0);
    const names = await tableNames(page);
    expect(names.length).toBeGreaterThan(5);
    expect(await shownCount(page)).toBe(names.length);
    await expectAccessible(page);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`subprocessors-as-of-${day}.csv`);
    const bytes = await readFile(await download.path());
    const rows: Record<string, string>[] = parse(bytes.subarray(3).toString('utf8'), { columns: true });
    expect(rows.map((r) => r.legal_name)).toEqual(names);

    // and the difference from that day to today
    await page.getByRole('link', { name: `What changed since ${day}` }).click();
    await expect(page.getByRole('heading', { level: 2, name: new RegExp(`What changed from ${day} to`) })).toBeVisible();
    await expect(page.getByRole('heading', { level: 3, name: /^Added \(\d+\)$/ })).toBeVisible();
  });
});
