import { randomInt } from 'node:crypto';

/**
 * The API server's own rules for an object's metadata, written here from Kubernetes' published
 * validation (k8s.io/apimachinery: pkg/util/validation for names, labels and qualified names;
 * pkg/api/validation's ObjectMeta rules; apiserver's name generator), in the server's words. The double
 * keeps its own copy on purpose: the ProwJob builder under test has rules of its own
 * (src/kubernetes/object-meta-rules.ts), and a bug there must not pass here too.
 */

const maxLenError = (length: number): string => `must be no more than ${length} characters`;
const emptyError = 'must be non-empty';

/** apimachinery's RegexError: the rule, its examples (joined as Go joins them), and the regex. */
function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${format}')`;
}

const dns1123LabelFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`;
const qualifiedNameFormat = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFormat = `(${qualifiedNameFormat})?`;
const whole = (format: string): RegExp => new RegExp(`^${format}$`);

/** A name rule of apimachinery's: a whole-string regex with its format, a length cap, and its message. */
interface NameRule {
  format: string;
  regexp: RegExp;
  maxLength: number;
  message: string;
  examples: string[];
}

const dns1123Label: NameRule = {
  format: dns1123LabelFormat,
  regexp: whole(dns1123LabelFormat),
  maxLength: 63,
  message:
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
    'and end with an alphanumeric character',
  examples: ['my-name', '123-abc'],
};
const dns1123Subdomain: NameRule = {
  format: dns1123SubdomainFormat,
  regexp: whole(dns1123SubdomainFormat),
  maxLength: 253,
  message:
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
    'must start and end with an alphanumeric character',
  examples: ['example.com'],
};
const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  'character';
const qualifiedNameExamples = ['MyName', 'my.name', '123-abc'];
const qualifiedNameRegexp = whole(qualifiedNameFormat);
const qualifiedNameMaxLength = 63;
const labelValueRegexp = whole(labelValueFormat);
const labelValueMaxLength = 63;
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
  'start and end with an alphanumeric character';

/** A value's errors under a name rule: too long, then not matching, as apimachinery lists them. */
function nameRuleErrors(rule: NameRule, value: string): string[] {
  const errors: string[] = [];
  if (value.length > rule.maxLength) errors.push(maxLenError(rule.maxLength));
  if (!rule.regexp.test(value)) errors.push(regexError(rule.message, rule.format, ...rule.examples));
  return errors;
}

/** IsDNS1123Label: namespace names. */
export function dns1123LabelErrors(value: string): string[] {
  return nameRuleErrors(dns1123Label, value);
}

/** IsDNS1123Subdomain: the names of custom resources such as ProwJobs, and label-key prefixes. */
export function dns1123SubdomainErrors(value: string): string[] {
  return nameRuleErrors(dns1123Subdomain, value);
}

/** IsQualifiedName: label keys and (lower-cased) annotation keys, `[prefix/]name`. */
export function qualifiedNameErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(qualifiedNameMessage, qualifiedNameFormat, ...qualifiedNameExamples)}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix.length === 0) errors.push(`prefix part ${emptyError}`);
    else errors.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  }
  if (name.length === 0) errors.push(`name part ${emptyError}`);
  else if (name.length > qualifiedNameMaxLength)
    errors.push(`name part ${maxLenError(qualifiedNameMaxLength)}`);
  if (!qualifiedNameRegexp.test(name))
    errors.push(
      `name part ${regexError(qualifiedNameMessage, qualifiedNameFormat, ...qualifiedNameExamples)}`,
    );
  return errors;
}

/** IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > labelValueMaxLength) errors.push(maxLenError(labelValueMaxLength));
  if (!labelValueRegexp.test(value))
    errors.push(regexError(labelValueMessage, labelValueFormat, 'MyValue', 'my_value', '12345'));
  return errors;
}

/**
 * NameIsDNSSubdomain with `prefix`: a generateName may end in '-', since characters are appended. The
 * API server masks a trailing dash before checking, exactly so: the last two characters become one 'a'.
 */
export function generateNameErrors(generateName: string): string[] {
  const masked =
    generateName.length > 1 && generateName.endsWith('-') ? `${generateName.slice(0, -2)}a` : generateName;
  return dns1123SubdomainErrors(masked);
}

/** The apiserver's SimpleNameGenerator: the base cut to 58 characters, then 5 random ones of its alphabet. */
const generatedNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const randomSuffixLength = 5;
const maxGeneratedBaseLength = 63 - randomSuffixLength;

export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < randomSuffixLength; i++)
    suffix += generatedNameAlphabet[randomInt(generatedNameAlphabet.length)];
  return base.slice(0, maxGeneratedBaseLength) + suffix;
}

/** TotalAnnotationSizeLimitB: keys and values of all annotations together. */
export const totalAnnotationSizeLimit = 256 * 1024;

/** The fields of ObjectMeta; any other field under `metadata` is unknown (pruned, or refused when strict). */
export const objectMetaFields: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
