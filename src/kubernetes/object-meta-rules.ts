/**
 * Kubernetes' syntax rules for object names, label keys and label values
 * (k8s.io/apimachinery/pkg/util/validation). The builder needs the label-value rule to clean labels the
 * way Prow does; the double enforces all of them as the API server would.
 */

export const labelValueMaxLength = 63;

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Reasons a label value is invalid, in the API server's words; empty when it is valid. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > labelValueMaxLength) {
    errors.push(`must be no more than ${labelValueMaxLength} characters`);
  }
  if (!labelValue.test(value)) {
    errors.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
        'and must start and end with an alphanumeric character',
    );
  }
  return errors;
}

export function isValidLabelValue(value: string): boolean {
  return labelValueErrors(value).length === 0;
}

/** Reasons a label key or annotation key (a qualified name, optionally `prefix/`) is invalid. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const errors: string[] = [];
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    name = rest;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...dnsSubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
        "with an alphanumeric character with an optional DNS subdomain prefix and '/'",
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  if (name.length > 0 && !qualifiedNamePart.test(name)) {
    errors.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        'alphanumeric character',
    );
  }
  return errors;
}

/** Reasons a name is not a DNS-1123 subdomain (the rule for ProwJob names). */
export function dnsSubdomainErrors(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 253) errors.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(name)) {
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
        'must start and end with an alphanumeric character',
    );
  }
  return errors;
}

/** Reasons a namespace name is not a DNS-1123 label. */
export function dnsLabelErrors(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 63) errors.push('must be no more than 63 characters');
  if (!dns1123Label.test(name)) {
    errors.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " +
        'start and end with an alphanumeric character',
    );
  }
  return errors;
}
