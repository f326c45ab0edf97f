import { defineModule } from '../platform/module';
import { auditLogRoutes } from './audit-log-routes';
import { auditRoutes } from './audits-routes';
import { auditsApi } from './audits-api';
import { dischargeOverrideRoutes } from './discharge-overrides-routes';
import { assuranceNavigation } from './navigation';
import { trackerApi } from './tracker/api';
import { caseFileApi } from './casefile/api';
import { caseFileRoutes } from './casefile/routes';
import { trackerRoutes } from './tracker/routes';

/**
 * Assurance: the SOP embeddedness audit computed from Beacon's records (criteria per partnership, runs,
 * sign-off that freezes them), the review tracker (reviews → recommendations → responses → actions → evidence,
 * quality assurance and board sign-off, the board report), multi-agency case-file audits, the discharge-override
 * report, and the audit log.
 */
export const assuranceModule = defineModule({
  name: 'assurance',
  routes: [auditLogRoutes, dischargeOverrideRoutes, auditRoutes, trackerRoutes, caseFileRoutes],
  api: [auditsApi, trackerApi, caseFileApi],
  navigation: assuranceNavigation,
});
