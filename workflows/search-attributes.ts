import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make reconcile runs findable in the Web UI and with `temporal workflow list`.
 * They must be registered on the namespace before use: `npm start` and the test harness pass them to
 * `temporal server start-dev`; a worker registers missing ones at start (src/worker/namespace-check.ts)
 * or exits naming the command; production clusters may register them once (README, "Deploying").
 * Never put secrets in them: search attributes are stored unencoded.
 */
export const ConfigRevision = defineSearchAttributeKey('ConfigRevision', SearchAttributeType.KEYWORD);
export const BaselineRevision = defineSearchAttributeKey('BaselineRevision', SearchAttributeType.KEYWORD);
export const ReconcileState = defineSearchAttributeKey('ReconcileState', SearchAttributeType.KEYWORD);
export const ReconcileRepositories = defineSearchAttributeKey(
  'ReconcileRepositories',
  SearchAttributeType.KEYWORD_LIST,
);

export const customSearchAttributes = [
  ConfigRevision,
  BaselineRevision,
  ReconcileState,
  ReconcileRepositories,
];

/** A search attribute type as the `temporal` CLI names it (`--type Keyword`). */
export function cliTypeName(type: SearchAttributeType): string {
  const names: Record<SearchAttributeType, string> = {
    [SearchAttributeType.TEXT]: 'Text',
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.INT]: 'Int',
    [SearchAttributeType.DOUBLE]: 'Double',
    [SearchAttributeType.BOOL]: 'Bool',
    [SearchAttributeType.DATETIME]: 'Datetime',
    [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  };
  return names[type];
}

/** `Name=Type` as `temporal server start-dev --search-attribute` and `operator search-attribute create` take it. */
export function searchAttributeFlags(): string[] {
  return customSearchAttributes.map((key) => `${key.name}=${cliTypeName(key.type)}`);
}
