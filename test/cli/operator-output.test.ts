import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../src/project-root';
import { loadScenarioFile } from '../../sandbox/github';
import { planQuery } from '../../workflows/messages';
import { configFixture, ReconcilerHarness, temporalAddress } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';

/**
 * `status` and `plan` as an operator runs them on a plan the blast-radius guard holds: tables for people by
 * default, and for scripts `-o json` (the controller's status query and the run's plan query, unchanged) and
 * `-o yaml` (the same content).
 */
const scenario = loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml'));

describe('status and plan on a held plan', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;
  let workflowId: string;

  const run = async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      ...args,
      `--temporal-address=${temporalAddress()}`,
      `--instance=${harness.options.instance}`,
    ]);
    return stdout;
  };

  beforeAll(async () => {
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-max-removed-fraction=0.2'],
    });
    await harness.startWorker();
    await harness.takeBaseline();
    config.applyJobs(path.join(projectRoot, 'examples', 'changes', 'empty-repo'));
    await harness.requestChange('empty a repository');
    const held = await harness.waitFor((v) => v.running?.held === true);
    workflowId = held.running?.workflowId as string;
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });

  it('status -o json is the status query, and -o yaml the same content', async () => {
    const json = JSON.parse(await run('status', '-o', 'json'));
    expect(json).toEqual(await harness.status());
    expect(parseYaml(await run('status', '--output=yaml'))).toEqual(json);
  });

  it('plan -o json is the run ID and the plan query, and -o yaml the same content', async () => {
    const json = JSON.parse(await run('plan', '-o', 'json'));
    const view = await harness.client.workflow.getHandle(workflowId).query(planQuery);
    expect(json).toEqual({ workflowId, ...view });
    expect(parseYaml(await run('plan', '-o', 'yaml'))).toEqual(json);
  });

  it('status: a table for people, saying the run is held and what to do', async () => {
    const text = await run('status');
    const view = await harness.status();
    expect(text).toMatch(new RegExp(`^Instance: +${harness.options.instance}$`, 'm'));
    expect(text).toMatch(/^Health: +OK$/m);
    expect(text).toMatch(
      new RegExp(
        `^Last reconciled: +${view.lastReconciled?.revision} +\\(9 presubmits in 2 repositories`,
        'm',
      ),
    );
    expect(text).toContain(`${workflowId}  HELD for approval`);
    expect(text).toMatch(/^OUTCOME +FROM +TO +AGE +RUN +DETAIL$/m);
    expect(text).toMatch(/^baseline +/m);
  });

  it('plan: per repository what is triggered, retired and moved, the verdict and its reason (as terraform plan)', async () => {
    const text = await run('plan');
    expect(text).toMatch(new RegExp(`^Change run: +${workflowId.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(text).toMatch(/^Phase: +awaiting-approval$/m);
    expect(text).toMatch(/^REPOSITORY +TRIGGER +RETIRE +MIGRATE +PRS +GUARD +NOTE$/m);
    expect(text).toMatch(/^my-org\/other-repo +0 +2 +0 +- +held: all 2 presubmits removed$/m);
    expect(text).toMatch(/^TOTAL \(1 repository\) +0 +2 +0 +- +HELD$/m);
    expect(text).toContain(
      "PRS: open pull requests a repository's ProwJobs and status writes touch: not read yet. " +
        'Each repository reads its open PRs when it is reconciled, after approval.',
    );
    expect(text).toMatch(/^ {2}- retire {3}pull-other-unit$/m);
    expect(text).toContain(
      'Guard: HELD by the blast-radius guard; nothing is written until an operator decides.',
    );
    expect(text).toContain('  - my-org/other-repo: all 2 presubmits removed');
    expect(text).toContain('status-reconciler approve --reason');
    expect(text.trimEnd().split('\n').pop()).toBe(
      'Plan: 0 to trigger, 2 to retire, 0 to migrate, in 1 repository.',
    );
  });

  it('plan --workflow-id of the approved, finished run: the open PRs each repository touched', async () => {
    await run('approve', '--reason', 'the repository moved');
    await harness.waitFor((v) => v.recent[0]?.workflowId === workflowId && !v.running);
    const view = await harness.client.workflow.getHandle(workflowId).query(planQuery);
    const touched = view.pullRequestsAffected?.['my-org/other-repo'];
    expect(touched).toBeGreaterThan(0);
    const text = await run('plan', `--workflow-id=${workflowId}`);
    expect(text).toMatch(/^Phase: +done$/m);
    expect(text).toMatch(
      new RegExp(`^my-org/other-repo +0 +2 +0 +${touched} +held: all 2 presubmits removed$`, 'm'),
    );
    expect(text).toContain('known for 1 of 1 repository.');
    expect(text).toContain('Guard: HELD by the blast-radius guard until an operator decided (below).');
    expect(text).toMatch(/^Decision: approved by /m);
  });
});
