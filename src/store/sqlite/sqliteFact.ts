import type { FactMetadata, StoredFact } from '../port.js'

/** A row as the read statements return it (raw mode, in this column order). */
export type FactRow = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: string | null,
  metadata: string | null,
  recordedAt: number
]

/** Reads the bodies of a fact delivered without them (SubscribeOptions.bodiesFor). */
export type BodyLoader = (position: bigint) => { data: string; metadata: string }

export const FACT_COLUMNS = 'position, stream, revision, id, type, data, metadata, recorded_at'

/**
 * A stored fact read from SQLite whose JSON is parsed on first access. A read model folds only the
 * fact types it cares about, and a rebuild reads every fact: parsing the bodies nobody looks at
 * would dominate a rebuild (docs/benchmarks.md#figures-behind-design-choices). `toJSON` makes it
 * serialise like a plain fact.
 */
export class SqliteFact implements StoredFact {
  readonly position: bigint
  readonly stream: string
  readonly revision: bigint
  readonly id: string
  readonly type: string
  readonly recordedAt: Date
  #rawData: string | undefined
  #data: unknown
  #rawMetadata: string | undefined
  #metadata: FactMetadata | undefined

  #load: BodyLoader | undefined

  constructor(row: FactRow, load?: BodyLoader) {
    this.position = BigInt(row[0])
    this.stream = row[1]
    this.revision = BigInt(row[2])
    this.id = row[3]
    this.type = row[4]
    this.#rawData = row[5] ?? undefined
    this.#rawMetadata = row[6] ?? undefined
    this.recordedAt = new Date(row[7])
    if (row[5] === null) this.#load = load
  }

  /** Bodies left out of the read are fetched once, on first access. */
  #loadBodies(): void {
    if (!this.#load) return
    const bodies = this.#load(this.position)
    this.#load = undefined
    this.#rawData = bodies.data
    this.#rawMetadata = bodies.metadata
  }

  get data(): unknown {
    this.#loadBodies()
    if (this.#rawData !== undefined) {
      this.#data = JSON.parse(this.#rawData)
      this.#rawData = undefined
    }
    return this.#data
  }

  get metadata(): FactMetadata {
    this.#loadBodies()
    if (this.#rawMetadata !== undefined) {
      this.#metadata = JSON.parse(this.#rawMetadata) as FactMetadata
      this.#rawMetadata = undefined
    }
    return this.#metadata!
  }

  toJSON() {
    return {
      position: this.position,
      stream: this.stream,
      revision: this.revision,
      id: this.id,
      type: this.type,
      data: this.data,
      metadata: this.metadata,
      recordedAt: this.recordedAt
    }
  }
}
