import { expect, Page, test } from '@playwright/test';
import { expectAccessible, ready } from './helpers';

// These tests change records on their own server (see playwright.config.ts), one at a time.
test.describe.configure({ mode: 'serial' });

const password = (role: string) => `e2e ${role} passphrase long`;

async function signIn(page: Page, role: string, next = '/manage') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await ready(page, test.info());
  await page.getByLabel('Email').fill(`${role}@example.test`);
  await page.getByLabel('Password').fill(password(role));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/\//g, '\\/')}$`));
}

test('a signed-out visitor of /manage is sent to sign in, and a wrong password gets the generic message', async ({ page }) => {
  await page.goto('/manage');
  await expect(page).toHaveURL(/\/login\?next=%2Fmanage$/);
  await ready(page, test.info());
  await expectAccessible(page);
  await page.getByLabel('Email').fill('manager@example.test');
  await page.getByLabel('Password').fill('not my password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await page.getByLabel('Email').fill('nobody@example.test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
});

test('sign-in works without JavaScript too', async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  try {
    await page.goto('/login');
    await page.getByLabel('Email').fill('auditor@example.test');
    await page.getByLabel('Password').fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
    await page.getByLabel('Email').fill('auditor@example.test');
    await page.getByLabel('Password').fill(password('auditor'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/manage$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Manage' })).toBeVisible();
    // an auditor reads everything and is offered no editing
    await expect(page.getByRole('link', { name: 'New vendor' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  } finally {
    await ctx.close();
  }
});

test('a manager edits a vendor and the public page changes', async ({ page }) => {
  await signIn(page, 'manager');
  await expect(page.getByRole('heading', { name: /Not compliant today/ })).toBeVisible();
  await expect(page.locator('.chart svg')).toBeVisible();
  await expectAccessible(page);
  await page.goto('/manage/vendors/cobalt-networks/edit');
  await ready(page, test.info());
  await expectAccessible(page);
  const name = page.getByLabel('Legal name');
  await name.fill('Cobalt Networks Renamed AG');
  await page.getByRole('button', { name: 'Save vendor' }).click();
  await expect(page).toHaveURL(/\/manage\/vendors\/cobalt-networks$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Cobalt Networks Renamed AG');
  // the change is in the vendor's history
  await expect(page.getByRole('table').filter({ hasText: 'update vendor' })).toBeVisible();
  await page.goto('/subprocessors/cobalt-networks');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cobalt Networks Renamed AG');
});

test('bad input is refused next to the field and the entries stay', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/manage/vendors/cobalt-networks/edit');
  await ready(page, test.info());
  await page.getByLabel('Country of registration').fill('XX');
  await page.getByLabel('Website').fill('https://example.test/ok');
  await page.getByRole('button', { name: 'Save vendor' }).click();
  await expect(page.locator('#v-country-error')).toContainText('XX');
  await expect(page.getByLabel('Country of registration')).toHaveValue('XX');
});

test('renewing training flips the compliance badge', async ({ page }) => {
  await signIn(page, 'manager', '/manage/vendors/brightwater-hosting');
  const head = page.locator('.vendor-head');
  await expect(head.getByText('Not compliant', { exact: true })).toBeVisible();
  await expectAccessible(page);
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add training record' }) });
  await form.getByLabel('Person', { exact: true }).fill('Bruno Lindqvist');
  await form.getByLabel("Person's email").fill('bruno@vendor1.example');
  await form.getByLabel('Completed on').fill(new Date().toISOString().slice(0, 10));
  await form.getByRole('button', { name: 'Add training record' }).click();
  await expect(head.getByText('Authorized', { exact: true })).toBeVisible();
  await page.goto('/subprocessors/brightwater-hosting');
  await expect(page.locator('.vendor-head').getByText('Authorized', { exact: true })).toBeVisible();
});

test('an attestation is changed in place and recorded', async ({ page }) => {
  await signIn(page, 'manager', '/manage/vendors/cobalt-networks');
  const table = page.getByRole('region', { name: 'Attestations' }).or(page.locator('section[aria-labelledby="att-h"]'));
  await table.getByText('Edit', { exact: true }).first().click();
  const form = table.locator('form').filter({ has: page.getByRole('button', { name: 'Save attestation' }) }).first();
  await form.getByLabel('Approved by').fill('E2E Reviewer');
  await form.getByRole('button', { name: 'Save attestation' }).click();
  await expect(table.getByRole('cell', { name: 'E2E Reviewer' })).toBeVisible();
  await expect(page.getByRole('table').filter({ hasText: 'update attestation' })).toBeVisible();
});

test('a stale edit shows the conflict and does not overwrite', async ({ browser }) => {
  const first = await browser.newPage();
  const second = await browser.newPage();
  try {
    await signIn(first, 'manager');
    await signIn(second, 'admin');
    for (const p of [first, second]) {
      await p.goto('/manage/vendors/ember-analytics/edit');
      await ready(p, test.info());
    }
    await first.getByLabel('Trading name').fill('Ember One');
    await first.getByRole('button', { name: 'Save vendor' }).click();
    await expect(first).toHaveURL(/\/manage\/vendors\/ember-analytics$/);
    await second.getByLabel('Trading name').fill('Ember Two');
    await second.getByRole('button', { name: 'Save vendor' }).click();
    const alert = second.getByRole('alert');
    await expect(alert).toContainText('This record was changed by manager@example.test');
    await expect(alert.getByRole('row', { name: /Trading name Ember One/ })).toBeVisible();
    await expect(second.getByLabel('Trading name')).toHaveValue('Ember Two');
    await second.goto('/subprocessors/ember-analytics');
    await expect(second.getByText('Ember One').first()).toBeVisible();
    await expect(second.getByText('Ember Two')).toHaveCount(0);
  } finally {
    await first.close();
    await second.close();
  }
});
