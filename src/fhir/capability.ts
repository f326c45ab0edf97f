/** The CapabilityStatement: what Beacon's FHIR base does, and nothing it does not. */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { beaconSystems } from './flag';

export function capabilityStatement(publicUrl: string, version: string, date: string): CapabilityStatement {
  const sys = beaconSystems(publicUrl);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Beacon',
    kind: 'instance',
    software: { name: 'Beacon', version },
    implementation: { description: 'Beacon: high-risk alerts for unborn and newborn babies', url: `${publicUrl}/fhir/R4` },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'An approved high-risk alert is a Flag. Point-of-care staff check with Patient/$match (or a Flag search by NHS number) and see an alert only by revealing a match with its reason (Flag/{id}/$reveal); everyone else sees the Flags their organisation sees in Beacon. Every read is audited.',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
          description: `Bearer tokens from ${publicUrl}/oauth2/token (OAuth 2.0 client credentials with a signed JWT client assertion, RFC 7523) with the scope fhir. Name the end user in the Beacon-End-User header.`,
        },
        resource: [
          {
            type: 'Flag',
            versioning: 'versioned',
            readHistory: false,
            updateCreate: false,
            conditionalUpdate: false,
            interaction: [
              { code: 'read', documentation: 'The full Flag, with a contained Patient and Provenance; ETag W/"<versionId>".' },
              { code: 'search-type' },
              {
                code: 'update',
                documentation: `Removal only: status inactive (stood down) or entered-in-error (cancelled), with the reason in extension ${sys.removalReasonExtension}. If-Match required; a stale version is refused with 412.`,
              },
            ],
            searchParam: [
              { name: 'patient.identifier', type: 'token', documentation: 'NHS number: https://fhir.nhs.uk/Id/nhs-number|<10 digits>' },
              { name: 'status', type: 'token', documentation: 'active, inactive, entered-in-error' },
              { name: 'code', type: 'token', documentation: `${sys.alertType}|unborn-baby-high-risk` },
              { name: '_lastUpdated', type: 'date', documentation: 'With ge, gt, le, lt or eq' },
              { name: '_count', type: 'number', documentation: 'At most 100 (default 20)' },
            ],
            operation: [
              { name: 'reveal', definition: `${publicUrl}/fhir/OperationDefinition/Flag-reveal`, documentation: 'Parameters: search, reason, reasonText' },
            ],
          },
          {
            type: 'Patient',
            interaction: [],
            operation: [
              {
                name: 'match',
                definition: 'http://hl7.org/fhir/OperationDefinition/Patient-match',
                documentation: 'Parameters: resource (Patient), count (≤ 5), onlyCertainMatches',
              },
            ],
          },
          {
            type: 'AuditEvent',
            interaction: [{ code: 'search-type', documentation: 'An alert’s access history, for its owners only, newest first' }],
            searchParam: [{ name: 'entity', type: 'reference', documentation: 'Flag/{id}' }],
          },
        ],
      },
    ],
  };
}
