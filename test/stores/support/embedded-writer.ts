import { openEmbeddedDatabase } from '../../../functions/embedded/database.ts';

/**
 * `node --import tsx test/stores/support/embedded-writer.ts <dir>`: the writer the kill -9 test
 * kills. Opens the embedded database in `dir`, puts records one after the other and, once a put's
 * promise has settled, prints `<key>\t<value as JSON>` on stdout: the acknowledgement. After 2,000
 * records it waits, its database still open, for the kill (it exits by itself after 20 s).
 */

interface WrittenRecord {
  readonly sipUri: string;
  readonly sequence: number;
  readonly note: string;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: embedded-writer.ts <database folder>');
  process.exit(2);
}
const table = openEmbeddedDatabase(dir).table<WrittenRecord>('durability');
for (let sequence = 0; sequence < 2_000; sequence++) {
  const key = `user-${String(sequence).padStart(5, '0')}`;
  const value = { sipUri: `sip:${key}@contoso.com`, sequence, note: `written ${sequence}`.repeat(8) };
  await table.put(key, value);
  process.stdout.write(`${key}\t${JSON.stringify(value)}\n`);
}
setTimeout(() => process.exit(3), 20_000);
