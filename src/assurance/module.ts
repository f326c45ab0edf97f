import { defineModule } from '../platform/module';
import { auditLogRoutes } from './audit-log-routes';
import { dischargeOverrideRoutes } from './discharge-overrides-routes';
import { assuranceNavigation } from './navigation';

/** Assurance: the audit log and its verification, and the discharge-override report (page and API). */
export const assuranceModule = defineModule({ name: 'assurance', routes: [auditLogRoutes, dischargeOverrideRoutes], navigation: assuranceNavigation });
