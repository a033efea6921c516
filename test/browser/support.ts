import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. In CI a missing browser fails the suite loudly; on a developer's
 * machine without it the suite is skipped with the reason printed.
 */
export function browserAvailable(): true | string {
  if (existsSync(chromiumPath)) return true;
  const reason = `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

/** The flags this machine's closed network and root user need. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}
