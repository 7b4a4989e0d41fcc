import type { PlatformModule } from '../../../src/platforms/gravityzone/modules.js'
import { endpointBlock, endpointOf, fakeId, isoSeconds, pick, type EventFactory } from './context.js'

/**
 * Non-security event factories (docs/platforms/gravityzone.md#event-modules): agent lifecycle,
 * moves, module status, tasks, appliance status and company moves between partners.
 */
export const platformEventFactories: Record<PlatformModule, EventFactory> = {
  install: (ctx) => ({
    module: 'install',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    hwid: endpointOf(ctx).hwid
  }),
  uninstall: (ctx) => ({ module: 'uninstall', ...endpointBlock(ctx), endpointId: endpointOf(ctx).id, reason: 1 }),
  // companyId is the destination (moved-in) or the source (moved-out) company (inferred, not
  // documented).
  'endpoint-moved-in': (ctx) => ({
    module: 'endpoint-moved-in',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    hwid: endpointOf(ctx).hwid
  }),
  'endpoint-moved-out': (ctx) => ({
    module: 'endpoint-moved-out',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    hwid: endpointOf(ctx).hwid
  }),
  'hwid-change': (ctx) => ({
    module: 'hwid-change',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    old_hwid: endpointOf(ctx).hwid,
    new_hwid: fakeId('hwid', endpointOf(ctx).id, ctx.seq)
  }),
  modules: (ctx) => ({
    module: 'modules',
    ...endpointBlock(ctx),
    malware_status: 1,
    aph_status: 1,
    firewall_status: ctx.seq % 2,
    avc_status: 1,
    uc_web_filtering: 0,
    uc_categ_filtering: 0,
    uc_application_status: 0,
    dp_status: 0,
    network_monitor_status: 1,
    oldData: {}
  }),
  registration: (ctx) => ({ module: 'registration', ...endpointBlock(ctx), product_registration: 'registered' }),
  'task-status': (ctx) => ({
    module: 'task-status',
    ...endpointBlock(ctx),
    userId: fakeId('user', ctx.company.id),
    taskId: fakeId('task', ctx.seq),
    taskName: `Quick Scan ${isoSeconds(ctx.at).slice(0, 10)}(sub-task)`,
    taskType: 272,
    targetName: endpointOf(ctx).name,
    isSuccessful: 1,
    status: 3,
    errorMessage: '',
    errorCode: 0
  }),
  'troubleshooting-activity': (ctx) => ({
    module: 'troubleshooting-activity',
    ...endpointBlock(ctx),
    taskId: fakeId('debug', ctx.seq),
    taskType: 'Debug Session',
    errorCode: 0,
    username: 'tech@msp.example',
    status: 3,
    startDate: isoSeconds(ctx.at - 160_000),
    endDate: isoSeconds(ctx.at)
  }),
  'supa-update-status': (ctx) => ({ module: 'supa-update-status', ...endpointBlock(ctx), status: 0, fromSupa: 1 }),
  sva: (ctx) => ({
    module: 'sva',
    ...endpointBlock(ctx),
    product_installed: 'SVA',
    powered_off: 0,
    product_update_available: 1,
    product_reboot_required: 0,
    lastupdate: '0',
    updatesigam: '7.72479'
  }),
  'sva-load': (ctx) => ({
    module: 'sva-load',
    ...endpointBlock(ctx),
    product_installed: 'SVA',
    loadAverage: 1,
    cpuUsage: 48,
    memoryUsage: 32,
    networkUsage: 0,
    overallUsage: 48,
    svaLoad: pick(['Normal', 'Overloaded'], ctx.seq)
  }),
  'security-container-update-available': (ctx) => ({
    module: 'security-container-update-available',
    ...endpointBlock(ctx),
    product_update_available: 1
  }),
  'exchange-user-credentials': (ctx) => ({
    module: 'exchange-user-credentials',
    companyId: ctx.company.id,
    endpointId: endpointOf(ctx).id
  }),
  'exchange-organization-info': (ctx) => ({
    module: 'exchange-organization-info',
    companyId: ctx.company.id,
    endpointId: endpointOf(ctx).id,
    mailboxes: 8,
    license_limit: 5,
    license_key: 'SIMKEY1'
  }),
  'new-extended-incident': (ctx) => ({
    module: 'new-extended-incident',
    companyId: ctx.company.id,
    incident_id: fakeId('xdr', ctx.company.id, ctx.seq),
    incident_number: 1000 + ctx.seq,
    severity: 'medium',
    created: new Date(ctx.at).toISOString()
  }),
  adcloud: (ctx) => ({
    module: 'adcloud',
    companyId: ctx.company.id,
    syncerId: fakeId('syncer', ctx.company.id),
    issueType: 0,
    lastAdReportDate: new Date(ctx.at).toISOString()
  }),
  'partner-changed': (ctx) => {
    const moved = ctx.moved?.company ?? ctx.company
    return {
      module: 'partner-changed',
      companyId: ctx.company.id,
      moved_company_id: moved.id,
      moved_company_name: moved.name,
      action: ctx.moved?.action ?? 'joined',
      license_type: 'Monthly',
      end_subscription_date: isoSeconds(ctx.at + 365 * 86_400_000).slice(0, 19),
      auto_renew_period: 12,
      minimal_commitment_usage_endpoints: 0,
      enabled_services: ['Patch Management', 'HyperDetect']
    }
  }
}
