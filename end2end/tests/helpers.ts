import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, Page, test, TestInfo } from '@playwright/test';

/**
 * Fail on any WCAG 2.0/2.1/2.2 A or AA violation on the current page. axe runs inside the
 * page, so it needs JavaScript: with JavaScript off the scan runs on the same URL in a
 * JavaScript-enabled page of the same browser, with the same cookies (the server sends the
 * same HTML either way). `javaScriptEnabled` is the project's unless a test's own context says
 * otherwise.
 */
export async function expectAccessible(
  page: Page,
  javaScriptEnabled = test.info().project.use.javaScriptEnabled !== false,
) {
  if (!javaScriptEnabled) {
    const browser = page.context().browser();
    if (!browser) throw new Error('no browser for the accessibility scan');
    const ctx = await browser.newContext({ javaScriptEnabled: true, viewport: page.viewportSize() });
    // the same cookies, so a signed-in page is scanned as its visitor sees it
    await ctx.addCookies(await page.context().cookies());
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

/** Errors thrown in each page (its wasm panicking), from the moment `watchErrors` was called. */
const pageErrors = new WeakMap<Page, string[]>();

/** Start recording the errors `page` throws (see `ready`). */
export function watchErrors(page: Page) {
  if (!pageErrors.has(page)) {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    pageErrors.set(page, errors);
  }
}

/** With JavaScript on, wait until the page is hydrated so clicks are handled in-page and typed
 * values are not replaced by hydration. Every page must hydrate: a panic while hydrating (a
 * hydration mismatch, as a resource created inside a `Suspend` once caused on the signed-in
 * vendor page) fails the test with the page's error. */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.use.javaScriptEnabled === false) return;
  const hydrated = page.locator('body[data-hydrated="true"]');
  const errors = pageErrors.get(page) ?? [];
  await expect
    .poll(async () => errors.length > 0 || (await hydrated.count()) > 0, { timeout: 20_000 })
    .toBe(true);
  expect(errors, `errors while hydrating ${page.url()}`).toEqual([]);
  await expect(hydrated).toBeAttached();
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

/** A mail the server under test sent (its SMTP server keeps it in MAIL_DIR): headers and decoded text. */
export interface Mail { subject: string; to: string; text: string; at: number }

function unquote(s: string): string {
  const bytes: number[] = [];
  const t = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=' && /^[0-9A-F]{2}$/i.test(t.slice(i + 1, i + 3))) {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(t[i]));
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseMail(raw: string, at: number): Mail {
  const [head, ...rest] = raw.replace(/\r\n/g, '\n').split('\n\n');
  const header = (name: string) => {
    const m = head.replace(/\n[ \t]+/g, ' ').match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
    return m ? m[1].trim() : '';
  };
  const body = rest.join('\n\n');
  const text = /quoted-printable/i.test(body) ? unquote(body) : body;
  return { subject: header('Subject'), to: header('To'), text, at };
}

/** Mails to `to` written by the server on `baseURL`'s port, oldest first. */
export function mailsTo(baseURL: string, to: string): Mail[] {
  const dir = join(process.env.E2E_MAIL_ROOT ?? '', new URL(baseURL).port);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  return files
    .sort()
    .map((f) => parseMail(readFileSync(join(dir, f), 'utf8'), statSync(join(dir, f)).mtimeMs))
    .filter((m) => m.to.includes(to))
    .sort((a, b) => a.at - b.at);
}

/** Wait for the `n`th mail to `to` and return it. */
export async function nthMail(baseURL: string, to: string, n: number): Promise<Mail> {
  await expect.poll(() => mailsTo(baseURL, to).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(n);
  return mailsTo(baseURL, to)[n - 1];
}

/** The first link in `mail` starting with `origin + path`, as a path. */
export function linkIn(mail: Mail, path: string): string {
  const m = mail.text.match(new RegExp(`https?://[^/\\s]+(${path.replace(/[?]/g, '\\?')}[^\\s"<>]*)`));
  if (!m) throw new Error(`no ${path} link in: ${mail.text}`);
  return m[1];
}

// Reads a workbook's first sheet with Python's zipfile (no spreadsheet package in the tests):
// each row's cell texts, shared strings and inline strings alike.
const XLSX_ROWS = String.raw`
import html, io, re, sys, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
texts = lambda x: html.unescape("".join(re.findall(r"<t[^>]*>(.*?)</t>", x or "", re.S)))
shared = []
if "xl/sharedStrings.xml" in z.namelist():
    shared = [texts(si) for si in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
def column(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
for row in re.findall(r"<row[^>]*>(.*?)</row>", z.read("xl/worksheets/sheet1.xml").decode(), re.S):
    cells = {}
    for attrs, body in re.findall(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
        ref = re.search(r'r="([A-Z]+)', attrs)
        v = re.search(r"<v>(.*?)</v>", body or "")
        text = shared[int(v.group(1))] if 't="s"' in attrs and v else texts(body) or (v.group(1) if v else "")
        cells[column(ref.group(1)) if ref else len(cells)] = text
    print("\t".join(cells.get(i, "").replace("\t", " ").replace("\n", " ") for i in range(max(cells) + 1 if cells else 0)))
`;

/** The rows of an XLSX workbook's first sheet, each as its cells' texts. */
export function xlsxRows(workbook: Buffer): string[][] {
  const out = execFileSync('python3', ['-c', XLSX_ROWS], { input: workbook, encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}
