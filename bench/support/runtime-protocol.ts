/** What the bench process asks of its runtime process (see runtime-child.ts). */
export interface ChildStart {
  readonly dataDir: string;
  readonly seedPath: string;
  readonly handlerSettings: Readonly<Record<string, string>>;
  /** `embedded` (npm start's default) or `aws-emulation` (the handlers and stores that deploy). */
  readonly mode: 'embedded' | 'aws-emulation';
}

export type ChildRequest = { readonly id: number } & (
  | { readonly op: 'start'; readonly options: ChildStart }
  | { readonly op: 'mint'; readonly sipUris: readonly string[] }
  | { readonly op: 'counts' }
  | { readonly op: 'cpu' }
  /** `process.memoryUsage()` of the runtime process right after `globalThis.gc?.()` (started with --expose-gc). */
  | { readonly op: 'memory' }
  | { readonly op: 'authorizer'; readonly cookie: string; readonly count: number }
  | { readonly op: 'stop' }
);

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type ChildCall = WithoutId<ChildRequest>;

export interface ChildAnswer {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}
