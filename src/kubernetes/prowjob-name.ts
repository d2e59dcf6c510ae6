import { createHash } from 'node:crypto';

/** What identifies one ProwJob of one transition (Q11). */
export interface ProwJobNameInput {
  /** Identity of the last reconciled config the transition starts from (its index revision). */
  baselineRevision: string;
  org: string;
  repo: string;
  pr: number;
  headSha: string;
  job: string;
}

/**
 * Deterministic ProwJob name (Q11, spec §7.1). Prow names ProwJobs with random UUIDs, so a repeated
 * trigger creates duplicates; here the name is a hash of the transition's baseline and the job's
 * target, so a retried activity re-creates the same names (and gets 409 AlreadyExists) while a later
 * transition, starting from a newer baseline, gets new ones.
 *
 * Construction: SHA-256 over the JSON array `["prowjob-name/v1", baselineRevision, org, repo, pr,
 * headSha, job]` (JSON quoting makes the encoding unambiguous: no field can bleed into the next), the
 * first 16 bytes rendered as an RFC 9562 UUID with version 8 and the RFC variant. Version 8 is the
 * "custom" version RFC 9562 §5.8 provides for hash-based names with other hashes than SHA-1 (its
 * appendix B.2 shows SHA-256); version 5 would claim SHA-1 and version 4 randomness, neither true here.
 * The result is 36 lowercase hex digits and dashes: a valid object name and label value, like Prow's.
 */
export function prowJobName(input: ProwJobNameInput): string {
  for (const field of ['baselineRevision', 'org', 'repo', 'headSha', 'job'] as const) {
    if (typeof input[field] !== 'string' || input[field] === '') {
      throw new Error(
        `prowJobName: ${field} must be a non-empty string, got ${JSON.stringify(input[field])}`,
      );
    }
  }
  if (!Number.isSafeInteger(input.pr) || input.pr <= 0) {
    throw new Error(`prowJobName: pr must be a positive integer, got ${JSON.stringify(input.pr)}`);
  }
  const canonical = JSON.stringify([
    'prowjob-name/v1',
    input.baselineRevision,
    input.org,
    input.repo,
    input.pr,
    input.headSha,
    input.job,
  ]);
  const bytes = createHash('sha256').update(canonical, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
