/**
 * GravityZone push bodies for benchmarks: every body unique (a re-delivery would append nothing).
 * Written as text rather than through JSON.stringify: the load generator shares the machine's cores
 * with the relay it measures, so the bodies should cost it as little as possible. Every value put
 * into the text is a number, so nothing needs escaping; the result is what JSON.stringify would give.
 */
const event = (worker: number, n: number, i: number): string => {
  const host = (n + i) % 500
  return (
    `{"module":"av","companyId":"59a14b271da197c6108b4567","computer_name":"WKS-${host}","computer_fqdn":"wks-${host}.corp.local",` +
    `"computer_ip":"10.1.2.3","computer_id":"${worker}-${host}","product_installed":"BEST","malware_type":"file",` +
    `"malware_name":"Trojan.Generic.${n}.${i}","file_path":"C:\\\\Users\\\\u\\\\AppData\\\\Local\\\\Temp\\\\${worker}-${n}-${i}.exe",` +
    `"hash":"${'ab'.repeat(32)}","final_status":"quarantined","timestamp":"2026-11-02T08:33:13.000Z","quarantined":1,"deleted":0}`
  )
}

export const pushBody = (worker: number, n: number, events: number): string => {
  const parts: string[] = []
  for (let i = 0; i < events; i++) parts.push(event(worker, n, i))
  return `{"jsonrpc":"2.0","method":"addEvents","params":{"events":[${parts.join(',')}]},"id":${Date.now()}}`
}
