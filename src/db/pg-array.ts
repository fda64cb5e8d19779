// Query parameters the SQL layer would otherwise expand: MikroORM turns a JS array into a comma-separated list, so
// arrays travel as PostgreSQL array literals and are cast in the statement (`?::text[]`).

/** `['a', 'b"c']` -> `{"a","b\"c"}` */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
