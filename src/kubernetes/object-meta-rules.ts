/**
 * Kubernetes' syntax rules for label values and object names (k8s.io/apimachinery/pkg/util/validation),
 * as the ProwJob builder needs them: it cleans labels the way Prow does. The Kubernetes double has its own
 * copy of the API server's rules (sandbox/kubernetes/object-meta.ts), so a bug here does not pass there.
 */

export const labelValueMaxLength = 63;

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
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
