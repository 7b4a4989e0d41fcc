import Database from 'better-sqlite3'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'

/**
 * A store file holding `count` facts shaped like a busy relay's push deliveries (50 GravityZone
 * events per delivery stream, about 600 bytes of data each), written by SQL in one statement:
 * appending them through the store would take a test most of its time. The store's own schema is
 * used. They are platform events, which no processor acts on.
 */
export const fillBigStore = async (path: string, count: number): Promise<void> => {
  await openSqliteStore({ path }).close()
  const db = new Database(path)
  try {
    const now = Date.now()
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO facts (stream, revision, id, type, data, metadata, recorded_at)
       SELECT printf('gzDelivery-%08d', i / 50), i % 50,
              printf('%08x-0000-7000-8000-%012x', i / 65536, i),
              'PlatformEventReceived',
              json_object('deliveryId', printf('d%08d', i / 50), 'index', i % 50, 'module', 'av',
                          'companyId', '59a14b271da197c6108b4567', 'isTest', json('false'),
                          'event', json_object('computer_name', printf('WKS-%05d', i % 5000),
                                               'malware_name', 'EICAR-Test-File',
                                               'file_path', printf('C:\\Users\\user%d\\Downloads\\%s.exe', i % 97, hex(randomblob(40))))),
              json_object('correlationId', printf('d%08d', i / 50), 'causationId', printf('d%08d', i / 50),
                          'actor', 'gravityzone', 'recordedAt', ?),
              ?
       FROM n`
    ).run(count, new Date(now).toISOString(), now)
  } finally {
    db.close()
  }
}
