import { checkConfig } from '../../src/config/check-config';
import { configTree, MINIMAL_PROW_CONFIG, validJob } from './config-tree';

/**
 * Divergences from Prow's own loader that the differential tests (prow-oracle.test.ts) found and that are
 * fixed, each checked here without the oracle: what Prow's `config.Load` said is in the table.
 */
describe("divergences from Prow's loader found by the differential tests", () => {
  it.each([
    [
      'a capture group name given twice in a branch regex (Go 1.22+ allows it)',
      validJob('a', "    branches: ['(?P<a>x)(?P<a>y)']\n"),
      { ok: true },
    ],
    [
      'decoration_config.timeout as an integer (Prow v1.Duration: nanoseconds)',
      validJob(
        'a',
        '    decorate: true\n    decoration_config: {timeout: 42, gcs_credentials_secret: s,\n' +
          '      utility_images: {clonerefs: a, initupload: b, entrypoint: c, sidecar: d},\n' +
          '      gcs_configuration: {bucket: b, path_strategy: explicit}}\n',
      ),
      { ok: true },
    ],
    [
      'name: 123 (no string conversion below a promoted JobBase field)',
      '  - name: 123\n    spec: {containers: [{image: alpine, command: [echo]}]}\n',
      {
        ok: false,
        errors: expect.arrayContaining([
          expect.stringContaining(
            'json: cannot unmarshal number into Go struct field Presubmit.presubmits.JobBase.name of type string',
          ),
        ]),
      },
    ],
    [
      'image: no in a pod spec',
      '  - name: a\n    spec: {containers: [{image: no, command: [echo]}]}\n',
      {
        ok: false,
        errors: [
          expect.stringContaining(
            'json: cannot unmarshal bool into Go struct field Container.presubmits.JobBase.spec.containers.image of type string',
          ),
        ],
      },
    ],
  ])('%s', async (_, jobs, expected) => {
    const tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': `presubmits:\n  o/r:\n${jobs}`,
    });
    try {
      const result = await checkConfig(tree.source());
      expect(result).toMatchObject(expected);
    } finally {
      tree.remove();
    }
  });
});
