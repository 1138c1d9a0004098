import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { expectAccessible, linkIn, mailsTo, nthMail, ready, totp, watchErrors, xlsxRows } from './helpers';

// These tests change records on their own server (see playwright.config.ts), one at a time.
test.describe.configure({ mode: 'serial' });

const password = (role: string) => `e2e ${role} passphrase long`;

/** What the accounts that set up two-step sign-in in this run know: the TOTP secret, the
 * recovery codes, and the last time step used (a code is good once). */
const second = new Map<string, { secret: string; codes: string[]; step: number }>();

/** The next code to give: the current or the next time step's (the server allows one step of
 * skew) if not used yet, else a recovery code. */
function nextCode(email: string): string {
  const s = second.get(email);
  if (!s) throw new Error(`no two-step secret for ${email}`);
  const now = Math.floor(Date.now() / 1000 / 30);
  for (const step of [now, now + 1]) {
    if (step > s.step) {
      s.step = step;
      return totp(s.secret, step * 30 * 1000);
    }
  }
  const code = s.codes.pop();
  if (!code) throw new Error('no recovery code left');
  return code;
}

/** The one-time set-up link `start-server.sh` issued for the admin (`server user set-up-link`). */
function adminSetUpLink(): string {
  const port = new URL(test.info().project.use.baseURL!).port;
  const link = readFileSync(join(process.env.E2E_MAIL_ROOT ?? '', port, 'admin-set-up-link.txt'), 'utf8');
  return new URL(link.trim()).pathname;
}

/** Sign in as `role`. An admin's role requires two-step sign-in: the first time, its set-up
 * starts from the one-time link an admin issued (the page's button and the password), and the
 * secret is read off the page as a person's authenticator app would; a code after that. */
async function signIn(page: Page, role: string, next = '/manage') {
  watchErrors(page);
  const email = `${role}@example.test`;
  if (role === 'admin' && !second.has(email)) {
    await page.goto(adminSetUpLink());
    await ready(page, test.info());
    await page.getByLabel('Password').fill(password(role));
    await page.getByRole('button', { name: 'Start set-up' }).click();
    await page.waitForURL(/\/login\/setup$/);
    await expect(page.getByRole('heading', { name: 'Set up two-step sign-in' })).toBeVisible();
    await expect(page.locator('.qr svg')).toBeVisible();
    await expect(page.locator('.recovery-codes li')).toHaveCount(10);
    await expectAccessible(page);
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await page.getByRole('button', { name: 'Finish and sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('That code is not right');
    // the failed attempt started the set-up over (a pending secret is never shown twice):
    // the key and recovery codes shown now are the ones that count
    const secret = (await page.locator('code.secret').innerText()).trim();
    const codes = await page.locator('.recovery-codes code').allInnerTexts();
    second.set(email, { secret, codes, step: 0 });
    await page.getByLabel('Code', { exact: true }).fill(nextCode(email));
    await page.getByRole('button', { name: 'Finish and sign in' }).click();
    await page.waitForURL(/\/manage$/);
    if (next !== '/manage') await page.goto(next);
  } else {
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await ready(page, test.info());
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password(role));
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (role === 'admin') {
      await page.waitForURL(/\/login\/verify$/);
      await page.getByLabel('Code', { exact: true }).fill(nextCode(email));
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
  }
  await expect(page).toHaveURL(new RegExp(`${next.replace(/\//g, '\\/')}$`));
  await ready(page, test.info());
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
  // the registry's list reads stored compliance: the edit shows there at once, and the
  // filters follow it (signed in, so the page cache is skipped)
  await page.goto('/?q=brightwater+hosting');
  const row = page.getByRole('row').filter({ hasText: 'Brightwater Hosting' });
  await expect(row.getByRole('cell', { name: 'Authorized', exact: true })).toBeVisible();
  await page.goto('/?q=brightwater+hosting&compliance=not_compliant');
  await expect(page.getByRole('row').filter({ hasText: 'Brightwater Hosting' })).toHaveCount(0);
  await page.goto('/?q=brightwater+hosting&compliance=authorized');
  await expect(page.getByRole('row').filter({ hasText: 'Brightwater Hosting' })).toHaveCount(1);
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
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
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
    await first.context().close();
    await second.context().close();
  }
});

test('an admin owes two-step sign-in, then signs in with a code', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  try {
    // the first admin sign-in of this run sets it up; the second asks for a code
    await signIn(page, 'admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, 'admin', '/manage/account');
    await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
    await expect(page.getByText(/On: signing in asks for a code/)).toBeVisible();
    await expect(page.getByText('Your role must sign in with two steps')).toBeVisible();
    const sessions = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Browser' }) });
    await expect(sessions.getByText('This session')).toBeVisible();
    await expectAccessible(page);
  } finally {
    await page.context().close();
  }
});

test('removing a record asks first, without any script', async ({ page }) => {
  await signIn(page, 'manager', '/manage/vendors/alder-data-services');
  await ready(page, test.info());
  const training = page.getByRole('region', { name: 'Training records' });
  const person = (await training.getByRole('row').nth(1).getByRole('cell').first().innerText()).trim();
  const yes = training.getByRole('button', { name: 'Yes, remove' }).first();
  await expect(yes).toBeHidden();
  await training.getByLabel('Remove this training record').first().click();
  await expect(training.getByText('Remove this training record? The removal is recorded in the audit trail.').first()).toBeVisible();
  await yes.click();
  await expect(training.getByRole('cell', { name: person, exact: true })).toHaveCount(0);
  await page.goto('/manage/audit?entity=training&vendor=alder-data-services');
  await expect(page.getByRole('cell', { name: 'delete training' }).first()).toBeVisible();
});

