/** GravityZone push bodies for benchmarks: every body unique (a re-delivery would append nothing). */
export const pushBody = (worker: number, n: number, events: number): string => JSON.stringify({
  jsonrpc: '2.0',
  method: 'addEvents',
  params: {
    events: Array.from({ length: events }, (_, i) => ({
      module: 'av', companyId: '59a14b271da197c6108b4567', computer_name: `WKS-${(n + i) % 500}`, computer_fqdn: `wks-${(n + i) % 500}.corp.local`,
      computer_ip: '10.1.2.3', computer_id: `${worker}-${(n + i) % 500}`, product_installed: 'BEST', malware_type: 'file',
      malware_name: `Trojan.Generic.${n}.${i}`, file_path: `C:\\Users\\u\\AppData\\Local\\Temp\\${worker}-${n}-${i}.exe`,
      hash: 'ab'.repeat(32), final_status: 'quarantined', timestamp: '2026-11-02T08:33:13.000Z', quarantined: 1, deleted: 0
    }))
  },
  id: Date.now()
})
