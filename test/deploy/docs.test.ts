import { OptionsError, parseFlags, readOptions } from '../../src/options';
import { searchAttributeFlags } from '../../workflows/search-attributes';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, readText } from './support/deploy-files';

const readme = readText('README.md');
const deploying = readme.slice(readme.indexOf('\n## Deploying\n'));
const kubernetesReadme = readText('deploy/kubernetes/README.md');
const script = readText('deploy/temporal/register-search-attributes.sh');
const attributes = searchAttributeFlags().map((flag) => flag.split('=') as [string, string]);

/** Every flag src/options.ts defines, read from its flagSpecs table. */
const definedFlags = (() => {
  const source = readText('src/options.ts');
  const table = source.slice(source.indexOf('const flagSpecs = {'), source.indexOf('} satisfies Record'));
  return [...table.matchAll(/^ {2}'?([a-z][a-z0-9.-]*)'?: \{/gm)].map((m) => m[1] as string);
})();
/** Flags that are accepted for compatibility but ignored (with a warning). `=0` parses for every kind. */
const ignoredFlags = definedFlags.filter((name) => {
  try {
    return readOptions([`--${name}=0`], {}).ignoredFlags.some((f) => f.flag === `--${name}`);
  } catch {
    return false;
  }
});

describe('search attributes: docs and scripts match workflows/search-attributes.ts', () => {
  it.each(attributes)(
    '%s (%s) is registered by deploy/temporal/register-search-attributes.sh',
    (name, type) => {
      expect(script).toContain(`--name ${name} --type ${type}`);
    },
  );

  it('the script registers no other attribute', () => {
    expect([...script.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}=${m[2]}`)).toEqual(
      searchAttributeFlags(),
    );
  });

  it.each(attributes)('%s (%s): the exact `temporal operator` command is in both READMEs', (name, type) => {
    const command = `temporal operator search-attribute create --namespace default --name ${name} --type ${type}`;
    expect(deploying).toContain(command);
    expect(kubernetesReadme).toContain(command);
  });
});

describe("README: Deploying (the last section), Prow's flag mapping", () => {
  it('is the last top-level section', () => {
    expect(deploying.startsWith('\n## Deploying\n')).toBe(true);
    expect(deploying.slice(1).match(/^## /gm)).toHaveLength(1);
  });

  const rows = [...deploying.matchAll(/^\| (`--[^|]+?) +\| (.+?) +\|$/gm)].map((m) => ({
    flags: [...(m[1] as string).matchAll(/`--([a-z0-9.-]+)`/g)].map((f) => f[1] as string),
    says: m[2] as string,
  }));
  const mapping = rows.filter((r) => /^(kept|accepted|not accepted)/.test(r.says));

  it('has the mapping table', () => {
    expect(mapping.length).toBeGreaterThan(10);
  });

  it.each(mapping.flatMap((r) => r.flags.map((flag) => [flag, r.says])))('--%s: %s', (flag, says) => {
    if (says.startsWith('not accepted')) {
      expect(() => parseFlags([`--${flag}=0`])).toThrow(OptionsError);
      return;
    }
    expect(definedFlags).toContain(flag);
    expect(ignoredFlags.includes(flag)).toBe(says.startsWith('accepted, ignored'));
  });

  it("lists every flag the port accepts but ignores (Prow's, see `ignored:` in src/options.ts)", () => {
    expect(ignoredFlags.length).toBeGreaterThan(0);
    const listedIgnored = mapping
      .filter((r) => r.says.startsWith('accepted, ignored'))
      .flatMap((r) => r.flags);
    expect(listedIgnored.sort()).toEqual([...ignoredFlags].sort());
  });

  it.each([
    '--temporal-address',
    '--temporal-namespace',
    '--temporal-tls',
    '--temporal-tls-cert-path',
    '--temporal-tls-key-path',
    '--temporal-api-key-path',
    '--temporal-task-queue',
    '--instance',
    '--max-activities-per-second',
  ])('documents %s, a flag src/options.ts defines', (flag) => {
    expect(deploying).toContain(`\`${flag}\``);
    expect(definedFlags).toContain(flag.slice(2));
  });

  it.each(['Pull requests', 'Commit statuses', 'Contents', 'Metadata', 'Issues', 'Members (organization)'])(
    'lists the GitHub App permission %s',
    (permission) => {
      expect(deploying).toMatch(
        new RegExp(`^\\| ${permission.replace(/[()]/g, '\\$&')} +\\| (Read|Read and write) +\\|`, 'm'),
      );
    },
  );
});

describe('docs/decisions.md: every decision id the project cites is defined there', () => {
  const decisions = readText('docs/decisions.md');
  const defined = new Set(
    [...decisions.matchAll(/^\| ([QRV]\d+(?:\.\d+)?) +\|/gm)].map((m) => m[1] as string),
  );
  /** Every text file of the project except the page itself, and where each id is cited. */
  const cited = (() => {
    const where = new Map<string, string>();
    const skip = new Set([
      'node_modules',
      'dist',
      '.tools',
      '.data',
      '.git',
      'coverage',
      'histories',
      'schemas',
    ]);
    const walk = (relative: string): void => {
      for (const entry of readdirSync(fromRoot(relative), { withFileTypes: true })) {
        const file = path.join(relative, entry.name);
        if (entry.isDirectory()) {
          if (!skip.has(entry.name)) walk(file);
        } else if (/\.(ts|js|md|sh|ya?ml)$|^Dockerfile$/.test(entry.name) && file !== 'docs/decisions.md') {
          for (const m of readText(file).matchAll(/\b([QRV]\d+(?:\.\d+)?)\b/g)) {
            if (!where.has(m[1] as string)) where.set(m[1] as string, file);
          }
        }
      }
    };
    walk('.');
    // "V8" is also the JavaScript engine; as an id it is defined anyway.
    return [...where.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  })();

  it('finds the ids the README and the code cite', () => {
    expect(cited.map(([id]) => id)).toEqual(expect.arrayContaining(['Q1', 'Q10', 'R7.2', 'R17', 'V5']));
  });

  it.each(cited)('%s (cited in %s) is defined', (id) => {
    expect(defined.has(id)).toBe(true);
  });

  it('defines each Q decision with what Prow does, what we do and why', () => {
    for (let n = 1; n <= 15; n++) {
      const row = decisions.split('\n').find((line) => line.startsWith(`| Q${n} `));
      expect(row?.split('|').filter((cell) => cell.trim()).length).toBe(4);
    }
  });

  it('the README points at it, not at a spec outside the repository', () => {
    expect(readme).toContain('docs/decisions.md');
    expect(readme).not.toMatch(/\.\.\/shared\/spec/);
  });
});
