import { newId } from '../../src/domain/ids.js'
import type { NewFact } from '../../src/store/port.js'

/** The metadata every benchmark fact shares. */
export const benchMetadata = {
  correlationId: 'bench',
  causationId: 'bench',
  actor: 'bench',
  recordedAt: new Date().toISOString()
}

/** A GravityZone-like av detection, of the size of a real one (a few hundred bytes). */
export const detection = {
  module: 'av',
  companyId: '59a14b271da197c6108b4567',
  computer_name: 'FC-WKS-0042',
  computer_ip: '192.168.0.42',
  computer_id: '59b7d9bfa849af3a1465b7e4',
  malware_type: 'file',
  malware_name: 'EICAR-Test-File (not a virus)',
  file_path: 'C:\\Users\\alice\\Downloads\\eicar.com',
  hash: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
  final_status: 'quarantined',
  timestamp: '2026-11-02T08:33:13.000Z'
}

/** A fresh single-detection fact (a new time-ordered id each time, as the relay's are). */
export const detectionFact = (type = 'SecurityEventReceived'): NewFact => ({
  id: newId(),
  type,
  data: detection,
  metadata: benchMetadata
})
