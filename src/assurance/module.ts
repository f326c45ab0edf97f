import { defineModule } from '../platform/module';
import { auditLogRoutes } from './audit-log-routes';
import { auditRoutes } from './audits-routes';
import { auditsApi } from './audits-api';
import { dischargeOverrideRoutes } from './discharge-overrides-routes';
import { assuranceNavigation } from './navigation';

/**
 * Assurance: the SOP embeddedness audit computed from Beacon's records (criteria per partnership, runs,
 * sign-off that freezes them), the discharge-override report, and the audit log with its verification.
 */
export const assuranceModule = defineModule({
  name: 'assurance',
  routes: [auditLogRoutes, dischargeOverrideRoutes, auditRoutes],
  api: [auditsApi],
  navigation: assuranceNavigation,
});
