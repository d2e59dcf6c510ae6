import { endpointTemplate } from '../../src/github/repository-github';

describe('endpointTemplate (metric labels without unbounded values)', () => {
  it.each([
    ['POST', '/repos/{owner}/{repo}/statuses/{sha}', 'POST /repos/{owner}/{repo}/statuses/{sha}'],
    [
      'GET',
      'http://127.0.0.1:8780/repos/o/r/pulls?state=open&per_page=100',
      'GET /repos/{owner}/{repo}/pulls',
    ],
    [
      'GET',
      'https://api.github.com/repos/o/r/pulls/5/files?page=2',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
    ],
    [
      'GET',
      'https://api.github.com/repos/o/r/commits/0123abc/status?per_page=100',
      'GET /repos/{owner}/{repo}/commits/{ref}/status',
    ],
    [
      'GET',
      'https://api.github.com/repos/o/r/issues/7/labels?page=3',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/labels',
    ],
    [
      'GET',
      'https://api.github.com/repos/o/r/git/ref/heads/release-1.0',
      'GET /repos/{owner}/{repo}/git/ref/{ref}',
    ],
    ['GET', 'https://api.github.com/orgs/o/members/alice', 'GET /orgs/{org}/members/{username}'],
    [
      'GET',
      'https://api.github.com/repos/o/r/collaborators/bob',
      'GET /repos/{owner}/{repo}/collaborators/{username}',
    ],
    [
      'POST',
      'https://api.github.com/app/installations/77/access_tokens',
      'POST /app/installations/{installation_id}/access_tokens',
    ],
  ])('%s %s → %s', (method, url, expected) => {
    expect(endpointTemplate(method, url)).toBe(expected);
  });
});
