import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Each server sends its mails to a real SMTP server of its own (aiosmtpd, started by
// start-server.sh), which keeps them as .eml files in MAIL_DIR; the tests read confirmation
// links and answers from there.
process.env.E2E_MAIL_ROOT ??= mkdtempSync(join(tmpdir(), 'registry-e2e-mail-'));

// The app under test runs on a port of its own; if something already listens there the run
// fails instead of silently testing a stale server.
const PORT = Number(process.env.E2E_PORT ?? 3456);
// Vendor-manager tests change records, so they get a server and database of their own.
const MANAGE_PORT = PORT + 1;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    // Debian's Chromium; Playwright never downloads a browser here.
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    acceptDownloads: true,
  },
  projects: [
    { name: 'js', testIgnore: /manage\.spec/, use: { javaScriptEnabled: true } },
    { name: 'no-js', testIgnore: /manage\.spec/, use: { javaScriptEnabled: false } },
    {
      name: 'manage',
      testMatch: /manage\.spec/,
      use: { javaScriptEnabled: true, baseURL: `http://127.0.0.1:${MANAGE_PORT}` },
    },
  ],
  webServer: [PORT, MANAGE_PORT].map((port) => ({
    command: `bash ./start-server.sh ${port}`,
    env: { MAIL_DIR: join(process.env.E2E_MAIL_ROOT!, String(port)) },
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
  })),
});
