/**
 * The composition root's list: every capability of Beacon, in the order their pages and menu items are
 * registered. Adding a capability is adding its module object here (docs/architecture.md, "Adding a
 * capability"); app.ts registers the routes, API and menu, server.ts the jobs. Nothing else lists them.
 */
import type { BeaconModule } from './platform/module';
import { platformModule } from './platform/jobs/platform-module';
import { homeModule } from './home/module';
import { peopleModule } from './people/module';
import { directoryModule } from './directory/module';
import { assuranceModule } from './assurance/module';
import { alertsModule } from './alerts/module';
import { identityModule } from './identity/module';
import { casesModule } from './cases/module';
import { escalationsModule } from './escalations/module';
import { learningModule } from './learning/module';
import { libraryModule } from './library/module';
import { clientsModule } from './clients/module';
import { fhirModule } from './fhir/module';
import { webhooksModule } from './webhooks/module';

export const MODULES: readonly BeaconModule[] = [
  platformModule,
  homeModule,
  peopleModule,
  directoryModule,
  assuranceModule,
  alertsModule,
  identityModule,
  casesModule,
  escalationsModule,
  learningModule,
  libraryModule,
  clientsModule,
  fhirModule,
  webhooksModule,
];
