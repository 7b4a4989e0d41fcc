import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { skipUnless } from '../support/requirements.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

const compose = (...args: string[]) =>
  spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], {
    cwd: root,
    encoding: 'utf8',
    // A developer's .env or shell must not decide the outcome.
    env: { PATH: process.env.PATH, HOME: process.env.HOME }
  })

const probe = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' })
const missing = skipUnless(!probe.error, {
  tests: 'docker-compose.yml validation',
  missing: 'docker-compose not found on PATH',
  how: 'apt-get install -y docker-compose on Debian',
  installedByCi: true
})

/** Service name → its block of `docker-compose config` output (two-space indented under services:). */
const servicesOf = (config: string): Map<string, string> => {
  const services = new Map<string, string>()
  const section = config.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? ''
  for (const block of section.split(/^(?= {2}\S)/m)) {
    const name = /^ {2}([\w-]+):/.exec(block)?.[1]
    if (name) services.set(name, block)
  }
  return services
}

t.test('docker-compose.yml validates with docker-compose 1.29', { skip: missing }, async (t) => {
  t.test('given no profile, when the file is validated, then it is accepted', async (t) => {
    const result = compose('config', '-q')
    t.equal(result.status, 0, result.stderr)
  })

  t.test('given the cluster profile, when the file is validated, then it is accepted', async (t) => {
    const result = compose('--profile', 'cluster', 'config', '-q')
    t.equal(result.status, 0, result.stderr)
  })

  t.test(
    'the single node runs by default and the three nodes with their relay only in the cluster profile',
    async (t) => {
      const result = compose('--profile', 'cluster', 'config')
      t.equal(result.status, 0, result.stderr)
      const services = servicesOf(result.stdout)
      t.same([...services.keys()].sort(), [
        'kurrentdb',
        'node1',
        'node2',
        'node3',
        'relay',
        'relay-cluster',
        'relay-cluster-1',
        'relay-cluster-2'
      ])
      for (const name of ['relay', 'kurrentdb'])
        t.notMatch(services.get(name)!, /profiles:/, `${name} is in no profile`)
      for (const name of ['node1', 'node2', 'node3', 'relay-cluster', 'relay-cluster-1', 'relay-cluster-2'])
        t.match(services.get(name)!, /profiles:\n\s+- cluster/, `${name} is in the cluster profile`)
      for (const name of ['node1', 'node2', 'node3']) {
        t.match(services.get(name)!, /KURRENTDB_CLUSTER_SIZE: ['"]?3['"]?/, `${name} expects a cluster of three`)
        t.match(services.get(name)!, /KURRENTDB_GOSSIP_SEED: /, `${name} has gossip seeds`)
      }
      t.match(services.get('kurrentdb')!, /KURRENTDB_INSECURE: ['"]true['"]/)
      t.match(
        services.get('kurrentdb')!,
        /kurrentdb-data:\/var\/lib\/kurrentdb/,
        'the single node keeps its data in a volume'
      )
    }
  )

  t.test('the relays point at their event stores with URLs the EventStoreDB adapter accepts', async (t) => {
    const services = servicesOf(compose('--profile', 'cluster', 'config').stdout)
    const urlOf = (service: string) => /EVENT_STORE_URL: (\S+)/.exec(services.get(service) ?? '')?.[1]
    t.equal(urlOf('relay'), 'esdb://kurrentdb:2113?tls=false')
    for (const service of ['relay-cluster-1', 'relay-cluster-2'])
      t.match(urlOf(service), /^esdb:\/\/node1:2113,node2:2113,node3:2113\?tls=false/)
    for (const service of ['relay', 'relay-cluster-1', 'relay-cluster-2']) {
      // The client only parses here; it connects on first use, which never comes.
      const store = openEventStoreDbStore({ connectionString: urlOf(service)! })
      t.equal(store.kind, 'eventstoredb', `${service}'s URL opens the adapter`)
      await store.close()
    }
    for (const variable of [
      'API_TOKENS',
      'GZ_API_KEY',
      'GZ_PUSH_AUTHORIZATION',
      'HALO_CLIENT_SECRET',
      'HALO_WEBHOOK_PASSWORD',
      'POLL_INTERVAL',
      'LOG_LEVEL'
    ]) {
      t.match(services.get('relay')!, new RegExp(`\\b${variable}:`), `the relay passes ${variable} through`)
    }
  })

  t.test(
    'the cluster profile runs two relays, each its own instance, behind one proxy that checks /ready',
    async (t) => {
      const services = servicesOf(compose('--profile', 'cluster', 'config').stdout)
      t.match(services.get('relay-cluster-1')!, /INSTANCE_ID: relay-cluster-1/)
      t.match(services.get('relay-cluster-2')!, /INSTANCE_ID: relay-cluster-2/)
      for (const name of ['relay-cluster-1', 'relay-cluster-2']) {
        t.notMatch(services.get(name)!, /ports:/, `${name} is reached through the proxy only`)
        t.match(services.get(name)!, /LEASE_TTL_MS: /, `${name} takes the lease settings`)
      }
      const proxy = services.get('relay-cluster')!
      t.match(proxy, /image: caddy:/, 'the proxy is the official Caddy image')
      t.match(proxy, /Caddyfile:\/etc\/caddy\/Caddyfile/)
      const caddyfile = readFileSync(new URL('../../deploy/Caddyfile', import.meta.url), 'utf8')
      t.match(caddyfile, /reverse_proxy relay-cluster-1:3000 relay-cluster-2:3000/)
      t.match(caddyfile, /health_uri \/ready/)
    }
  )
})
