/** Requests one action made, split by service, from the runtime's counts (`dynamodb GetItem cwa-tickets`, …). */
export interface ActionRequests {
  /** DynamoDB requests in all. */
  readonly total: number;
  /** DynamoDB requests by command and table (`GetItem tickets`). */
  readonly dynamodb: Readonly<Record<string, number>>;
  /** Lambda invocations by handler module. */
  readonly lambda: Readonly<Record<string, number>>;
  /** `@connections` calls by method (POST: a frame pushed; DELETE: a connection closed). */
  readonly connections: Readonly<Record<string, number>>;
}

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function dynamoRequests(counts: Readonly<Record<string, number>>): ActionRequests {
  const dynamodb: Record<string, number> = {};
  const lambda: Record<string, number> = {};
  const connections: Record<string, number> = {};
  for (const [label, count] of Object.entries(counts)) {
    const [service, ...rest] = label.split(' ');
    const what = rest.join(' ');
    if (service === 'dynamodb') {
      // The local runtime names its tables `cwa-<table>`.
      const name = what.replace(/\bcwa-/g, '');
      dynamodb[name] = (dynamodb[name] ?? 0) + count;
    } else if (service === 'lambda') lambda[what] = count;
    else if (service === '@connections') connections[what] = count;
  }
  return { total: sum(dynamodb), dynamodb, lambda, connections };
}
