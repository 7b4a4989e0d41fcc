import { parseArgs, type ParseArgsConfig } from 'node:util'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * The command line of a simulator, the demo, a benchmark or a tool script, read before anything
 * starts. `usage` is a synopsis line (`usage: …`), then anything a reader needs (options, variables).
 * `--help` or `-h` prints it on stdout and exits 0; an unknown option, a missing value or a stray
 * argument prints what is wrong and the synopsis on stderr and exits 2.
 */
export const readCommandLine = <const O extends Options>(
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2)
) => {
  const config = {
    args,
    options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
    allowPositionals: false
  } as const
  let parsed: ReturnType<typeof parseArgs<typeof config>>
  try {
    parsed = parseArgs(config)
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage.split('\n')[0]}\n(--help for more)`)
    process.exit(2)
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage)
    process.exit(0)
  }
  return parsed.values
}

/**
 * Closes a running simulator on SIGINT or SIGTERM (once, however many signals come) and exits 0,
 * or 1 with the error when closing fails.
 */
export const closeOnSignals = (close: () => Promise<void>): void => {
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
