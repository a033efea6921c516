/** A construct id for a route-table name such as `http/forms-sign-in` → `HttpFormsSignIn`. */
export function idOf(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
