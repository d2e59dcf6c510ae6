import { decodeDocument, type DecodeProblem, type GoStruct } from '../go/go-json-decode';
import { parseGoYaml } from '../go/go-yaml-document';
import { GoYamlError } from '../go/go-yaml-scalar';
import {
  jobConfigType,
  pluginConfigType,
  prowConfigFileType,
  supplementalProwConfigType,
} from '../prow/prow-go-types';
import type { JobFileSource } from './job-file-source';
import type { ConfigProblem } from '../types';

/**
 * One config file's text decoded as Prow decodes it (`yaml.Unmarshal` into the file's Go type), with its
 * problems located by job and field. Pure and deterministic, so the result can be cached by content hash
 * and computed on a worker thread.
 */

export type DocumentKind = 'job' | 'prow' | 'supplementalProw' | 'plugin';

const documentTypes: Record<DocumentKind, GoStruct> = {
  job: jobConfigType,
  prow: prowConfigFileType,
  supplementalProw: supplementalProwConfigType,
  plugin: pluginConfigType,
};

export interface ParsedDocument {
  /** The decoded value; undefined for a file without a document (empty or only comments). */
  value: Record<string, unknown> | undefined;
  /** Problems without `file`: the caller knows the path. */
  problems: ConfigProblem[];
  /**
   * Set by the parse cache for job files: `value` then only tells which repositories have how many jobs
   * (and the presets), and the jobs are read from here when defaulting asks.
   */
  jobs?: JobFileSource;
}

/** `spec.containers[0].image` from a decode location. */
function fieldPath(parts: readonly (string | number)[]): string {
  let out = '';
  for (const part of parts) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

function locate(value: Record<string, unknown> | undefined, problem: DecodeProblem): ConfigProblem {
  const [section, key, index] = problem.location;
  const jobsBySection = value?.[section as string];
  let job: unknown;
  let rest = problem.location;
  if ((section === 'presubmits' || section === 'postsubmits') && typeof index === 'number') {
    job = (jobsBySection as Record<string, { name?: unknown }[]> | undefined)?.[key as string]?.[index]?.name;
    rest = problem.location.slice(3);
  } else if (section === 'periodics' && typeof key === 'number') {
    job = (jobsBySection as { name?: unknown }[] | undefined)?.[key]?.name;
    rest = problem.location.slice(2);
  }
  const located: ConfigProblem = { message: problem.message };
  if (typeof job === 'string' && job) located.job = job;
  const field = fieldPath(rest);
  if (field) located.field = field;
  return located;
}

export function parseConfigText(text: string, kind: DocumentKind): ParsedDocument {
  try {
    const decoded = decodeDocument<Record<string, unknown>>(parseGoYaml(text), documentTypes[kind]);
    return { value: decoded.value, problems: decoded.problems.map((p) => locate(decoded.value, p)) };
  } catch (error) {
    if (!(error instanceof GoYamlError)) throw error;
    const message = error.message.startsWith('error converting YAML to JSON: ')
      ? error.message
      : `error converting YAML to JSON: ${error.message}`;
    return { value: undefined, problems: [{ message }] };
  }
}
