import { expect, test } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { expectAccessible, ready, shownCount, tableNames } from './helpers';

test.describe('public registry', () => {
  test('lists the registry with a count that matches the rows', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    await expect(page.getByRole('heading', { level: 1, name: 'Subprocessors' })).toBeVisible();
    const count = await shownCount(page);
    expect(count).toBeGreaterThan(30);
    expect((await tableNames(page)).length).toBe(Math.min(count, 100));
    await expectAccessible(page);
  });

  test('searches by name', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    await page.getByLabel('Search by name').fill('Alder');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]q=alder/i);
    // with JavaScript the list is replaced in place: wait for the new rows
    await expect.poll(async () => {
      const n = await tableNames(page);
      return n.length > 0 && n.every((x) => x.toLowerCase().includes('alder'));
    }).toBe(true);
    const names = await tableNames(page);
    expect(await shownCount(page)).toBe(names.length);
  });

  test('filters by processing country, service and status', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const all = await shownCount(page);
    await page.getByRole('group', { name: 'Processing country' }).getByLabel('Germany').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/country=DE/);
    await expect.poll(() => shownCount(page)).toBeLessThan(all);
    const de = await shownCount(page);
    expect(de).toBeGreaterThan(0);
    expect(de).toBeLessThan(all);
    const cells = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });
    for (const row of await cells.all()) {
      await expect(row.getByTitle('Germany')).toBeVisible();
    }
    // add a status filter: removed vendors only
    await page.getByRole('group', { name: 'Status' }).getByLabel('Removed').check();
    await page.getByRole('group', { name: 'Processing country' }).getByLabel('Germany').uncheck();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/status=removed/);
    // once hydrated, the URL changes before the new rows arrive: wait for the rows, not the URL
    const statusCells = page.getByRole('table').getByRole('cell').filter({ hasText: /^(Active|Announced|Removed)$/ });
    await expect
      .poll(async () => {
        const statuses = await statusCells.allInnerTexts();
        return statuses.length > 0 && statuses.every((s) => s === 'Removed');
      })
      .toBe(true);
  });

  test('shows an empty state when nothing matches', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    await page.getByLabel('Search by name').fill('no such vendor anywhere');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByText('No subprocessor matches these filters.')).toBeVisible();
    await expect(page.getByRole('heading', { name: '0 subprocessors' })).toBeVisible();
    await expect(page.getByRole('table')).toHaveCount(0);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Clear all filters' }).click();
    await expect.poll(() => shownCount(page)).toBeGreaterThan(30);
  });

  test('explains ignored filter values instead of failing', async ({ page }) => {
    const response = await page.goto(`/?country=XX&status=pending&q=${'x'.repeat(300)}`);
    expect(response?.status()).toBe(200);
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('"XX" is not an assigned country code');
    await expect(alert).toContainText('"pending" is not a status');
    await expect(alert).toContainText('Search text is limited to 100 characters');
    expect(await shownCount(page)).toBeGreaterThan(30);
  });

  test('updates the list in place once hydrated', async ({ page }, testInfo) => {
    test.skip(testInfo.project.name !== 'js', 'needs JavaScript');
    await page.goto('/');
    await ready(page, testInfo);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.getByRole('group', { name: 'Data category' }).getByLabel('Customer data').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/category=customer/);
    await expect.poll(() => shownCount(page)).toBeLessThan(44);
    // the same document: no full reload happened
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  test('downloads exactly the filtered rows as CSV', async ({ page }, testInfo) => {
    await page.goto('/?category=customer&country=DE&country=IE&country=FR&country=US');
    await ready(page, testInfo);
    const names = await tableNames(page);
    expect(names.length).toBeGreaterThan(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^subprocessors-\d{4}-\d{2}-\d{2}\.csv$/);
    const bytes = await readFile(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toContain('\r\n');
    const rows: Record<string, string>[] = parse(text, { columns: true });
    expect(rows.map((r) => r.legal_name)).toEqual(names);
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['legal_name', 'services', 'processing_countries', 'status']));
  });
});

