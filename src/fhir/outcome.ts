/**
 * FHIR's way of saying what went wrong: an OperationOutcome with a diagnostic a developer (and, read
 * aloud, a clinician) understands, on every error of the FHIR base.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly code: IssueCode,
    readonly diagnostics: string,
    readonly issues: OperationOutcomeIssue[] = [],
  ) {
    super(diagnostics);
    this.name = 'FhirError';
  }
}

export function operationOutcome(
  code: IssueCode,
  diagnostics: string,
  more: OperationOutcomeIssue[] = [],
  severity: 'error' | 'information' = 'error',
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }, ...more] };
}

/** The issue code for an HTTP status Beacon answers with. */
export function issueCodeFor(status: number): IssueCode {
  if (status === 400) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'conflict';
  if (status === 429) return 'throttled';
  if (status === 503) return 'transient';
  return 'exception';
}
