// Custom search attributes the engine registers on the dev server and expects on a real cluster.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CustomerIdAttribute = defineSearchAttributeKey('ArCustomerId', SearchAttributeType.KEYWORD);
export const EntityTypeAttribute = defineSearchAttributeKey('ArEntityType', SearchAttributeType.KEYWORD);

/** `--search-attribute` flags for `temporal server start-dev`, and the list operators register on a cluster. */
export const SEARCH_ATTRIBUTE_DEFINITIONS = [
  { name: CustomerIdAttribute.name, type: 'Keyword' },
  { name: EntityTypeAttribute.name, type: 'Keyword' },
] as const;
