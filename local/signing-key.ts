import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The local ticket signing secret: made once, kept under DATA_DIR (owner-only), so a restart keeps
 * every ticket it signed valid. On AWS Secrets Manager generates the same kind of secret.
 */
export async function ensureSigningSecret(file: string): Promise<void> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing && existing.trim().length >= 32) return;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'w' });
}
