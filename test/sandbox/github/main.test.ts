import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGitHubDoubleArgs, runGitHubDouble } from '../../../sandbox/github/main';
import { sha } from './small-scenario';

describe('github double command', () => {
  test.each([
    [['--port', 'x'], /--port: not a port number: x/],
    [['--limits', 'some'], /--limits: must be github or off/],
    [['--generate', '1,2'], /--generate: expected REPOS,PRS,CONTEXTS,SEED/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseGitHubDoubleArgs(argv)).toThrow(message);
  });

  test('parses a generated scenario and limits off', () => {
    const cmd = parseGitHubDoubleArgs(['--port', '8081', '--generate', '2,3,1,9', '--limits', 'off']);
    expect(cmd.port).toBe(8081);
    expect(cmd.scenario.repos).toHaveLength(2);
    expect(cmd.limits).toEqual({ primary: false, secondary: false });
  });

  test('starts from a scenario file, writes the App key once (0600) and reuses it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gh-main-'));
    const scenario = path.join(dir, 's.yaml');
    writeFileSync(scenario, `repos:\n  - owner: acme\n    name: w\n    branches: { main: "${sha(1)}" }\n`);
    const keyFile = path.join(dir, 'app.pem');
    const first = await runGitHubDouble(['--scenario', scenario, '--private-key-file', keyFile]);
    const key = readFileSync(keyFile, 'utf8');
    await first.close();
    expect(key).toContain('BEGIN RSA PRIVATE KEY');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = await runGitHubDouble(['--scenario', scenario, '--private-key-file', keyFile]);
    try {
      expect(second.app.privateKeyPem).toBe(key);
      const res = await fetch(`${second.url}/repos/acme/w/git/ref/heads/main`, {
        headers: { authorization: `token ${second.issueToken()}` },
      });
      expect(res.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
