import type { CheckId } from './report.js';

/** The name of each check as an admin reads it. */
export const CHECK_LABELS: Record<CheckId, string> = {
  input: 'Form values',
  reachable: 'Halo reachable',
  token: 'Token issued',
  scopes: 'Application scopes',
  agent: 'Login agent',
  'customers.read': 'Read customers',
  'purchaseOrders.read': 'Read purchase orders',
  'invoices.read': 'Read invoices',
  'invoices.write': 'Create and modify invoices',
  webhooks: 'Webhooks',
  visibility: 'Customer visibility',
};