test('a manager imports a spreadsheet: the dry run first, then the apply', async ({ page }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const name = `Imported Relay ${stamp} GmbH`;
  const slug = `imported-relay-${stamp}-gmbh`;
  const effective = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  const early = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  const file = [
    'legal_name,kind,work_location,purpose_category,purpose,registration_country,transfer_mechanism,services,processing_countries,data_categories,effective_on',
    `${name},Third party,own_facilities,Infrastructure,Relays outbound mail,Germany,SCCs,Backup,DE; France,Customer data,${effective}`,
    `Too Early ${stamp} Ltd,third_party,own_facilities,infrastructure,Arrives too soon,GB,sccs,backup,GB,customer,${early}`,
  ].join('\n');

  await signIn(page, 'manager', '/manage/import');
  await ready(page, test.info());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Import vendors or training records');
  await expectAccessible(page);
  await page.getByLabel('File').setInputFiles({ name: 'vendors.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await page.getByRole('button', { name: 'Check the file' }).click();

  // the dry run: one new vendor, one refused with its line and column, nothing written
  await expect(page).toHaveURL(/\/manage\/import\/\d+$/);
  const summary = page.locator('#import-summary');
  await expect(summary).toContainText('Dry run, nothing written', { timeout: 30_000 });
  await expect(summary).toContainText('1 new');
  const refused = page.getByRole('region', { name: /^Refused/ });
  const row = refused.getByRole('row').filter({ hasText: 'effective_on' });
  await expect(row.getByRole('cell').first()).toHaveText('3');
  await expect(row).toContainText('180 days');
  await expect(page.getByRole('region', { name: /^New vendors/ })).toContainText(name);
  await expectAccessible(page);
  const missing = await page.request.get(`/subprocessors/${slug}`);
  expect(missing.status()).toBe(404);

  // apply, skipping the refused row: the vendor is in, announced today
  await page.getByLabel('Write the accepted rows and skip the refused ones').check();
  await page.getByRole('button', { name: 'Apply this import' }).click();
  await expect(page.locator('#import-summary')).toContainText('Imported', { timeout: 30_000 });
  await page.goto(`/subprocessors/${slug}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.getByText('Relays outbound mail')).toBeVisible();
  await page.goto('/manage/import');
  await expect(page.getByRole('region', { name: 'Recent imports' })).toContainText('vendors.csv · apply');

  // the same file as the whole list (a dry run only: the other tests share this registry):
  // the vendors it leaves out are listed, and removing more than a fifth asks for their number
  await page.getByLabel('File').setInputFiles({ name: 'whole.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await page.getByLabel("Our whole list: remove the registry's vendors it does not name").check();
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page.locator('#import-summary')).toContainText('removed (not in the file)', { timeout: 30_000 });
  const gone = page.getByRole('region', { name: /^To be removed from the registry/ });
  await expect(gone).toContainText('Alder Data Services');
  const confirm = page.getByLabel(/Remove \d+ of the registry's \d+ vendors \(more than a fifth\)/);
  await expect(confirm).toBeVisible();
  await expect(confirm).not.toBeChecked();
  await expectAccessible(page);
});

test('a vendor contact is invited, signs in by the mailed link (with and without JavaScript) and sees only its vendor', async ({ page, browser, baseURL }) => {
  // two browsers, four pages scanned by axe, two mails: longer than one page's test
  test.setTimeout(120_000);
  await signIn(page, 'manager', '/manage/vendors/alder-data-services');
  const contacts = page.getByRole('region', { name: 'Vendor contacts' });
  await contacts.getByText('Invite a contact').click();
  // refused without a role: the message stands next to the field, nothing is sent
  await contacts.getByLabel('Name').fill('Ada Lovelace');
  await contacts.getByLabel('Work e-mail').fill('ada@alder.example');
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByText('Choose what the contact answers for')).toBeVisible();
  await contacts.getByLabel('Privacy').check();
  await contacts.getByLabel('Training').check();
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByRole('rowheader', { name: 'Ada Lovelace' })).toBeVisible();
  await expect(contacts.getByRole('cell', { name: 'Privacy, Training' })).toBeVisible();
  await expectAccessible(page);

  const mail = await nthMail(baseURL!, 'ada@alder.example', 1);
  expect(mail.subject).toContain('vendor portal');
  const link = linkIn(mail, '/vendor/sign-in/');
  for (const javaScriptEnabled of [false, true]) {
    const ctx = await browser.newContext({ javaScriptEnabled, baseURL });
    const contact = await ctx.newPage();
    watchErrors(contact);
    if (!javaScriptEnabled) {
      // opening the link changes nothing: the page asks to continue
      await contact.goto(link);
      await expect(contact.getByRole('button', { name: 'Continue' })).toBeVisible();
      await expectAccessible(contact, javaScriptEnabled);
      await contact.getByRole('button', { name: 'Continue' }).click();
    } else {
      // the link was used: a new one is asked for on the page, and comes by mail
      await contact.goto(link);
      await ready(contact, test.info());
      await expect(contact.getByText('This sign-in link does not work')).toBeVisible();
      await contact.getByLabel('Your work e-mail address').fill('ada@alder.example');
      await contact.getByRole('button', { name: 'Mail me a sign-in link' }).click();
      await expect(contact.getByText('a sign-in link is on its way')).toBeVisible();
      const again = await nthMail(baseURL!, 'ada@alder.example', 2);
      await contact.goto(linkIn(again, '/vendor/sign-in/'));
      await ready(contact, test.info());
      await contact.getByRole('button', { name: 'Continue' }).click();
    }
    await contact.waitForURL(/\/vendor$/);
    await expect(contact.getByRole('heading', { level: 1 })).toContainText('Vendor portal: Alder');
    await expect(contact.getByText('Signed in as Ada Lovelace')).toBeVisible();
    // the staff sign-in is not offered to a signed-in contact
    await expect(contact.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' })).toHaveCount(0);
    await expectAccessible(contact, javaScriptEnabled);
    // nothing internal is the contact's
    const internal = await contact.request.post('/api/manage/home');
    expect(internal.status()).toBe(403);
    await contact.getByRole('button', { name: 'Sign out' }).click();
    await contact.waitForURL(/\/vendor\/sign-in$/);
    await ctx.close();
  }

  // disabling asks first, and ends the contact's access
  await page.reload();
  await ready(page, test.info());
  await contacts.getByLabel('Disable Ada Lovelace').click();
  await contacts.getByRole('button', { name: 'Yes, disable' }).click();
  await expect(contacts.getByRole('cell', { name: /^Disabled/ })).toBeVisible();
});

test('a vendor contact submits an assessment with its report (without JavaScript) and a manager reviews it', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, 'manager', '/manage/vendors/driftwood-labs');
  const contacts = page.getByRole('region', { name: 'Vendor contacts' });
  await contacts.getByText('Invite a contact').click();
  await contacts.getByLabel('Name').fill('Grace Hopper');
  await contacts.getByLabel('Work e-mail').fill('grace@driftwood.example');
  await contacts.getByLabel('Security').check();
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByRole('rowheader', { name: 'Grace Hopper' })).toBeVisible();
  const mail = await nthMail(baseURL!, 'grace@driftwood.example', 1);

  const ctx = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const contact = await ctx.newPage();
  await contact.goto(linkIn(mail, '/vendor/sign-in/'));
  await contact.getByRole('button', { name: 'Continue' }).click();
  await contact.waitForURL(/\/vendor$/);
  const evidence = contact.getByRole('region', { name: 'Independent assessments' });
  await expect(evidence.getByText('Nothing submitted yet.')).toBeVisible();
  const fill = async (file: { name: string; mimeType: string; buffer: Buffer }) => {
    await evidence.getByLabel('Kind').selectOption({ label: 'SOC 2 Type II' });
    await evidence.getByLabel('Assessor').fill('Keel & Partners Audit');
    await evidence.getByLabel('Period start').fill('2025-10-01');
    await evidence.getByLabel('Period end').fill('2026-09-30');
    await evidence.getByLabel('Issued on').fill('2026-11-20');
    await evidence.getByLabel('Valid until').fill('2027-11-19');
    await evidence.getByLabel(/The report or certificate/).setInputFiles(file);
    await evidence.getByRole('button', { name: 'Submit for review' }).click();
  };
  // a page saved under a PDF's name is refused with what it is, next to the form
  await fill({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><body>not a report</body></html>') });
  await expect(contact.locator('#evidence-error')).toContainText('text (HTML');
  const report = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(50_000, 46), Buffer.from('\n%%EOF\n')]);
  await fill({ name: 'SOC 2 Type II 2026.pdf', mimeType: 'application/pdf', buffer: report });
  await expect(contact.getByText('Submitted. It waits for our review')).toBeVisible();
  const row = evidence.getByRole('row', { name: /SOC 2 Type II by Keel & Partners Audit/ });
  await expect(row).toContainText('Waiting for review (sent today)');
  await expectAccessible(contact, false);
  // the document comes back as an attachment, byte for byte
  const href = await row.getByRole('link', { name: 'SOC 2 Type II 2026.pdf' }).getAttribute('href');
  const download = await contact.request.get(href!);
  expect(download.headers()['content-disposition']).toContain('attachment');
  expect((await download.body()).equals(report)).toBe(true);

  // the manager finds it waiting, asks for a change (which needs a comment)
  await page.goto('/manage/reviews');
  await ready(page, test.info());
  await page.getByRole('link', { name: /SOC 2 Type II by Keel & Partners Audit/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('SOC 2 Type II');
  await expect(page.getByRole('link', { name: 'SOC 2 Type II 2026.pdf' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('radio', { name: 'Ask for changes' }).check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.getByText('Say what needs to change')).toBeVisible();
  await page.getByLabel(/Comment for the vendor/).fill('Page 2 is missing.');
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('#review-decided')).toContainText('Changes requested by manager@example.test');
  await page.goto('/manage/reviews');
  await expect(page.getByText('Nothing waits for review.')).toBeVisible();

  // the contact reads the comment
  await contact.reload();
  await expect(row).toContainText('Changes requested: Page 2 is missing.');
  await ctx.close();
});

test('a vendor contact signs the attestation (without JavaScript); a manager asks for a change on one answer, then approves', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, 'manager', '/manage/vendors/ember-analytics');
  const contacts = page.getByRole('region', { name: 'Vendor contacts' });
  await contacts.getByText('Invite a contact').click();
  await contacts.getByLabel('Name').fill('Linus Pauling');
  await contacts.getByLabel('Work e-mail').fill('linus@ember.example');
  await contacts.getByLabel('Privacy').check();
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByRole('rowheader', { name: 'Linus Pauling' })).toBeVisible();
  const mail = await nthMail(baseURL!, 'linus@ember.example', 1);

  const ctx = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const contact = await ctx.newPage();
  await contact.goto(linkIn(mail, '/vendor/sign-in/'));
  await contact.getByRole('button', { name: 'Continue' }).click();
  await contact.waitForURL(/\/vendor$/);
  const section = contact.getByRole('region', { name: 'Annual VPAP attestation' });
  await expect(section.getByText('No attestation signed yet.')).toBeVisible();
  await section.getByRole('link', { name: 'Answer and sign the attestation' }).click();
  await expect(contact.getByRole('heading', { level: 1 })).toHaveText('VPAP annual attestation');
  const statements = contact.locator('li.question');
  await expect(statements).toHaveCount(10);
  await expectAccessible(contact, false);
  const answerAll = async (noAt: number | null) => {
    const n = await statements.count();
    for (let i = 0; i < n; i++) {
      await statements.nth(i).getByRole('radio', { name: i === noAt ? 'No' : 'Yes', exact: true }).check();
    }
  };
  // a "no" without a reason, and no evidence where a yes needs it: refused, each at its statement
  await answerAll(7);
  await contact.getByLabel('Your full name').fill('Linus Pauling');
  await contact.getByRole('button', { name: 'Sign and submit for review' }).click();
  await expect(contact.locator('#attestation-errors')).toContainText('Statement 8: say why the answer is no.');
  await expect(contact.locator('#q-audit_cooperation .field-error')).toContainText('attach the document');
  await answerAll(7);
  await statements.nth(7).getByLabel(/Explanation/).fill('Our storage provider signs the renewed terms in January.');
  const letter = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20_000, 46), Buffer.from('\n%%EOF\n')]);
  await statements.nth(8).getByLabel(/Evidence for a yes/).setInputFiles({ name: 'ISO 27001 certificate.pdf', mimeType: 'application/pdf', buffer: letter });
  await contact.getByLabel('Your full name').fill('Linus Pauling');
  await contact.getByRole('button', { name: 'Sign and submit for review' }).click();
  await contact.waitForURL(/\/vendor\?attested=1/);
  await expect(section.getByRole('row', { name: /Linus Pauling/ })).toContainText('Waiting for review (signed today)');

  // the manager asks for a change on one answer
  await page.goto('/manage/reviews');
  await ready(page, test.info());
  await page.getByRole('link', { name: /Signed by Linus Pauling/ }).click();
  await expect(page.locator('#attestation-signature')).toContainText('Linus Pauling (typed name)');
  await expect(page.getByRole('link', { name: 'ISO 27001 certificate.pdf' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Comment on statement 8').fill('Tell us the date the renewed terms take effect.');
  await page.getByRole('radio', { name: 'Ask for changes' }).check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('#review-decided')).toContainText('Changes requested by manager@example.test');

  // the contact reads it at the statement, fixes the answer and signs again; the certificate is kept
  await contact.goto('/vendor/attestation');
  await expect(contact.locator('#q-flow_down')).toContainText('Our comment: Tell us the date the renewed terms take effect.');
  await expect(contact.locator('#q-audit_cooperation')).toContainText('ISO 27001 certificate.pdf');
  await statements.nth(7).getByLabel(/Explanation/).fill('The renewed terms take effect on 2027-01-15.');
  await contact.getByRole('button', { name: 'Sign and submit for review' }).click();
  await contact.waitForURL(/\/vendor\?attested=1/);

  await page.goto('/manage/reviews');
  await ready(page, test.info());
  await page.getByRole('link', { name: /Signed by Linus Pauling/ }).click();
  await expect(page.locator('#answer-flow_down')).toContainText('2027-01-15');
  await page.getByRole('radio', { name: /Approve/ }).check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('#review-decided')).toContainText('Approved by manager@example.test');
  await contact.goto('/vendor');
  await expect(section.getByRole('row').nth(1)).toContainText('Approved, counts until');
  await ctx.close();
});

test('a vendor contact proposes a new sub-processor (without JavaScript) and a manager accepts it', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, 'manager', '/manage/vendors/ember-analytics');
  const contacts = page.getByRole('region', { name: 'Vendor contacts' });
  await contacts.getByText('Invite a contact').click();
  await contacts.getByLabel('Name').fill('Margaret Hamilton');
  await contacts.getByLabel('Work e-mail').fill('margaret@ember.example');
  await contacts.getByLabel('Privacy').check();
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByRole('rowheader', { name: 'Margaret Hamilton' })).toBeVisible();
  const mail = await nthMail(baseURL!, 'margaret@ember.example', 1);
  const ctx = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const contact = await ctx.newPage();
  await contact.goto(linkIn(mail, '/vendor/sign-in/'));
  await contact.getByRole('button', { name: 'Continue' }).click();
  await contact.waitForURL(/\/vendor$/);
  const section = contact.getByRole('region', { name: 'Propose a change' });
  const form = section.getByRole('form', { name: 'A new sub-processor' });
  const fill = async (day: string) => {
    await form.getByLabel("Sub-processor's legal name").fill('Fjordvault Cold Storage AS');
    await form.getByLabel(/Country it processes in/).fill('NO');
    await form.getByLabel('What it does for you').fill('Cold storage of backups');
    await form.getByRole('group', { name: 'Data it receives' }).getByRole('checkbox').first().check();
    await form.getByLabel('Takes effect on').fill(day);
    await form.getByRole('button', { name: 'Propose for review' }).click();
  };
  // too early for the notice period: refused with the earliest day, at the form
  await fill(new Date().toISOString().slice(0, 10));
  await expect(form.locator('#proposal-error-sub_processor')).toContainText('earliest');
  const later = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  await fill(later);
  await expect(contact.locator('#proposal-sent')).toBeVisible();
  await expect(section.getByRole('row', { name: /Fjordvault Cold Storage AS/ })).toContainText('Waiting for review');
  await expectAccessible(contact, false);

  await page.goto('/manage/reviews');
  await ready(page, test.info());
  await page.getByRole('link', { name: /New sub-processor: Fjordvault Cold Storage AS/ }).click();
  await expect(page.locator('#proposal-after')).toContainText('Fjordvault Cold Storage AS');
  await expect(page.locator('#proposal-before')).not.toContainText('Fjordvault Cold Storage AS');
  await expectAccessible(page);
  await page.getByRole('radio', { name: /Approve/ }).check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('#review-decided')).toContainText('Approved by manager@example.test');
  // saved in the vendor's record, as if the manager had typed it
  await page.goto('/manage/vendors/ember-analytics');
  await ready(page, test.info());
  await expect(page.getByText('Fjordvault Cold Storage AS').first()).toBeVisible();
  await contact.reload();
  await expect(section.getByRole('row', { name: /Fjordvault Cold Storage AS/ })).toContainText('Accepted');
  await ctx.close();
});

/** How the registry judges `slug` today on its public page, in the CSV, the JSON and the XLSX
 * (the same label in all four, or the test fails saying which differs). */
async function judgedEverywhere(page: Page, slug: string, name: RegExp): Promise<string> {
  const seen: Record<string, string> = {};
  const json = await (await page.request.get(`/api/v1/subprocessors?q=${encodeURIComponent(slug.split('-')[0])}`)).json();
  const item = json.subprocessors.find((s: { slug: string }) => s.slug === slug);
  seen.json = { authorized: 'Authorized', not_compliant: 'Not compliant' }[item.compliance as string] ?? item.compliance;
  const csv = await (await page.request.get('/subprocessors.csv')).text();
  const header = csv.split('\n')[0].split(',');
  const line = csv.split('\n').find((l) => name.test(l)) ?? '';
  seen.csv = /,Authorized,/.test(line) ? 'Authorized' : /,Not compliant,/.test(line) ? 'Not compliant' : line;
  const rows = xlsxRows(await (await page.request.get('/subprocessors.xlsx')).body());
  const col = rows[0].indexOf('compliance');
  seen.xlsx = rows.find((r) => name.test(r[0]))?.[col] ?? 'missing';
  const html = await (await page.request.get(`/subprocessors/${slug}`)).text();
  seen.page = html.includes('Authorized today') ? 'Authorized' : html.includes('Not compliant today') ? 'Not compliant' : 'neither';
  expect(header).toContain('compliance');
  const labels = new Set(Object.values(seen));
  expect(labels.size, JSON.stringify(seen)).toBe(1);
  return seen.json;
}

test('the portal journey: a vendor short of evidence attests, uploads, proposes, and is authorized only once a manager approves it all', async ({ page, browser, baseURL }) => {
  // two contexts (the contact without JavaScript, the manager with it), a subscriber, four
  // reviews, four exports read twice, axe on each new page: the longest test of the run
  test.setTimeout(300_000);
  const name = /^Harbor Networks /;
  const found = await (await page.request.get('/api/v1/subprocessors?q=harbor')).json();
  const slug: string = found.subprocessors.find((s: { legal_name: string }) => name.test(s.legal_name)).slug;

  // a customer subscribes (every change), without JavaScript
  const customer = `journey-${Date.now()}@customer.example`;
  const cctx = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const sub = await cctx.newPage();
  await sub.goto('/subscribe');
  await sub.getByLabel('Email', { exact: true }).fill(customer);
  await sub.getByLabel('Organisation').fill('Journey Customer GmbH');
  await sub.getByRole('button', { name: 'Subscribe' }).click();
  await sub.goto(linkIn(await nthMail(baseURL!, customer, 1), '/subscriptions/confirm/'));
  await sub.getByRole('button', { name: 'Confirm subscription' }).click();
  await expect(sub.getByText('Subscription confirmed.')).toBeVisible();
  await cctx.close();

  // the start: an authorized vendor whose training evidence is gone (each removal asks
  // first), so it is not compliant only for want of evidence
  await signIn(page, 'manager', `/manage/vendors/${slug}`);
  expect(await judgedEverywhere(page, slug, name)).toBe('Authorized');
  const training = page.getByRole('region', { name: 'Training records' });
  const removers = training.getByLabel('Remove this training record');
  for (let left = await removers.count(); left > 0; left--) {
    await removers.first().click();
    await training.getByRole('button', { name: 'Yes, remove' }).first().click();
    await expect(removers).toHaveCount(left - 1);
    // the question does not stay open on the next row
    await expect(training.getByRole('button', { name: 'Yes, remove' }).first()).toBeHidden();
  }
  expect(await judgedEverywhere(page, slug, name)).toBe('Not compliant');

  // the manager invites a contact; the mail (through the SMTP server) opens the portal
  await page.goto(`/manage/vendors/${slug}`);
  await ready(page, test.info());
  const contacts = page.getByRole('region', { name: 'Vendor contacts' });
  await contacts.getByText('Invite a contact').click();
  await contacts.getByLabel('Name').fill('Rosalind Franklin');
  await contacts.getByLabel('Work e-mail').fill('rosalind@harbor.example');
  await contacts.getByLabel('Privacy').check();
  await contacts.getByLabel('Training').check();
  await contacts.getByRole('button', { name: 'Invite and mail a link' }).click();
  await expect(contacts.getByRole('rowheader', { name: 'Rosalind Franklin' })).toBeVisible();
  const invite = await nthMail(baseURL!, 'rosalind@harbor.example', 1);
  const ctx = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const contact = await ctx.newPage();
  await contact.goto(linkIn(invite, '/vendor/sign-in/'));
  await expectAccessible(contact, false);
  await contact.getByRole('button', { name: 'Continue' }).click();
  await contact.waitForURL(/\/vendor$/);
  await expect(contact.getByRole('heading', { level: 1 })).toContainText('Vendor portal: Harbor Networks');

  // the attestation: one "no" with its reason, the evidence a "yes" needs
  await contact.getByRole('link', { name: 'Answer and sign the attestation' }).click();
  const statements = contact.locator('li.question');
  await expect(statements).toHaveCount(10);
  for (let i = 0; i < 10; i++) {
    await statements.nth(i).getByRole('radio', { name: i === 7 ? 'No' : 'Yes', exact: true }).check();
  }
  await statements.nth(7).getByLabel(/Explanation/).fill('Our cloud provider signs the renewed terms next month.');
  const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(n, 46), Buffer.from('\n%%EOF\n')]);
  await statements.nth(8).getByLabel(/Evidence for a yes/).setInputFiles({ name: 'ISO 27001 certificate.pdf', mimeType: 'application/pdf', buffer: pdf(10_000) });
  await contact.getByLabel('Your full name').fill('Rosalind Franklin');
  await contact.getByRole('button', { name: 'Sign and submit for review' }).click();
  await contact.waitForURL(/\/vendor\?attested=1/);

  // the report, the roster, the proposal
  const evidence = contact.getByRole('region', { name: 'Independent assessments' });
  await evidence.getByLabel('Kind').selectOption({ label: 'SOC 2 Type II' });
  await evidence.getByLabel('Assessor').fill('Keel & Partners Audit');
  await evidence.getByLabel('Period start').fill('2025-10-01');
  await evidence.getByLabel('Period end').fill('2026-09-30');
  await evidence.getByLabel('Issued on').fill('2026-11-20');
  await evidence.getByLabel('Valid until').fill('2027-11-19');
  await evidence.getByLabel(/The report or certificate/).setInputFiles({ name: 'Harbor SOC 2 Type II.pdf', mimeType: 'application/pdf', buffer: pdf(40_000) });
  await evidence.getByRole('button', { name: 'Submit for review' }).click();
  await expect(contact.locator('#evidence-sent')).toBeVisible();
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  const roster = [
    'person_name,person_email,course,completed_on',
    `Hana Sato,hana@vendor7.example,Privacy essentials for vendors,${day(5)}`,
    `Amara Okafor,amara@vendor7.example,Privacy essentials for vendors,${day(30)}`,
    `Rosalind Franklin,rosalind@harbor.example,Privacy essentials for vendors,${day(2)}`,
  ].join('\n');
  const rosterSection = contact.getByRole('region', { name: 'Training roster' });
  await rosterSection.getByLabel('Roster file (CSV or XLSX)').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) });
  await rosterSection.getByRole('button', { name: 'Submit the roster for review' }).click();
  await expect(contact.locator('#roster-sent')).toBeVisible();
  const proposal = contact.getByRole('region', { name: 'Propose a change' }).getByRole('form', { name: 'A new sub-processor' });
  await proposal.getByLabel("Sub-processor's legal name").fill('Skerry Archive Oy');
  await proposal.getByLabel(/Country it processes in/).fill('FI');
  await proposal.getByLabel('What it does for you').fill('Offsite archive of backups');
  await proposal.getByRole('group', { name: 'Data it receives' }).getByRole('checkbox').first().check();
  await proposal.getByLabel('Takes effect on').fill(new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10));
  await proposal.getByRole('button', { name: 'Propose for review' }).click();
  await expect(contact.locator('#proposal-sent')).toBeVisible();
  await expectAccessible(contact, false);

  // the manager asks for a change on one answer; the contact fixes it
  await page.goto('/manage/reviews');
  await ready(page, test.info());
  await page.getByRole('link', { name: /Signed by Rosalind Franklin/ }).click();
  await page.getByLabel('Comment on statement 8').fill('Give the date the renewed terms take effect.');
  await page.getByRole('radio', { name: 'Ask for changes' }).check();
  await page.getByRole('button', { name: 'Record the decision' }).click();
  await expect(page.locator('#review-decided')).toContainText('Changes requested');
  await contact.goto('/vendor/attestation');
  await expect(contact.locator('#q-flow_down')).toContainText('Give the date the renewed terms take effect.');
  await statements.nth(7).getByLabel(/Explanation/).fill('The renewed terms take effect on 2027-01-15.');
  await contact.getByRole('button', { name: 'Sign and submit for review' }).click();
  await contact.waitForURL(/\/vendor\?attested=1/);

  // while all of it waits, nothing counts: not compliant on the page and in every export
  expect(await judgedEverywhere(page, slug, name)).toBe('Not compliant');

  // the manager approves all four, from the queue
  for (const link of [/Signed by Rosalind Franklin/, /SOC 2 Type II by Keel & Partners Audit/, /roster\.csv \(3 people\)/, /New sub-processor: Skerry Archive Oy/]) {
    await page.goto('/manage/reviews');
    await ready(page, test.info());
    await page.getByRole('link', { name: link }).click();
    await ready(page, test.info());
    await expectAccessible(page);
    await page.getByRole('radio', { name: /Approve/ }).check();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('#review-decided')).toContainText('Approved by manager@example.test');
  }
  await page.goto('/manage/reviews');
  await expect(page.getByText('Nothing waits for review.')).toBeVisible();

  // only now is it authorized, everywhere; the subscriber hears of the new sub-processor
  expect(await judgedEverywhere(page, slug, name)).toBe('Authorized');
  await expect
    .poll(() => mailsTo(baseURL!, customer).some((m) => m.text.includes('Skerry Archive Oy')), { timeout: 30_000 })
    .toBe(true);
  await contact.goto('/vendor');
  await expect(contact.getByRole('region', { name: 'Propose a change' }).getByRole('row', { name: /Skerry Archive Oy/ })).toContainText('Accepted');
  await ctx.close();
});

/** Upload `file` on the import page of `page` (signed in), with the whole-list checkbox when
 * asked; wait for the run's summary to contain `expected`. */
async function importFile(page: Page, name: string, file: string, wholeList: boolean, expected: string) {
  await page.goto('/manage/import');
  await page.getByLabel('File').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(file) });
  if (wholeList) await page.getByLabel("Our whole list: remove the registry's vendors it does not name").check();
  await page.getByRole('button', { name: 'Check the file' }).click();
  await expect(page).toHaveURL(/\/manage\/import\/\d+$/);
  await expect(page.locator('#import-summary')).toContainText(expected, { timeout: 30_000 });
}

test('a manager imports an update with removals: reads the dry run, applies it (without and with JavaScript)', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  await signIn(page, 'manager', '/manage/import');
  for (const javaScriptEnabled of [false, true]) {
    const ctx = await browser.newContext({ javaScriptEnabled, baseURL });
    await ctx.addCookies(await page.context().cookies());
    const manager = await ctx.newPage();
    // two vendors of this test's own, so the update removes nothing another test uses
    const stamp = `${Date.now()}${javaScriptEnabled ? 'j' : 'n'}`;
    const effective = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    const names = [`Leaving First ${stamp} Ltd`, `Leaving Second ${stamp} Ltd`];
    const added = ['legal_name,kind,work_location,purpose_category,purpose,registration_country,transfer_mechanism,services,processing_countries,data_categories,effective_on']
      .concat(names.map((n) => `${n},third_party,own_facilities,infrastructure,Short-lived,GB,sccs,backup,GB,customer,${effective}`))
      .join('\n');
    await importFile(manager, 'two.csv', added, false, 'Dry run, nothing written');
    await manager.getByRole('button', { name: 'Apply this import' }).click();
    await expect(manager.locator('#import-summary')).toContainText('Imported: 2 new', { timeout: 30_000 });
    // the update: the registry as exported, without those two
    const csv = await (await manager.request.get('/subprocessors.csv?status=announced&status=active')).text();
    const update = csv.split('\n').filter((l) => !names.some((n) => l.includes(n))).join('\n');
    await importFile(manager, 'update.csv', update, true, 'Dry run, nothing written');
    await expect(manager.locator('#import-summary')).toContainText('2 removed (not in the file)');
    const gone = manager.getByRole('region', { name: /^To be removed from the registry/ });
    for (const n of names) await expect(gone).toContainText(n);
    await expectAccessible(manager, javaScriptEnabled);
    await manager.getByRole('button', { name: 'Apply this import' }).click();
    await expect(manager.locator('#import-summary')).toContainText('Imported:', { timeout: 30_000 });
    await expect(manager.locator('#import-summary')).toContainText('2 removed (not in the file)');
    // announced as removed, today
    const changes = await (await manager.request.get('/api/v1/changes')).text();
    for (const n of names) expect(changes).toContain(n);
    await ctx.close();
  }
});

test("a vendor's published list is followed: its difference is reviewed and accepted (with and without JavaScript)", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  // two vendors with no chain of their own, each publishing a list of one sub-processor
  const all = await (await page.request.get('/api/v1/subprocessors?status=active')).json();
  const bare = all.subprocessors
    .filter((v: { sub_processors: unknown[] }) => v.sub_processors.length === 0)
    .slice(0, 2)
    .map((v: { slug: string }) => v.slug);
  expect(bare.length).toBe(2);
  const listed = ['Northwind Relay AB,Sweden,Mail relay', 'Eastgate Archive Oy,Finland,Archive'];
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const i = req.url === '/first.csv' ? 0 : req.url === '/second.csv' ? 1 : -1;
    if (i < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv', etag: `"${i}"` }).end(`name,country,purpose\r\n${listed[i]}\r\n`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  try {
    await signIn(page, 'manager', `/manage/vendors/${bare[0]}`);
    for (const [i, javaScriptEnabled] of [[0, true], [1, false]] as const) {
      const ctx = await browser.newContext({ javaScriptEnabled, baseURL });
      await ctx.addCookies(await page.context().cookies());
      const manager = await ctx.newPage();
      await manager.goto(`/manage/vendors/${bare[i]}`);
      if (javaScriptEnabled) await expect(manager.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
      const section = manager.getByRole('region', { name: 'Its published sub-processor list' });
      await expect(section).toContainText('Not followed.');
      await section.getByText('Follow its list').click();
      await section.getByLabel('URL of its published list').fill(`http://127.0.0.1:${port}/${i === 0 ? 'first' : 'second'}.csv`);
      await section.getByRole('button', { name: 'Save' }).click();
      await expect(section.locator('#watch-url')).toContainText(`127.0.0.1:${port}`);
      await expectAccessible(manager, javaScriptEnabled);
      await ctx.close();
    }
    // the server's watcher fetches due lists once a minute; the differences wait for review
    for (const [i, javaScriptEnabled] of [[0, true], [1, false]] as const) {
      const name = listed[i].split(',')[0];
      const ctx = await browser.newContext({ javaScriptEnabled, baseURL });
      await ctx.addCookies(await page.context().cookies());
      const manager = await ctx.newPage();
      const link = manager.getByRole('link', { name: new RegExp(`its published list adds ${name}`) });
      await expect(async () => {
        await manager.goto('/manage/reviews');
        await expect(link).toBeVisible({ timeout: 1_000 });
      }).toPass({ timeout: 120_000, intervals: [3_000] });
      // nothing changed before a manager decides
      const before = await (await manager.request.get(`/api/v1/changes?vendor=${bare[i]}`)).text();
      expect(before).not.toContain(name);
      await link.click();
      await expect(manager.locator('#proposal-after')).toContainText(name);
      await expect(manager.locator('#proposal-before')).not.toContainText(name);
      await expect(manager.getByText('published list watcher')).toBeVisible();
      await expectAccessible(manager, javaScriptEnabled);
      await manager.getByRole('radio', { name: /Approve/ }).check();
      await manager.getByRole('button', { name: 'Record the decision' }).click();
      await expect(manager.locator('#review-decided')).toContainText('Approved by manager@example.test');
      // saved through the chain's notice rule: announced to customers
      const after = await (await manager.request.get(`/api/v1/changes?vendor=${bare[i]}`)).text();
      expect(after).toContain(`adds subprocessor ${name}`);
      await ctx.close();
    }
  } finally {
    server.close();
  }
});

/** The text of page `n` of a PDF, as Debian's pdftotext reads it (one line per line of text). */
function pdfPageText(path: string, n: number): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-f', String(n), '-l', String(n), path, '-'], { encoding: 'utf8' })
    .split(/\s+/).join(' ');
}

