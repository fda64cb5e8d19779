// Cursor pagination: opaque cursors carry the sort key of the last row, so pages stay stable under inserts and
// cost the same at page 1 and page 10,000 (keyset, no OFFSET).
import { Type } from 'typebox';
import { problems } from './problem.js';

export const MAX_PAGE_SIZE = 200;

/**
 * A cursor is base64url text the list itself handed out; the schema says the alphabet, and a well-formed cursor no
 * list made is still refused (400 naming it), as no schema can know which ones were handed out.
 */
export const Cursor = (description = 'nextCursor of the previous page') =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 1000, description });

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: 50,
      description: `page size (at most ${MAX_PAGE_SIZE})`,
    }),
  ),
  cursor: Type.Optional(Cursor()),
};

export function pageSchema<T extends import('typebox').TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key inside a cursor; a cursor that was not made here is a 400 naming the `cursor` parameter. */
export function decodeCursor(cursor: string | undefined, length: number): (string | number | null)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === length &&
      key.every((v) => v === null || ['string', 'number'].includes(typeof v))
    )
      return key;
  } catch {
    // fall through to the problem below
  }
  throw problems.validation(
    [{ pointer: '/cursor', in: 'query', detail: 'is not a cursor returned by this list' }],
    'Invalid cursor.',
  );
}

/** Given up to limit + 1 rows, the page and the cursor of the next one. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => (string | number | null)[],
  view: (row: Row) => Item,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
