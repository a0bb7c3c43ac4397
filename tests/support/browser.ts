import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); OMS_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.OMS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The machine's Chromium driven by playwright-core (browsers cannot be downloaded here). Missing Chromium
 * fails the test with how to install it, rather than skipping: the console's journeys are part of `npm test`.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install chromium (or set OMS_CHROMIUM)`);
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