test.describe('vendor page', () => {
  test('opens a vendor from the registry', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const first = (await tableNames(page))[0];
    await page.getByRole('link', { name: first, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(first);
    await expect(page).toHaveURL(/\/subprocessors\/[a-z0-9-]+$/);
    for (const term of ['Legal entity name', 'Country of registration', 'Countries where it processes data',
      'Services of ours it supports', 'Data categories', 'Transfer mechanism', 'Effective on']) {
      await expect(page.getByText(term, { exact: true })).toBeVisible();
    }
    await expectAccessible(page);
  });

  test('answers 404 for an unknown vendor', async ({ page }) => {
    const response = await page.goto('/subprocessors/no-such-vendor');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expectAccessible(page);
  });
});

test.describe('wide screens', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('the table fits the page, a 120-character name included', async ({ page }, testInfo) => {
    await page.goto('/?status=announced&status=active&status=removed');
    await ready(page, testInfo);
    // start-server.sh imports a vendor whose legal name has 120 characters
    const names = await tableNames(page);
    expect(names.some((n) => n.length === 120)).toBe(true);
    await expect(page.getByRole('button', { name: 'Apply filters' })).toBeVisible();
    const fits = await page.evaluate(() => {
      const wrap = document.querySelector('.table-wrap') as HTMLElement;
      return { scroll: wrap.scrollWidth, client: wrap.clientWidth, page: document.documentElement.scrollWidth };
    });
    expect(fits.scroll).toBeLessThanOrEqual(fits.client);
    expect(fits.page).toBeLessThanOrEqual(1280);
    await expectAccessible(page);
  });
});

test.describe('small screens', () => {
  test.use({ viewport: { width: 375, height: 800 } });

  test('results come first; the filters are one tap away and open when one is set', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const search = page.getByLabel('Search by name');
    await expect(search).toBeHidden();
    // the first row of results is within the first screen
    const first = page.getByRole('rowheader').first();
    const box = await first.boundingBox();
    expect(box && box.y < 800).toBe(true);
    await page.getByText('Filter', { exact: true }).click();
    await expect(search).toBeVisible();
    await search.fill('Alder');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]q=alder/i);
    // a filter is set: the panel is open and says how many are set
    await expect(page.getByLabel('Search by name')).toBeVisible();
    await expect(page.getByText('1 set')).toBeVisible();
    await expectAccessible(page);
  });

  test('stacks rows and never scrolls sideways', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await expectAccessible(page);
    await page.goto('/subprocessors/' + (await page.getByRole('rowheader').first().getByRole('link').getAttribute('href'))!.split('/').pop());
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(page);
  });
});

test.describe('the chain of subprocessors', () => {
  test('shows two levels on a vendor page and in the CSV', async ({ page, request }, testInfo) => {
    const res = await request.get('/subprocessors.csv');
    expect(res.status()).toBe(200);
    const rows: Record<string, string>[] = parse((await res.text()).replace(/^\uFEFF/, ''), { columns: true });
    // columns are only added at the end: the chain, then when a wider scope takes effect (issue 29)
    expect(Object.keys(rows[0]).slice(-2)).toEqual(['sub_processors', 'scope_effective_on']);
    const linked = rows.filter((r) => r.sub_processors !== '');
    expect(linked.length).toBeGreaterThan(0);
    for (const link of linked[0].sub_processors.split('; ')) expect(link).toMatch(/^.+ \([A-Z]{2}\)$/);
    // a vendor whose chain names another vendor of the registry, which has its own list
    const names = new Set(linked.map((r) => r.legal_name));
    const deep = linked.find((r) => r.sub_processors.split('; ').some((l) => names.has(l.replace(/ \([A-Z]{2}\)$/, ''))));
    expect(deep, 'a chain two levels deep').toBeTruthy();
    await page.goto(`/subprocessors/${deep!.slug}`);
    await ready(page, testInfo);
    const chain = page.getByRole('region', { name: 'Its own subprocessors' });
    for (const link of deep!.sub_processors.split('; ')) {
      await expect(chain.getByText(link.replace(/ \([A-Z]{2}\)$/, ''), { exact: true }).first()).toBeVisible();
    }
    // the link to the other vendor's page, and that vendor's own links below it
    const inner = chain.locator('ul.chain ul.chain li');
    expect(await inner.count()).toBeGreaterThan(0);
    const other = chain.getByRole('link').filter({ hasNotText: 'its own list' }).first();
    const otherName = (await other.innerText()).trim();
    await other.click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(otherName);
    await expectAccessible(page);
  });
});
