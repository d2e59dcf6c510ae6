import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { projectRoot } from '../../../src/project-root';

export { projectRoot };

export const fromRoot = (...parts: string[]): string => path.join(projectRoot, ...parts);

export function readText(relative: string): string {
  return readFileSync(fromRoot(relative), 'utf8');
}

/** Every YAML document of a file; a YAML syntax error fails. */
export function readYamlDocuments(relative: string): unknown[] {
  return parseAllDocuments(readText(relative)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

export interface ComposeVolume {
  type: string;
  source: string;
  target: string;
  read_only: boolean;
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
  volumes: ComposeVolume[];
  network_mode?: string;
  ports?: string[];
  restart?: string;
  read_only?: boolean;
  tmpfs?: string[];
}

/** `${NAME:-default}` as Compose interpolates it with NAME unset. */
export const interpolateDefaults = (value: string): string =>
  value.replace(/\$\{[A-Z_][A-Z0-9_]*:?-([^}]*)\}/g, '$1');

function normalizeVolume(volume: unknown): ComposeVolume {
  if (typeof volume === 'string') {
    const [source = '', target = '', mode = ''] = volume.split(':');
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('$');
    return { type: bind ? 'bind' : 'volume', source, target, read_only: mode.split(',').includes('ro') };
  }
  const v = volume as Partial<ComposeVolume>;
  return {
    type: v.type ?? 'volume',
    source: v.source ?? '',
    target: v.target ?? '',
    read_only: v.read_only === true,
  };
}

/** docker-compose.yml with YAML merge keys (`<<:`) resolved and volumes in the long syntax. */
export function readCompose(): {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
} {
  const raw = parse(readText('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Omit<ComposeService, 'volumes'> & { volumes?: unknown[] }>;
    volumes?: Record<string, unknown>;
  };
  const services = Object.fromEntries(
    Object.entries(raw.services).map(([name, s]) => [
      name,
      { ...s, volumes: (s.volumes ?? []).map(normalizeVolume) } as ComposeService,
    ]),
  );
  return { services, volumes: raw.volumes ?? {} };
}

/** The absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const inCi = (): boolean => /^(1|true)$/i.test(process.env.CI ?? '');
