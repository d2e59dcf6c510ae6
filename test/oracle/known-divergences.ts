import type { Found, KnownDivergence } from './differential';

/**
 * Divergences from Prow's loader that are known and assigned, each matched by what it is (Prow's exact
 * error class, with ours loading), never by "any error". The differential test counts them separately and
 * prints the counts; anything else fails it. Each entry says who fixes it; the list is meant to shrink to
 * nothing.
 */
const prowRefusesWeLoad = (found: Found, pattern: RegExp): boolean =>
  found.divergence === 'prow refuses, we load' && pattern.test(found.prow.error ?? '');

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    // sigs.k8s.io/yaml turns a YAML bool or number into a JSON string only where it can follow the Go
    // target type, and it follows a promoted field only to the embedded struct (t.Field(f.index[0])), so
    // the target is lost at JobBase, UtilityConfig, Reporter, Brancher, RegexpChangeMatcher, and at the top of
    // config.yaml (Config embeds ProwConfig and JobConfig). There, and everywhere below (spec, labels,
    // decoration_config, tide, plank…), `name: 123`, `context: 1`, `branches: [1]`, `image: no`,
    // `prowjob_namespace: 123` are type errors in Prow; our decoder converts them everywhere. Only
    // trigger, rerun_command, periodic cron/interval and job-file presets convert in Prow.
    name: 'string coercion where sigs.k8s.io/yaml loses the target type (promoted fields, config.yaml)',
    owner: 'decoder (src/config/go-json-decode.ts)',
    matches: (found) =>
      prowRefusesWeLoad(
        found,
        /json: cannot unmarshal (bool|number) into Go struct field \S*\.(JobBase|UtilityConfig|Reporter|Brancher|RegexpChangeMatcher|ProwConfig|JobConfig)\.\S* of type (string|v1\.ProwJobState|v1\.ProwJobType)$/m,
      ) ||
      // The same cause: `.inf` or `.nan` where the target type is lost reaches json.Marshal as a float, which
      // fails (`name: .inf` would otherwise become the string "+Inf"). Our decoder refuses ±Inf and NaN
      // everywhere except in string fields, so "Prow refuses, we load" here is only that case.
      prowRefusesWeLoad(found, /error converting YAML to JSON: json: unsupported value: ([-+]Inf|NaN)$/m),
  },
  {
    // Documented gap (README, job-validation.ts): parts of the config the reconciler does not model are
    // decoded generically, so their Go types and formats are not checked: Kubernetes resource quantities
    // and branch-protection policies.
    name: 'untyped parts: resource quantities and branch-protection types are not checked',
    owner: 'known gap (README "Known differences")',
    matches: (found) =>
      prowRefusesWeLoad(
        found,
        /while decoding JSON: (quantities must match the regular expression|json: cannot unmarshal \w+ into Go struct field \S*ProwConfig\.branch-protection\S* of type )/,
      ),
  },
  {
    // Documented gap (README, job-validation.ts): only the fields the reconciler models are typed; these
    // sections are decoded generically or in part, so a wrong JSON type there loads.
    // Each section is named; a type error anywhere else is not covered by this entry.
    name: 'untyped sections: Deck, Sinker, Tide context options, presets env sources and volumes, job reporter_config, rerun_auth_config, extra_refs details, pod security contexts',
    owner: 'known gap (README "Known differences")',
    matches: (found) =>
      prowRefusesWeLoad(
        found,
        /while decoding JSON: json: cannot unmarshal \w+ into Go struct field \S*\.(ProwConfig\.deck\.|ProwConfig\.sinker\.|ProwConfig\.tide\.TideGitHubConfig\.context_options\.|JobBase\.reporter_config|JobBase\.rerun_auth_config|JobBase\.UtilityConfig\.extra_refs\.(workdir|path_alias|base_sha|skip_submodules|clone_depth|skip_fetch_head)|JobConfig\.presets\.(env\.valueFrom|volumes\.)|JobBase\.spec\.containers\.securityContext\.)\S* of type /,
      ),
  },
  {
    // Sinker, Horologium and the push gateway are not typed, so their Go durations (metav1.Duration,
    // parsed while decoding) are not checked: `horologium: {tick_interval: x}` loads here.
    name: 'durations of the untyped components sinker, horologium and push_gateway are not parsed',
    owner: 'decoder (src/config/prow-go-types.ts)',
    matches: (found) =>
      found.file === 'prow config' &&
      /^\.?(sinker|horologium|push_gateway)[.: ]/.test(found.change) &&
      prowRefusesWeLoad(found, /while decoding JSON: time: invalid duration /),
  },
  {
    // Documented gap: only the OAuth scheme rule of clone_uri is checked, not Go's url.Parse.
    name: 'clone_uri is not parsed as a URL',
    owner: 'known gap (README "Known differences")',
    matches: (found) => prowRefusesWeLoad(found, /couldn't parse uri from clone_uri: parse /),
  },
];
