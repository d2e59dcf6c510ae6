import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make reconcile runs findable in the Web UI and with `temporal workflow list`.
 * They must be registered on the namespace before use: `npm start` and the test harness pass them to
 * `temporal server start-dev`; production clusters register them once (README, "Deploying").
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

/** `Name=Type` as `temporal server start-dev --search-attribute` and `operator search-attribute create` take it. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  };
  return customSearchAttributes.map((key) => `${key.name}=${cliType[key.type]}`);
}
