// Optimistic concurrency with ETags of the form "<key>.<version>": If-Match names the version a client read.
import { problems } from './problem.js';

/**
 * The version an If-Match header expects for resource `key`; undefined when there is no header (or `*`). A header for
 * another resource, or not made by this API, is a 412: the precondition cannot hold.
 */
export function expectedVersion(header: string | undefined, key: string): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const versions = header.split(',').map((tag) => {
    const match = /^\s*(?:W\/)?"(.+)\.(\d+)"\s*$/.exec(tag);
    return match && match[1] === key ? Number(match[2]) : undefined;
  });
  const found = versions.find((v) => v !== undefined);
  if (found === undefined) throw problems.preconditionFailed(`If-Match ${header} does not name a version of ${key}.`);
  return found;
}