test('trust documents: a manager publishes two reports; customers request both, accept the agreement by the mailed link, download the first stamped with their name, get the second once approved, and lose it when revoked (without and with JavaScript)', async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  await signIn(page, 'manager', '/manage/trust');
  await expectAccessible(page);
  const publish = async (title: string, kind: string, access: string) => {
    const upload = page.getByRole('region', { name: 'Publish a document' });
    await upload.getByLabel('Title').fill(title);
    await upload.getByLabel('Kind').selectOption({ label: kind });
    await upload.getByLabel(/What it covers/).fill('Cloud Storage');
    await upload.getByLabel(/Issuer/).fill('Keel & Partners Audit');
    await upload.getByLabel('Access').selectOption({ label: access });
    await upload.getByLabel('Issued on').fill('2026-11-20');
    await upload.getByLabel('Valid until').fill('2027-11-19');
    await upload.getByLabel(/^File/).setInputFiles(join(__dirname, '..', 'fixtures', 'soc2-report.pdf'));
    await upload.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('#trust-published')).toBeVisible();
    await expect(page.getByRole('rowheader', { name: new RegExp(title) })).toBeVisible();
  };
  await publish('SOC 2 Type II report 2026', 'SOC 2 Type II report', 'After accepting the agreement');
  await publish('Penetration test summary 2026', 'Penetration test summary', 'After a manager approves');

  const people = [
    { javaScriptEnabled: false, name: 'Zoë Łukasiewicz', email: 'zoe@customer.example' },
    { javaScriptEnabled: true, name: 'Ørjan Ångström', email: 'orjan@customer.example' },
  ];
  for (const who of people) {
    const ctx = await browser.newContext({ javaScriptEnabled: who.javaScriptEnabled, baseURL });
    const customer = await ctx.newPage();
    watchErrors(customer);
    await customer.goto('/trust');
    if (who.javaScriptEnabled) await ready(customer, test.info());
    const docs = customer.getByRole('region', { name: 'Documents' });
    await expect(docs.getByRole('rowheader', { name: /SOC 2 Type II report 2026/ })).toBeVisible();
    await expect(docs.getByRole('link', { name: 'SOC 2 Type II report 2026' })).toHaveCount(0);
    const form = customer.getByRole('region', { name: 'Request access' });
    const fill = async () => {
      await form.getByLabel('Your name').fill(who.name);
      await form.getByLabel('Work e-mail').fill(who.email);
      await form.getByLabel('Organisation', { exact: true }).fill('Müller & Søn GmbH');
      await form.getByLabel(/SOC 2 Type II report 2026/).check();
      await form.getByLabel(/Penetration test summary 2026/).check();
    };
    await fill();
    // without accepting the agreement: refused at its box
    await form.getByRole('button', { name: 'Request access' }).click();
    await expect(customer.getByText('Accept the agreement to request access.')).toBeVisible();
    await expectAccessible(customer, who.javaScriptEnabled);
    if (!who.javaScriptEnabled) await fill(); // the form came back from the server
    await form.getByLabel(/I accept this agreement/).check();
    await form.getByRole('button', { name: 'Request access' }).click();
    await expect(customer.locator('#trust-notice')).toContainText('Check your mail');
    const mail = await nthMail(baseURL!, who.email, 1);
    expect(mail.text).not.toContain('Łukasiewicz');
    await customer.goto(linkIn(mail, '/trust/confirm/'));
    if (who.javaScriptEnabled) await ready(customer, test.info());
    await expect(customer.getByText('For ' + who.name + ', Müller & Søn GmbH:')).toBeVisible();
    await expectAccessible(customer, who.javaScriptEnabled);
    await customer.getByRole('button', { name: 'Accept and open my access' }).click();
    await customer.waitForURL(/\/trust\?opened=1&waiting=1/);
    await expect(customer.locator('#trust-notice')).toContainText('1 document(s) wait for our approval');
    await expect(customer.locator('#trust-access')).toContainText(who.name);

    /** Download `title` and check every page of it names the customer and the access. */
    const stamped = async (title: string) => {
      const [download] = await Promise.all([
        customer.waitForEvent('download'),
        customer.getByRole('link', { name: title }).click(),
      ]);
      const path = await download.path();
      const code = ((await customer.locator('#trust-access').innerText()).match(/Access (\S+)/) ?? [])[1];
      for (const n of [1, 2]) {
        const text = pdfPageText(path, n);
        expect(text).toContain(`Provided to ${who.name}, Müller & Søn GmbH on`);
        expect(text).toContain(`confidential; access ${code}`);
        expect(text).toContain(`SOC 2 Type II report, page ${n}`);
      }
    };
    await stamped('SOC 2 Type II report 2026');
    await expect(customer.getByRole('link', { name: 'Penetration test summary 2026' })).toHaveCount(0);
    // the link worked once
    await customer.goto(linkIn(mail, '/trust/confirm/'));
    await expect(customer.locator('#trust-link-gone')).toBeVisible();

    // the manager was told, and approves
    await nthMail(baseURL!, 'manager@example.test', people.indexOf(who) + 1);
    await page.goto('/manage/trust');
    await ready(page, test.info());
    const request = page.locator('#trust-requests li', { hasText: who.email });
    await request.getByRole('radio', { name: 'Approve' }).check();
    await request.getByRole('button', { name: 'Record the decision' }).click();
    await expect(page.locator('#trust-requests li', { hasText: who.email })).toHaveCount(0);
    const approved = await nthMail(baseURL!, who.email, 2);
    await customer.goto(linkIn(approved, '/trust/confirm/'));
    if (who.javaScriptEnabled) await ready(customer, test.info());
    await customer.getByRole('button', { name: 'Open my access' }).click();
    await customer.waitForURL(/\/trust\?opened=/);
    await stamped('Penetration test summary 2026');
    const href = await customer.getByRole('link', { name: 'SOC 2 Type II report 2026' }).getAttribute('href');
    expect((await customer.request.get(href!)).status(), 'the first document is still open').toBe(200);

    // revoked: the next download is refused
    await page.reload();
    await ready(page, test.info());
    const row = page.locator('#trust-accesses tr', { hasText: who.email }).filter({ hasText: 'Penetration' });
    await row.getByText('Revoke…').click();
    await row.getByRole('button', { name: 'Revoke now' }).click();
    await expect(page.locator('#trust-accesses tr', { hasText: who.email }).filter({ hasText: 'Penetration' })).toHaveCount(0);
    expect((await customer.request.get(href!)).status()).toBe(403);
    await ctx.close();
  }

  // the access log names every download
  await page.goto('/manage/trust/penetration-test-summary-2026');
  await ready(page, test.info());
  await expectAccessible(page);
  for (const who of people) await expect(page.locator('#trust-log')).toContainText(who.email);
  const csv = await (await page.request.get('/manage/trust/soc-2-type-ii-report-2026/log.csv')).text();
  for (const who of people) expect(csv.split(who.email).length - 1, `${who.email} downloaded the report twice`).toBe(2);
});
