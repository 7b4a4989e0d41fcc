/**
 * A progress bar for long CLI work, on stderr and only on a terminal: scripts that pipe the output
 * or read stdout see nothing of it.
 */
export type Progress = { update(done: number, total: number): void; done(): void }

export const progressBar = (label: string, stream: NodeJS.WriteStream = process.stderr): Progress => {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined }
  let last = ''
  return {
    update(done, total) {
      const share = total > 0 ? Math.min(1, done / total) : 0
      const width = 30
      const filled = Math.round(share * width)
      const line = `\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(share * 100)}% ${done}/${total}`
      if (line !== last) stream.write(line)
      last = line
    },
    done() {
      if (last !== '') stream.write('\n')
    }
  }
}
