import type { SecurityModule } from '../../../src/platforms/gravityzone/modules.js'
import {
  endpointBlock,
  endpointOf,
  epochSeconds,
  fakeHash,
  fakeId,
  isoSeconds,
  pick,
  type EventContext,
  type EventFactory
} from './context.js'

/**
 * Security event factories, one per module, with the field sets of
 * docs/platforms/gravityzone.md#event-fields and the quirks of the published samples: camelCase
 * network-sandboxing with epoch-second times, no companyId on device-control and network-monitor,
 * both spellings of the EDR severity score.
 */

const malware = [
  'EICAR-Test-File (not a virus)',
  'Trojan.GenericKD.46542165',
  'Gen:Variant.Ransom.LockBit.31',
  'Trojan.Agent.FXQV',
  'Adware.Generic.2290847'
]
const paths = [
  'C:\\Users\\jsmith\\Downloads\\invoice_0424.exe',
  'C:\\Users\\Public\\update.js',
  'C:\\Temp\\eicar.com',
  '/home/user1/test/index.html'
]
const urls = [
  'http://login-micros0ft.example/account/',
  'http://paypa1-secure.example/verify',
  'http://cheap-pharma.example/'
]

const counters = (finalStatus: string) => {
  const all = { cleaned: 0, blocked: 0, deleted: 0, quarantined: 0, ignored: 0, present: 0 }
  if (finalStatus in all) all[finalStatus as keyof typeof all] = 1
  return all
}

const blockedOr = (ctx: EventContext, blocked: string, reportOnly: string) =>
  ctx.variant?.blocked === false ? reportOnly : blocked

const detection = (ctx: EventContext) => ({ last_blocked: isoSeconds(ctx.at), count: 1 + (ctx.seq % 3) })

