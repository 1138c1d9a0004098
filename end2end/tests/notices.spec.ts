import { expect, test } from '@playwright/test';
import { expectAccessible, linkIn, mailsTo, nthMail, ready } from './helpers';

// A customer subscribes, confirms from the mail, objects to an upcoming change, and a vendor
// manager resolves the objection; with JavaScript on and off (every form is a plain post).
test('a customer subscribes, objects to an upcoming change, and hears back', async ({ page, browser, baseURL }, testInfo) => {
  test.setTimeout(90_000);
  const email = `e2e-${testInfo.project.name}-${Date.now()}@customer.example`;

  await page.goto('/subscribe');
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hear of every change before it takes effect');
  await expectAccessible(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Organisation').fill('E2E Customer Ltd');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await expect(page).toHaveURL(/\/subscribe\?sent=1$/);
  await expect(page.getByText('Check your inbox.')).toBeVisible();

  // the confirmation link from the mail opens a page whose button confirms (opening the link
  // alone confirms nothing: mail scanners open every link), then the manage page
  const confirm = await nthMail(baseURL!, email, 1);
  expect(confirm.subject).toBe('Confirm your subscription to subprocessor changes');
  await page.goto(linkIn(confirm, '/subscriptions/confirm/'));
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm your subscription');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Confirm subscription' }).click();
  await expect(page).toHaveURL(/\/subscriptions\/manage\/[0-9a-f]{64}\?confirmed=1$/);
  await ready(page, testInfo);
  await expect(page.getByText('Subscription confirmed.')).toBeVisible();
  await expect(page.getByText('Nothing ticked: every change.')).toBeVisible();
  await expectAccessible(page);
  const manage = new URL(page.url()).pathname;

  // an upcoming change of the demo touching customer data: object to it
  const upcoming = page.getByRole('region', { name: 'Upcoming changes you can object to' });
  const object = upcoming.getByRole('link', { name: 'Object' }).first();
  await expect(object).toBeVisible();
  await object.click();
  await expect(page).toHaveURL(/\/changes\/\d+\/objection\?token=[0-9a-f]{64}$/);
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Object to a change');
  const vendor = (await page.getByRole('heading', { level: 2 }).first().innerText()).trim();
  await expectAccessible(page);
  await page.getByLabel('Reason').fill('Our contract does not allow this vendor to process our data.');
  await page.getByLabel(/^Contact/).fill('+49 30 123456');
  await page.getByRole('button', { name: 'Send objection' }).click();
  await expect(page).toHaveURL(/&sent=1$/);
  await expect(page.getByText('Your objection is recorded.')).toBeVisible();
  await expect(page.getByText(/Made \d{4}-\d{2}-\d{2}: Received/)).toBeVisible();

  // a vendor manager acknowledges it, then resolves it with a response
  const ctx = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const mgr = await ctx.newPage();
  await mgr.goto('/login?next=%2Fmanage%2Fobjections');
  await ready(mgr, testInfo);
  await mgr.getByLabel('Email').fill('manager@example.test');
  await mgr.getByLabel('Password').fill('e2e manager passphrase long');
  await mgr.getByRole('button', { name: 'Sign in' }).click();
  await expect(mgr).toHaveURL(/\/manage\/objections$/);
  await ready(mgr, testInfo);
  const mine = mgr.getByRole('article').filter({ hasText: email });
  await expect(mine).toHaveCount(1);
  await expect(mine.getByRole('heading')).toContainText(vendor);
  await expect(mine).toContainText(/\d+ days? before it takes effect/);
  await expectAccessible(mgr);
  await mine.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(mine).toContainText('acknowledged by manager@example.test');
  await mine.getByText('Resolve', { exact: true }).click();
  await mine.getByLabel('Change kept, with an explanation').check();
  await mine.getByLabel(/^Response to the customer/).fill('The vendor is bound by our standard contractual clauses; details attached.');
  await mine.getByRole('button', { name: 'Resolve and send the response' }).click();
  await expect(mgr.getByRole('article').filter({ hasText: email })).toHaveCount(0);
  await mgr.goto('/manage/objections?all=1');
  await expect(mgr.getByRole('article').filter({ hasText: email })).toContainText('Change kept, with an explanation');
  await ctx.close();

  // the customer is mailed each step, and the manage page shows the answer
  await expect
    .poll(() => mailsTo(baseURL!, email).map((m) => m.subject).join('\n'), { timeout: 15_000 })
    .toContain('Resolved: Change kept');
  const answer = mailsTo(baseURL!, email).find((m) => m.subject.includes('Resolved'))!;
  expect(answer.text).toContain('standard contractual clauses');
  await page.goto(manage);
  await ready(page, testInfo);
  await expect(page.getByRole('region', { name: 'Your objections' })).toContainText('Resolved: Change kept');
  // the public change entry counts it, with no names
  await page.goto('/changes');
  await expect(page.getByText(/objections? (open|resolved)/).first()).toBeVisible();
  await expect(page.getByText(email)).toHaveCount(0);
});

test('a bad address is refused next to the field, keeping what was typed', async ({ page }, testInfo) => {
  await page.goto('/subscribe');
  await ready(page, testInfo);
  if (testInfo.project.use.javaScriptEnabled === false) {
    // no script to change the input's type: post the form as the browser would
    const res = await page.request.post('/subscribe', {
      form: { email: 'not an address', organisation: 'Kept Organisation' },
      headers: { accept: 'text/html' },
    });
    expect(res.status()).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="sub-email-msg"');
    expect(html).toContain('value="Kept Organisation"');
    return;
  }
  // the browser's own check is bypassed so the server's answer is what is tested
  await page.getByLabel('Email', { exact: true }).evaluate((el) => el.setAttribute('type', 'text'));
  await page.getByLabel('Email', { exact: true }).fill('not an address');
  await page.getByLabel('Organisation').fill('Kept Organisation');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await expect(page.locator('#sub-email-msg')).toBeVisible();
  await expect(page.getByLabel('Organisation')).toHaveValue('Kept Organisation');
  await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
});

test('a confirmation link that is not known says so and offers to subscribe again', async ({ page }) => {
  const res = await page.goto(`/subscriptions/confirm/${'ab'.repeat(32)}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('alert')).toContainText('not known');
  await expect(page.getByRole('link', { name: 'Subscribe again' })).toBeVisible();
});
