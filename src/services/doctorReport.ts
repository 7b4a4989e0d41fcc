import { isPlatformError, type Platform, type PlatformError } from '../platforms/transport/errors.js'

/**
 * The doctor: every call the relay depends on, made once against the configured platforms, each
 * answer validated by the clients' own schemas, and a table of what came back (docs/doctor.md). It
 * only reads: no call it makes changes anything on either platform.
 */

export type DoctorOutcome = 'ok' | 'warning' | 'skipped' | 'problem' | 'unexpected_shape' | 'refused' | 'unreachable'

/** Outcomes that make the doctor fail (exit code 1, `ok: false`). */
export const failingOutcomes: ReadonlySet<DoctorOutcome> = new Set([
  'problem',
  'unexpected_shape',
  'refused',
  'unreachable'
])

export type DoctorRow = {
  platform: Platform | 'relay'
  /** What is checked, in the operator's words: `one company`, `webhook`. */
  check: string
  /** The platform call: `companies.getCompanyDetails`, `GET /api/Client/{id}`. */
  call: string
  outcome: DoctorOutcome
  /** A short summary of the answer, or what is wrong with it. */
  detail: string
  /** For `unexpected_shape`: the first field that did not match. */
  field?: string
  /** For `refused`: the HTTP status. */
  status?: number
  hint?: string
  durationMs: number
}

export type DoctorReport = { ok: boolean; startedAt: string; durationMs: number; rows: DoctorRow[] }

/** A finding about an answer that arrived in the expected shape. */
export type Finding = { outcome: 'warning' | 'problem' | 'skipped'; detail: string; hint?: string }

export type DoctorCheck<Context> = {
  platform: DoctorRow['platform']
  check: string
  call: string
  /** When it fails, the platform's later checks are skipped (a refused key or token). */
  gate?: boolean
  /** A reason to skip (a prerequisite a previous check did not find), or undefined to run. */
  needs?: (context: Context) => string | undefined
  /** A summary of the answer, or a finding. */
  run(context: Context): Promise<string | Finding>
}

const hints: Record<PlatformError['kind'], string> = {
  auth: '',
  network: 'the host does not answer: check the URL, DNS and any firewall between the relay and the platform',
  timeout: 'no answer in time: the platform or the network is slow; try again',
  rate_limited: 'the API limit is used up (other integrations share it): wait a few minutes and run again',
  server: 'the platform failed: try again later',
  not_found: 'the platform does not know this: check the URL and the id',
  rejected: 'the platform refused the request: the message says why',
  rpc: 'GravityZone answered an error: the message says why',
  invalid_response:
    'the answer does not have the shape the relay expects: the relay would fail here too; report the field'
}

const authHints: Record<Platform, string> = {
  gravityzone:
    'check GZ_API_KEY, that GZ_API_URL is the Access URL shown with the key, and that the key has the API ticked',
  halopsa:
    'check HALO_CLIENT_ID and HALO_CLIENT_SECRET, HALO_TENANT or HALO_AUTH_URL for Halo-hosted instances, ' +
    "and the application's permissions"
}

const outcomeOf = (error: PlatformError): DoctorOutcome =>
  error.kind === 'invalid_response'
    ? 'unexpected_shape'
    : error.kind === 'network' || error.kind === 'timeout'
      ? 'unreachable'
      : 'refused'

/** The first issue of a schema the answer failed: both clients put zod's issues in `details`. */
export const firstIssue = (error: PlatformError): { field: string; message: string } | undefined => {
  const first = Array.isArray(error.details) ? (error.details[0] as { path?: unknown; message?: unknown }) : undefined
  if (typeof first?.path !== 'string') return undefined
  return { field: first.path || '(root)', message: typeof first.message === 'string' ? first.message : 'invalid' }
}

const rowOfError = (error: unknown): Pick<DoctorRow, 'outcome' | 'detail' | 'field' | 'status' | 'hint'> => {
  if (!isPlatformError(error))
    return { outcome: 'problem', detail: error instanceof Error ? error.message : String(error) }
  const outcome = outcomeOf(error)
  const issue = outcome === 'unexpected_shape' ? firstIssue(error) : undefined
  const field = issue?.field
  // The message says "<platform> <call> failed: … (HTTP n)"; the row has the call and the status.
  const detail = issue
    ? `field ${issue.field}: ${issue.message}`
    : error.message.replace(/^.*? failed: /, '').replace(/ \(HTTP \d+\)$/, '')
  return {
    outcome,
    detail,
    ...(field ? { field } : {}),
    ...(error.status !== undefined ? { status: error.status } : {}),
    hint: error.kind === 'auth' ? authHints[error.platform] : hints[error.kind]
  }
}

/** Runs the checks in order, one at a time (the platforms' limits are shared with the relay). */
export const runChecks = async <Context>(
  checks: readonly DoctorCheck<Context>[],
  context: Context,
  now: () => number = Date.now
): Promise<DoctorReport> => {
  const started = now()
  const rows: DoctorRow[] = []
  const blocked = new Map<DoctorRow['platform'], string>()
  for (const check of checks) {
    const at = now()
    const base = { platform: check.platform, check: check.check, call: check.call }
    const skip = blocked.get(check.platform) ?? check.needs?.(context)
    if (skip !== undefined) {
      rows.push({ ...base, outcome: 'skipped', detail: skip, durationMs: 0 })
      continue
    }
    try {
      const answer = await check.run(context)
      const finding = typeof answer === 'string' ? { outcome: 'ok' as const, detail: answer } : answer
      rows.push({ ...base, ...finding, durationMs: now() - at })
    } catch (error) {
      const row = { ...base, ...rowOfError(error), durationMs: now() - at }
      rows.push(row)
      if (check.gate) blocked.set(check.platform, `not run: ${check.check} failed`)
    }
  }
  return {
    ok: rows.every((row) => !failingOutcomes.has(row.outcome)),
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    rows
  }
}

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text)

/** The report as a table for a terminal: one line per call, the hint under each failure. */
export const formatReport = (report: DoctorReport): string => {
  const label: Record<DoctorOutcome, string> = {
    ok: 'ok',
    warning: 'warning',
    skipped: 'skipped',
    problem: 'PROBLEM',
    unexpected_shape: 'UNEXPECTED SHAPE',
    refused: 'REFUSED',
    unreachable: 'UNREACHABLE'
  }
  const cells = report.rows.map((row) => [
    row.platform,
    row.check,
    row.call,
    label[row.outcome] + (row.status !== undefined ? ` ${row.status}` : '')
  ])
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((c) => c[i]!.length), 8))
  const lines: string[] = []
  report.rows.forEach((row, i) => {
    const head = cells[i]!.map((cell, j) => cell.padEnd(widths[j]!)).join('  ')
    lines.push(`${head}  ${clip(row.detail, 100)}`)
    if (row.hint && row.outcome !== 'ok') lines.push(`${' '.repeat(widths[0]! + 2)}hint: ${row.hint}`)
  })
  const failed = report.rows.filter((row) => failingOutcomes.has(row.outcome)).length
  lines.push('')
  lines.push(
    report.ok
      ? `all ${report.rows.length} checks passed (${report.durationMs} ms)`
      : `${failed} of ${report.rows.length} checks failed (${report.durationMs} ms)`
  )
  return lines.join('\n')
}
