/**
 * A real browser for e2e tests: Debian's Chromium (installed on first use, as .ci/run does)
 * driven by playwright-core, which downloads no browser of its own. Headless, with a fresh
 * profile in a temporary folder; close() ends the browser and removes the profile.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureDebianPackage } from './debian-package';
import { rmDir, tmpDir } from './tmp';

export const chromiumBinary = '/usr/bin/chromium';

/** No sandbox (the tests run as root), nothing that reaches out to the network or syncs a profile. */
const chromiumFlags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync',
];

export interface TestBrowser {
  page: Page;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1600, height: 1300 }): Promise<TestBrowser> {
  ensureDebianPackage('chromium', chromiumBinary);
  const profile = tmpDir('chromium-profile');
  let context: BrowserContext;
  try {
    // launchPersistentContext passes the folder as --user-data-dir: a fresh profile of our own.
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumBinary, headless: true, args: chromiumFlags, viewport });
  } catch (err) {
    rmDir(profile);
    throw err;
  }
  const page = context.pages()[0] ?? await context.newPage();
  return {
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmDir(profile);
    },
  };
}
