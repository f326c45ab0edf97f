import { defineModule } from '../platform/module';
import { fhirRoutes } from './routes';

/** The FHIR R4 facade (/fhir/R4): alerts as Flags, the check as Patient/$match, access history as AuditEvents. */
export const fhirModule = defineModule({ name: 'fhir', routes: [fhirRoutes] });
