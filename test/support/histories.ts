import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { projectRoot } from '../../src/project-root';

/**
 * Recorded workflow histories, replayed by test/integration/replay.test.ts so a later change to workflow code
 * that would break running workflows fails the tests (use `patched()` for such changes). Recorded by running
 * the integration tests with RECORD_HISTORIES=1; commit the files it writes.
 */
export const historiesDir = path.join(projectRoot, 'test', 'fixtures', 'histories');

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  // RECORD_HISTORIES=1 records every history; a comma-separated list records only those names.
  const wanted = process.env.RECORD_HISTORIES;
  if (!wanted || (wanted !== '1' && !wanted.split(',').includes(name))) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  // Protobuf's own JSON mapping: stable, readable, and decoded back with the same schema.
  const json = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
    longs: String,
    enums: String,
    bytes: String,
    defaults: false,
  });
  writeFileSync(path.join(historiesDir, `${name}.json`), JSON.stringify(json, null, 1) + '\n');
}

export function recordedHistories(): { workflowId: string; history: temporal.api.history.v1.History }[] {
  return readdirSync(historiesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: temporal.api.history.v1.History.fromObject(
        JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')) as Record<string, unknown>,
      ),
    }));
}