export const securityEventFactories: Record<SecurityModule, EventFactory> = {
  av: (ctx) => {
    // `blocked: false` asks for a threat that is still present (not blocked, deleted or quarantined).
    const finalStatus =
      ctx.variant?.finalStatus ??
      (ctx.variant?.blocked === false ? 'present' : pick(['quarantined', 'deleted', 'cleaned', 'blocked'], ctx.seq))
    const name = pick(malware, ctx.seq)
    return {
      module: 'av',
      ...endpointBlock(ctx),
      malware_type: 'file',
      malware_name: name,
      file_path: pick(paths, ctx.seq),
      hash: fakeHash('malware', name),
      final_status: finalStatus,
      timestamp: isoSeconds(ctx.at),
      signaturesNumber: '7.97136',
      scanEngineType: 2,
      ...counters(finalStatus),
      user: { id: 'S-1-5-21-1493276475-1689882908-858204327-1001', name: 'jsmith' }
    }
  },
  hd: (ctx) => ({
    module: 'hd',
    ...endpointBlock(ctx),
    user: { name: 'admin', sid: 'S-1-5-21-3349207704-443292085-2237656896-500' },
    malware_type: 'file',
    malware_name: pick(['', 'Heur.BZC.ONG.Boxter.1', 'Gen:Suspicious.Cloud.4'], ctx.seq),
    hash: fakeHash('hd', ctx.seq % 4),
    final_status: ctx.variant?.finalStatus ?? (ctx.variant?.blocked === false ? 'present' : 'quarantined'),
    file_path: pick(paths, ctx.seq),
    attack_type: 'suspicious files and network traffic',
    detection_level: 'normal',
    is_fileless_attack: ctx.seq % 2,
    process_info_path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    process_info_command_line: 'powershell -enc SQBFAFgA',
    parent_process_id: 1716,
    parent_process_path: 'C:\\Windows\\System32\\cmd.exe',
    hwid: endpointOf(ctx).hwid,
    date: isoSeconds(ctx.at)
  }),
  avc: (ctx) => ({
    module: 'avc',
    ...endpointBlock(ctx),
    exploit_type: 'AVC Blocked Exploit',
    exploit_path: pick(paths, ctx.seq),
    status: blockedOr(ctx, 'avc_blocked', 'avc_reportOnly'),
    ...detection(ctx)
  }),
  aph: (ctx) => ({
    module: 'aph',
    ...endpointBlock(ctx),
    aph_type: pick(['phishing', 'fraud', 'untrust'], ctx.seq),
    url: pick(urls, ctx.seq),
    status: blockedOr(ctx, 'aph_blocked', 'reportOnly'),
    ...detection(ctx)
  }),
  fw: (ctx) => ({
    module: 'fw',
    ...endpointBlock(ctx),
    status: 'portscan_blocked',
    protocol_id: '6',
    source_ip: `192.168.0.${2 + (ctx.seq % 200)}`,
    ...detection(ctx)
  }),
  dp: (ctx) => ({
    module: 'dp',
    ...endpointBlock(ctx),
    target_type: 'http',
    blocking_rule_name: 'card numbers',
    url: 'http://paste.example/',
    status: 'data_protection_blocked',
    ...detection(ctx)
  }),
  uc: (ctx) => ({
    module: 'uc',
    ...endpointBlock(ctx),
    uc_type: 'http',
    url: pick(['http://games.example/', 'http://social.example/feed'], ctx.seq),
    block_type: pick(['http_timelimiter', 'http_categ'], ctx.seq),
    categories: '',
    status: 'uc_site_blocked',
    ...detection(ctx)
  }),
  antiexploit: (ctx) => ({
    module: 'antiexploit',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    detection_action: blockedOr(ctx, 'kill', 'report'),
    detection_threatName: 'Exploit.ROP.Generic',
    detection_pid: String(2000 + ctx.seq),
    detection_exploitTechnique: 'ROP/StackPivot',
    detection_parentPid: '4000',
    detection_path: 'C:\\Program Files\\Adobe\\Reader\\AcroRd32.exe',
    detection_parentPath: 'C:\\Windows\\explorer.exe',
    detection_username: 'jsmith@example.com',
    detection_time: isoSeconds(ctx.at)
  }),
  'network-monitor': (ctx) => {
    // The published sample has no companyId: the receiver must resolve it from the endpoint.
    const { companyId: _omitted, ...block } = endpointBlock(ctx)
    return {
      module: 'network-monitor',
      ...block,
      user: { userName: 'jsmith@example.com', userSid: 'S-1-5-21-1-2-3-1001' },
      actionTaken: blockedOr(ctx, 'block', 'reportOnly'),
      detection_name: 'PrivacyThreat.PasswordStealer.HTTP',
      detection_attackTechnique: 'discovery',
      source_ip: endpointOf(ctx).ip,
      victim_ip: '213.211.198.58',
      local_port: '80',
      timestamp: isoSeconds(ctx.at)
    }
  },
  'network-sandboxing': (ctx) => {
    const endpoint = endpointOf(ctx)
    return {
      module: 'network-sandboxing',
      ...(ctx.variant?.omitCompanyId ? {} : { companyId: ctx.company.id }),
      endpointId: endpoint.id,
      computerName: endpoint.name,
      computerIp: endpoint.ip,
      detectionTime: epochSeconds(ctx.at),
      threatType: pick(['RANSOMWARE', 'TROJAN', 'EXPLOIT'], ctx.seq),
      filePaths: [pick(paths, ctx.seq), pick(paths, ctx.seq + 1)],
      fileSizes: ['2614', '2615'],
      remediationActions: ['1', '']
    }
  },
  'ransomware-mitigation': (ctx) => ({
    module: 'ransomware-mitigation',
    ...endpointBlock(ctx),
    user: { name: 'jsmith', sid: 'S-1-5-21-1-2-3-1001' },
    company_name: ctx.company.name,
    attack_type: pick(['local', 'remote'], ctx.seq),
    item_count: String(10 + ctx.seq),
    detected_on: epochSeconds(ctx.at),
    attack_source: '10.10.20.120'
  }),
  'new-incident': (ctx) => {
    const spelling = ctx.variant?.severitySpelling ?? (ctx.seq % 2 === 0 ? 'severity_score' : 'severityScore')
    return {
      module: 'new-incident',
      ...endpointBlock(ctx),
      created: new Date(ctx.at).toISOString(),
      detection_name: pick(['ATC.Malicious', 'EICAR-Test-File (not a virus)'], ctx.seq),
      attack_types: ['Malware'],
      [spelling]: 60 + (ctx.seq % 40),
      incident_id: fakeId('incident', ctx.company.id, ctx.seq),
      attack_entry: 1688239188 + ctx.seq,
      process_path: 'c:\\users\\jsmith\\desktop\\atcsim32.exe',
      file_hash_sha256: fakeHash('incident-file', ctx.seq % 2),
      att_ck_id: ['T1036', 'T1059'],
      severity: 'high',
      main_action: ctx.variant?.blocked ? 'blocked' : 'no action',
      endpointId: endpointOf(ctx).id
    }
  },
  'exchange-malware': (ctx) => ({
    module: 'exchange-malware',
    ...endpointBlock(ctx),
    endpointId: endpointOf(ctx).id,
    serverName: endpointOf(ctx).name,
    sender: 'billing@supplier.example',
    recipients: ['accounts@customer.example'],
    subject: `Invoice ${1000 + ctx.seq}`,
    detectionTime: isoSeconds(ctx.at),
    malware: [
      {
        malwareName: 'Trojan.Generic.KD.874127',
        malwareType: 'virus',
        actionTaken: blockedOr(ctx, 'quarantine', 'ignore'),
        infectedObject: 'invoice.docm'
      }
    ]
  }),
  'storage-antimalware': (ctx) => ({
    module: 'storage-antimalware',
    ...(ctx.variant?.omitCompanyId ? {} : { companyId: ctx.company.id }),
    endpointId: endpointOf(ctx).id,
    computerName: endpointOf(ctx).name,
    storage_name: 'fileserver001',
    storage_ip: '192.168.0.1',
    storage_type: 'Nutanix',
    file_path: pick(paths, ctx.seq),
    file_hash: fakeHash('storage', ctx.seq % 3),
    malware_type: '1',
    malware_name: pick(malware, ctx.seq),
    status: '5',
    detection_time: isoSeconds(ctx.at)
  }),
  'device-control': (ctx) => {
    const { companyId: _omitted, ...block } = endpointBlock(ctx)
    return {
      module: 'device-control',
      ...block,
      username: 'jsmith',
      action: 'blocked',
      deviceName: pick(['USB Mass Storage Device', 'CD-ROM Drive'], ctx.seq),
      deviceClass: 2,
      deviceId: `USBSTOR\\DISK&VEN_SANDISK&PROD_ULTRA\\${4000 + (ctx.seq % 5)}`,
      productId: 0,
      vendorId: 0,
      date: isoSeconds(ctx.at)
    }
  }
}
