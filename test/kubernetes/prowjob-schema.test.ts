import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { extractProwJobSchema } from '../../scripts/extract-prowjob-schema';
import { prowJobSchema } from '../../src/kubernetes/go-json-encoding';
import { projectRoot } from '../../src/project-root';

const crdPath = path.join(
  projectRoot,
  '..',
  'shared',
  'data',
  'prowjob-crd',
  'prowjob_customresourcedefinition.yaml',
);
const required = process.env.PROW_CONFIG_DATA_REQUIRED === '1';
const present = existsSync(crdPath);
if (!present && !required) {
  console.warn(
    `skipping the ProwJob schema drift test: ${crdPath} is absent (set PROW_CONFIG_DATA_REQUIRED=1 to fail)`,
  );
}

describe('committed ProwJob schema (src/kubernetes/schemas/prowjob-v1.schema.json)', () => {
  it('names its source', () => {
    expect(prowJobSchema.$comment).toMatch(
      /kubernetes-sigs\/prow .* a619408973827f5a8846fc61b4731156bde5fb0c \(Apache-2\.0/,
    );
  });

  (present || required ? it : it.skip)(
    'equals the openAPIV3Schema of the CRD in shared data, descriptions aside',
    () => {
      expect(extractProwJobSchema(readFileSync(crdPath, 'utf8'))).toEqual(prowJobSchema);
    },
  );

  it('refuses a document that is not the ProwJob CRD', () => {
    expect(() =>
      extractProwJobSchema('kind: CustomResourceDefinition\nmetadata: {name: pods.example.com}\n'),
    ).toThrow(/not the ProwJob CRD: metadata.name is "pods.example.com"/);
    expect(() =>
      extractProwJobSchema(
        'metadata: {name: prowjobs.prow.k8s.io}\nspec: {versions: [{name: v2, served: true}]}\n',
      ),
    ).toThrow(/serves no v1 with an openAPIV3Schema/);
  });
});
