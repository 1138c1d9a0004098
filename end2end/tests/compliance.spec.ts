import { expect, test } from '@playwright/test';
import { expectAccessible, ready, shownCount, tableNames } from './helpers';

test.describe('computed compliance', () => {
  test('filters by compliance and shows the expected vendors', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const all = await shownCount(page);
    await page.getByRole('group', { name: 'Compliance today' }).getByLabel('Not compliant').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/compliance=not_compliant/);
    await expect.poll(() => shownCount(page)).toBeLessThan(all);
    const notCompliant = await tableNames(page);
    // the demo seeds expired training, a missing obligation and a lapsed contract
    for (const name of [/^Brightwater Hosting /, /^Ember Analytics /, /^Fernhill Mail /]) {
      expect(notCompliant.some((n) => name.test(n)), `${name} listed`).toBe(true);
    }
    const badges = page.getByRole('table').getByRole('cell').filter({ hasText: /^(Authorized|Not compliant)$/ });
    for (const b of await badges.allInnerTexts()) expect(b).toBe('Not compliant');

    await page.getByRole('group', { name: 'Compliance today' }).getByLabel('Authorized').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/compliance=authorized/);
    await expect(page.getByRole('table').getByRole('cell', { name: 'Not compliant', exact: true })).toHaveCount(0);
    // the list updates in place: wait for the new rows, not just for the old ones to go
    await expect
      .poll(async () => (await tableNames(page)).some((n) => /^Alder Data Services /.test(n)))
      .toBe(true);
    const authorized = await tableNames(page);
    expect(authorized.some((n) => /^Alder Data Services /.test(n))).toBe(true);
    expect(authorized.some((n) => /^Brightwater Hosting /.test(n))).toBe(false);
    // both judge active vendors only: announced ones are ready or not by their effective date
    const active = (await (await page.request.get('/api/v1/subprocessors?status=active')).json()).count;
    expect(authorized.length + notCompliant.length).toBe(active);
    await expectAccessible(page);
  });

  test('a not-compliant vendor explains why', async ({ page }, testInfo) => {
    await page.goto('/?compliance=not_compliant');
    await ready(page, testInfo);
    await page.getByRole('link', { name: /^Ember Analytics / }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Ember Analytics /);
    await expect(page.getByText('Not compliant today.')).toBeVisible();
    const reasons = page.getByRole('list', { name: 'Reasons' });
    await expect(reasons).toContainText('Contracts in force do not bind it to: Breach notice');
    await expect(page.getByText('Bound by contract to')).toBeVisible();
    await expectAccessible(page);
  });

  test('an authorized vendor shows its public assurance summary', async ({ page }) => {
    await page.goto('/subprocessors/alder-data-services');
    await expect(page.getByText('Authorized today: every assurance requirement is met.')).toBeVisible();
    await expect(page.getByText('VPAP enrolled since')).toBeVisible();
    await expect(page.getByText('Our privacy standards (work in our facilities)')).toBeVisible();
    // training personnel and contract references are internal
    await expect(page.getByText(/DPA-\d{4}/)).toHaveCount(0);
  });

  test('the internal records view asks a signed-out visitor to sign in', async ({ page }) => {
    await page.goto('/manage/vendors/alder-data-services');
    await expect(page).toHaveURL(/\/login\?next=%2Fmanage%2Fvendors%2Falder-data-services$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page.getByText('Alder Data Services')).toHaveCount(0);
  });
});
