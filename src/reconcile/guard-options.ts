/** The blast-radius guard's thresholds (Q10, spec §3.4): flags `--blast-radius-*`, with their defaults here only. */
export interface GuardOptions {
  /** `false` turns the guard off entirely (`--blast-radius-guard=false`). */
  enabled: boolean;
  /** Hold when more than this share of all baseline presubmits is retired. */
  maxRemovedFraction: number;
  /**
   * Hold when more than this many presubmit contexts are retired, whatever their share (spec §3.4 rule 2): in
   * a config of tens of thousands of presubmits, 10% is thousands. 0 = no count limit.
   */
  maxRemovedContexts: number;
  /** Hold when more than this share of one repository's baseline presubmits is retired. */
  maxRepoRemovedFraction: number;
}

export const defaultGuardOptions: GuardOptions = {
  enabled: true,
  maxRemovedFraction: 0.1,
  maxRemovedContexts: 500,
  maxRepoRemovedFraction: 0.5,
};
