import type { FactMetadata, StoredFact } from '../port.js'

/** A row as the read statements return it (raw mode, in this column order). */
export type FactRow = [position: number, stream: string, revision: number, id: string, type: string, data: string, metadata: string, recordedAt: number]

export const FACT_COLUMNS = 'position, stream, revision, id, type, data, metadata, recorded_at'

/**
 * A stored fact read from SQLite whose JSON is parsed on first access. A read model folds only
 * the fact types it cares about, and a rebuild reads every fact: parsing the bodies nobody looks
 * at was most of the rebuild's cost (bench/store.ts). `toJSON` makes it serialise like a plain fact.
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

  constructor(row: FactRow) {
    this.position = BigInt(row[0])
    this.stream = row[1]
    this.revision = BigInt(row[2])
    this.id = row[3]
    this.type = row[4]
    this.#rawData = row[5]
    this.#rawMetadata = row[6]
    this.recordedAt = new Date(row[7])
  }

  get data(): unknown {
    if (this.#rawData !== undefined) {
      this.#data = JSON.parse(this.#rawData)
      this.#rawData = undefined
    }
    return this.#data
  }

  get metadata(): FactMetadata {
    if (this.#rawMetadata !== undefined) {
      this.#metadata = JSON.parse(this.#rawMetadata) as FactMetadata
      this.#rawMetadata = undefined
    }
    return this.#metadata!
  }

  toJSON() {
    return { position: this.position, stream: this.stream, revision: this.revision, id: this.id, type: this.type, data: this.data, metadata: this.metadata, recordedAt: this.recordedAt }
  }
}
