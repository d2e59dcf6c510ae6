/**
 * What the double tells clients about itself: the ProwJob API (prow.k8s.io/v1, resource prowjobs) and the
 * discovery documents and server version a Kubernetes client may ask for before using it.
 */
export const group = 'prow.k8s.io';
export const version = 'v1';
export const resource = 'prowjobs';
export const apiVersion = `${group}/${version}`;

export const serverVersion = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-prow-double',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z',
  goVersion: 'go1.24',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const apiResourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: apiVersion,
  resources: [
    {
      name: resource,
      singularName: 'prowjob',
      namespaced: true,
      kind: 'ProwJob',
      verbs: ['create', 'get', 'list'],
    },
  ],
};

export const apiGroup = {
  name: group,
  versions: [{ groupVersion: apiVersion, version }],
  preferredVersion: { groupVersion: apiVersion, version },
};

/** The discovery document served at a path, if any (`/version` needs no credentials; the others do). */
export function discoveryDocument(path: string): unknown {
  switch (path) {
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup] };
    case `/apis/${group}`:
      return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup };
    case `/apis/${group}/${version}`:
      return apiResourceList;
    default:
      return undefined;
  }
}
