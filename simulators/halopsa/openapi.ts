import { readFileSync } from 'node:fs'

/**
 * HaloPSA's published OpenAPI description (the committed subset, test/fixtures/
 * halopsa-openapi.subset.json; MIT, notice beside it) and a small walker that checks a JSON value
 * against one of its schemas: the types of every documented property, unknown properties ignored
 * (Halo's model binding ignores them). The walk follows the schema, never the data alone, and stops
 * at a fixed depth, so a deeply nested body costs no more than the schema allows.
 *
 * Two modes. `binder` answers what Halo's .NET model binding is likely to accept: property names in
 * any casing, numbers and booleans written as strings, a number where text is expected — and refuses
 * what no binder can convert (`"POST"` for an integer, an object for a string, a fraction for an
 * integer, text that is not a GUID for a uuid). The simulator answers 400 on those. `strict` is for
 * the relay's own requests (test/contract): every value must have the documented JSON type, and a
 * property the schema does not have is reported (Halo would drop it silently).
 */

export type Schema = {
  type?: string
  format?: string
  nullable?: boolean
  enum?: unknown[]
  maxLength?: number
  items?: Schema
  properties?: Record<string, Schema>
  additionalProperties?: boolean | Schema
  $ref?: string
}

type Operation = {
  parameters?: { name: string; in: string; schema?: Schema }[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
}

export type OpenApiDoc = {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

export type SchemaProblem = { path: string; message: string }
export type ValidationMode = 'binder' | 'strict'

const subsetUrl = new URL('../../test/fixtures/halopsa-openapi.subset.json', import.meta.url)
let loaded: OpenApiDoc | undefined

/** The committed subset, read once. */
export const haloOpenApi = (): OpenApiDoc => (loaded ??= JSON.parse(readFileSync(subsetUrl, 'utf8')) as OpenApiDoc)

const templateMatches = (template: string, path: string): boolean => {
  const a = template.toLowerCase().split('/')
  const b = path.toLowerCase().split('/')
  return a.length === b.length && a.every((part, i) => part.startsWith('{') || part === b[i])
}

/** The documented operation for `method` on a path below `/api` (e.g. `/Tickets/12`), if any. */
export const operationFor = (doc: OpenApiDoc, method: string, path: string): Operation | undefined => {
  const bare = path.replace(/^\/api(?=\/)/i, '').split('?')[0]!
  const exact = Object.keys(doc.paths).find((p) => p.toLowerCase() === bare.toLowerCase())
  const template = exact ?? Object.keys(doc.paths).find((p) => templateMatches(p, bare))
  return template === undefined ? undefined : doc.paths[template]![method.toLowerCase()]
}

export const requestBodySchema = (doc: OpenApiDoc, method: string, path: string): Schema | undefined =>
  operationFor(doc, method, path)?.requestBody?.content?.['application/json']?.schema

const MAX_DEPTH = 24
const MAX_PROBLEMS = 20
const INT32 = 2 ** 31
const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const shown = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

/** Property lookup by lower-cased name, built once per schema object. */
const lowered = new WeakMap<Record<string, Schema>, Map<string, Schema>>()
const propertyOf = (properties: Record<string, Schema>, key: string): Schema | undefined => {
  let map = lowered.get(properties)
  if (!map) {
    map = new Map(Object.entries(properties).map(([k, s]) => [k.toLowerCase(), s]))
    lowered.set(properties, map)
  }
  return map.get(key.toLowerCase())
}

/** Whether a scalar fits the documented type; a message when it does not. */
const scalarProblem = (schema: Schema, value: unknown, mode: ValidationMode): string | undefined => {
  const lenient = mode === 'binder'
  const type = schema.type
  const format = schema.format
  if (type === 'integer') {
    const n =
      typeof value === 'number'
        ? value
        : lenient && typeof value === 'string' && INTEGER_TEXT.test(value)
          ? Number(value)
          : NaN
    if (!Number.isInteger(n)) return `expected an integer${format ? ` (${format})` : ''}, got ${shown(value)}`
    if (format === 'int32' && (n >= INT32 || n < -INT32)) return `${n} does not fit in an int32`
    return undefined
  }
  if (type === 'number') {
    if (typeof value === 'number' && Number.isFinite(value)) return undefined
    if (lenient && typeof value === 'string' && NUMBER_TEXT.test(value)) return undefined
    return `expected a number, got ${shown(value)}`
  }
  if (type === 'boolean') {
    if (typeof value === 'boolean') return undefined
    if (lenient && (typeof value === 'number' || (typeof value === 'string' && /^(true|false)$/i.test(value))))
      return undefined
    return `expected true or false, got ${shown(value)}`
  }
  if (type === 'string') {
    if (typeof value !== 'string') {
      if (lenient && (typeof value === 'number' || typeof value === 'boolean') && format !== 'uuid') return undefined
      return `expected text, got ${shown(value)}`
    }
    if (format === 'uuid' && !(lenient && value === '') && !GUID.test(value))
      return `expected a GUID, got ${shown(value)}`
    if (format === 'date-time' && value !== '' && Number.isNaN(Date.parse(value)))
      return `expected a date and time, got ${shown(value)}`
    if (!lenient && schema.maxLength !== undefined && value.length > schema.maxLength)
      return `longer than ${schema.maxLength} characters`
    return undefined
  }
  return undefined
}

/**
 * Problems with `value` against `schema` (empty when it fits), paths written as Halo writes them in
 * a 400 (`[0].method`, `[0].lines[2].qty_order`). At most 20 are reported.
 */
export const validateAgainst = (
  doc: OpenApiDoc,
  schema: Schema,
  value: unknown,
  options: {
    mode: ValidationMode
    at?: string
    /** Which undocumented properties to report (strict mode: all, unless told otherwise). */
    unknown?: (path: string) => boolean
  }
): SchemaProblem[] => {
  const problems: SchemaProblem[] = []
  const reportUnknown = options.unknown ?? ((_path: string) => options.mode === 'strict')
  const resolve = (s: Schema): Schema | undefined => {
    let current: Schema | undefined = s
    for (let hops = 0; current?.$ref !== undefined && hops < 8; hops++)
      current = doc.components.schemas[current.$ref.replace('#/components/schemas/', '')]
    return current
  }
  const report = (path: string, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ path: path === '' ? 'body' : path, message })
  }

  const walk = (raw: Schema, v: unknown, path: string, depth: number): void => {
    if (problems.length >= MAX_PROBLEMS) return
    const schema = resolve(raw)
    if (!schema) return
    if (depth > MAX_DEPTH) return report(path, 'nested too deeply')
    if (v === null) {
      const referenceType = schema.type === 'string' || schema.type === 'array' || schema.type === 'object'
      if (schema.nullable || schema.type === undefined || (options.mode === 'binder' && referenceType)) return
      return report(path, `may not be null`)
    }
    if (schema.enum && !schema.enum.some((e) => e === v || (options.mode === 'binder' && String(e) === String(v))))
      return report(path, `${shown(v)} is not one of ${schema.enum.map((e) => shown(e)).join(', ')}`)
    if (schema.type === 'array') {
      if (!Array.isArray(v)) return report(path, `expected an array, got ${shown(v)}`)
      if (schema.items) v.forEach((item, i) => walk(schema.items!, item, `${path}[${i}]`, depth + 1))
      return
    }
    if (schema.type === 'object' || schema.properties) {
      if (!isObject(v)) return report(path, `expected an object, got ${shown(v)}`)
      if (!schema.properties) return
      for (const [key, item] of Object.entries(v)) {
        const property = propertyOf(schema.properties, key)
        const at = path === '' ? key : `${path}.${key}`
        if (property) walk(property, item, at, depth + 1)
        else if (reportUnknown(at)) report(at, 'is not in the schema')
      }
      return
    }
    const problem = scalarProblem(schema, v, options.mode)
    if (problem) report(path, problem)
  }

  walk(schema, value, options.at ?? '', 0)
  return problems
}

/** Query parameters a request sends that the operation does not document (names compared case-insensitively). */
export const undocumentedParameters = (doc: OpenApiDoc, method: string, url: string): string[] => {
  const operation = operationFor(doc, method, url)
  if (!operation) return []
  const documented = new Set((operation.parameters ?? []).map((p) => p.name.toLowerCase()))
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : new URLSearchParams()
  return [...new Set(query.keys())].filter((name) => !documented.has(name.toLowerCase()))
}

/**
 * What Halo's model binding would refuse in a request body, keyed by path as Halo's 400 is
 * (`{"[0].method": "…"}`); undefined when the body binds or the operation has no documented body.
 */
export const bodyRefusal = (method: string, path: string, body: unknown): Record<string, string> | undefined => {
  const doc = haloOpenApi()
  const schema = requestBodySchema(doc, method, path)
  if (!schema) return undefined
  const problems = validateAgainst(doc, schema, body, { mode: 'binder' })
  return problems.length === 0 ? undefined : Object.fromEntries(problems.map((p) => [p.path, p.message]))
}
