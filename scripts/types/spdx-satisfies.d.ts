declare module 'spdx-satisfies' {
  /**
   * Whether an SPDX expression (`MIT`, `(MIT OR Apache-2.0)`, `MIT AND CC-BY-3.0`, `GPL-2.0+` ...)
   * is satisfied by licenses from `approved` (simple identifiers, no AND/OR). Throws on an
   * expression that is not valid SPDX.
   */
  export default function satisfies(expression: string, approved: readonly string[]): boolean;
}
