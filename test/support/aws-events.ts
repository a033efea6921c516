import { readdirSync, readFileSync } from 'node:fs';

const folder = new URL('../fixtures/aws-events/', import.meta.url);

/** An event AWS published (see each file's `sources`), as the product's functions would get it. */
export interface AwsEventFixture {
  readonly name: string;
  readonly sources: readonly string[];
  readonly notes: string;
  readonly event: Record<string, unknown>;
}

/** Every fixture of `test/fixtures/aws-events/`, by file name without `.json`. */
export function awsEventNames(): string[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** A fresh copy of a fixture, to adapt as a test needs. */
export function awsEvent(name: string): AwsEventFixture {
  const parsed = JSON.parse(readFileSync(new URL(`${name}.json`, folder), 'utf8')) as Omit<
    AwsEventFixture,
    'name'
  >;
  return { name, ...parsed };
}

type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'undefined';

export const kindOf = (value: unknown): Kind =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as Kind);

export interface ShapeRules {
  /** Paths (`requestContext.authorizer`) that may be missing: AWS leaves them out when they do not apply. */
  readonly optional?: readonly string[];
  /**
   * Paths whose keys are data (headers, query parameters, a context): their key sets are not
   * compared, only that every value has the kind of the fixture's values there.
   */
  readonly dataMaps?: readonly string[];
  /** Data maps whose values are not compared at all (a Lambda authorizer's own context). */
  readonly free?: readonly string[];
}

/**
 * How `actual` differs in shape from `expected`: keys missing or extra, and values of another kind,
 * by path. Values themselves are not compared. Undefined values count as absent (JSON drops them).
 */
export function shapeDifferences(
  actual: unknown,
  expected: unknown,
  rules: ShapeRules = {},
  path = '',
): string[] {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (kindOf(actual) !== kindOf(expected)) {
    return [`${path || '(event)'}: ${kindOf(actual)} where AWS has ${kindOf(expected)}`];
  }
  if (rules.free?.includes(path)) return [];
  if (kindOf(expected) === 'array') {
    const sample = (expected as unknown[])[0];
    if (sample === undefined) return [];
    return (actual as unknown[]).flatMap((item, i) => shapeDifferences(item, sample, rules, `${path}[${i}]`));
  }
  if (kindOf(expected) !== 'object') return [];
  const actualObject = Object.fromEntries(
    Object.entries(actual as Record<string, unknown>).filter(([, v]) => v !== undefined),
  );
  const expectedObject = expected as Record<string, unknown>;
  if (rules.dataMaps?.includes(path)) {
    const sample = Object.values(expectedObject)[0];
    if (sample === undefined) return [];
    return Object.entries(actualObject).flatMap(([key, value]) =>
      shapeDifferences(value, sample, rules, at(key)),
    );
  }
  const differences: string[] = [];
  for (const key of Object.keys(expectedObject)) {
    if (!(key in actualObject) && !rules.optional?.includes(at(key))) {
      differences.push(`${at(key)}: missing`);
    }
  }
  for (const [key, value] of Object.entries(actualObject)) {
    if (!(key in expectedObject)) differences.push(`${at(key)}: not in AWS's event`);
    else differences.push(...shapeDifferences(value, expectedObject[key], rules, at(key)));
  }
  return differences;
}

/** A time's format, its digits blanked: `17/Jun/2024:15:52:39 +0000` → `00/Mmm/0000:00:00:00 +0000`. */
export const timeFormatOf = (time: string): string =>
  time.replace(/\d/g, '0').replace(/\b[A-Z][a-z]{2}\b/g, 'Mmm');
