import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'

/**
 * A client of a long response (an NDJSON export, the live tail) in a process of its own, so that
 * its reading costs the relay's process nothing and a slow reader is really slow at the socket:
 *
 * - `read`: reads everything as it comes;
 * - `stall`: reads the head and the first chunk, then stops reading (the kernel buffers fill up);
 *   `stallAfterBytes`: the same once it has read that many bytes;
 * - `slow`: reads `bytesPerSecond` at most.
 *
 * It reports the status, the bytes and lines received, the last complete line, whether the
 * response ended cleanly (`complete`) or was cut (`aborted`), when it ends, or when stopped.
 */

export type ReaderMode = 'read' | 'stall' | { stallAfterBytes: number } | { bytesPerSecond: number }

export type ReaderReport = {
  status: number
  bytes: number
  lines: number
  lastLine: string
  /** The id of the last whole server-sent event (what a client resumes after with Last-Event-ID). */
  lastEventId: string | null
  /** The ids of every whole server-sent event, in order. */
  ids: string[]
  complete: boolean
  aborted: boolean
}

export type RemoteReader = {
  /** Resolves when the response is over (ended or cut). */
  ended: Promise<ReaderReport>
  /** Resolves once the response's head has arrived. */
  started: Promise<number>
  /** Whole server-sent events received so far (updated every 50 ms). */
  events(): number
  /** Stops reading and reports what arrived. */
  stop(): Promise<ReaderReport>
}

export const startRemoteReader = (url: string, headers: Record<string, string>, mode: ReaderMode): RemoteReader => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), url, JSON.stringify(headers), JSON.stringify(mode)],
    { stdio: ['pipe', 'pipe', 'inherit'] }
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  const exited = once(child, 'exit')
  const report = async () => {
    await exited
    const json = out.split('\n').find((l) => l.startsWith('{'))
    if (!json) throw new Error(`the reader reported nothing: ${out}`)
    return JSON.parse(json) as ReaderReport
  }
  const started = (async () => {
    while (!out.includes('status ')) {
      if (child.exitCode !== null) throw new Error(`the reader exited before a response: ${out}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return Number(/status (\d+)/.exec(out)![1])
  })()
  return {
    ended: report(),
    started,
    events: () => Number(/events (\d+)\n(?![\s\S]*events \d+\n)/.exec(out)?.[1] ?? 0),
    async stop() {
      if (child.exitCode === null) child.stdin.end('stop\n')
      return report()
    }
  }
}

const read = (url: string, headers: Record<string, string>, mode: ReaderMode) => {
  const report: ReaderReport = {
    status: 0,
    bytes: 0,
    lines: 0,
    lastLine: '',
    lastEventId: null,
    ids: [],
    complete: false,
    aborted: false
  }
  let partial = ''
  let pendingId: string | null = null
  const progress = setInterval(() => process.stdout.write(`events ${report.ids.length}\n`), 50)
  const finish = () => {
    clearInterval(progress)
    process.stdout.write(`\n${JSON.stringify(report)}\n`)
    process.exit(0)
  }
  process.stdin.on('data', finish)
  const request = get(url, { headers }, (res) => {
    report.status = res.statusCode ?? 0
    process.stdout.write(`status ${report.status}\n`)
    const take = (chunk: Buffer) => {
      report.bytes += chunk.length
      const parts = (partial + chunk.toString('utf8')).split('\n')
      partial = parts.pop()!
      for (const line of parts) {
        report.lines++
        if (line !== '') report.lastLine = line
        if (line.startsWith('id: ')) pendingId = line.slice(4)
        // An event is whole at its blank line (https://html.spec.whatwg.org/multipage/server-sent-events.html).
        if (line === '' && pendingId !== null) {
          report.lastEventId = pendingId
          report.ids.push(pendingId)
          pendingId = null
        }
      }
    }
    res.on('end', () => {
      report.complete = true
      finish()
    })
    res.on('aborted', () => (report.aborted = true))
    res.on('error', () => (report.aborted = true))
    res.on('close', () => {
      if (!report.complete) {
        report.aborted = true
        finish()
      }
    })
    if (mode === 'read') res.on('data', take)
    else if (mode === 'stall' || 'stallAfterBytes' in mode) {
      const enough = mode === 'stall' ? 1 : mode.stallAfterBytes
      const onData = (chunk: Buffer) => {
        take(chunk)
        if (report.bytes < enough) return
        res.off('data', onData)
        res.pause()
      }
      res.on('data', onData)
    } else {
      // At most bytesPerSecond: read a slice every 100 ms, leaving the rest in the kernel's buffers.
      res.pause()
      const slice = Math.max(1, Math.floor(mode.bytesPerSecond / 10))
      const timer = setInterval(() => {
        const chunk = res.read(Math.min(slice, res.readableLength || slice)) as Buffer | null
        if (chunk) take(chunk)
        else res.read(0)
      }, 100)
      res.on('close', () => clearInterval(timer))
    }
  })
  request.on('error', () => {
    report.aborted = true
    finish()
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  read(
    process.argv[2]!,
    JSON.parse(process.argv[3]!) as Record<string, string>,
    JSON.parse(process.argv[4]!) as ReaderMode
  )
}
