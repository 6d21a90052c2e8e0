#!/usr/bin/env node
import { createValidator } from '../validator.js'
import { parseCommand, USAGE, UsageError } from './args.js'
import { formatReport } from './format.js'

/**
 * `tokenguard explain …`: builds a validator from the flags, explains one token and exits 0
 * (accepted), 1 (refused) or 2 (usage or configuration error). The token is never printed.
 */
async function main(argv: readonly string[]): Promise<number> {
  let command
  try {
    command = parseCommand(argv, process.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`tokenguard: ${error.message}\n\n${USAGE}\n`)
    return 2
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  let validator
  try {
    validator = createValidator(command.options)
  } catch (error) {
    // A bad option is a TypeError naming it (never the token: the token is not an option).
    process.stderr.write(`tokenguard: ${(error as Error).message}\n`)
    return 2
  }
  try {
    const token = command.token === '-' ? (await readStdin()).trim() : command.token
    if (token === '') {
      process.stderr.write('tokenguard: no token on stdin\n')
      return 2
    }
    const report = await validator.explain(token, command.route)
    process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
    return report.ok ? 0 : 1
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    process.stderr.write(`tokenguard: ${error.message}\n`)
    return 2
  } finally {
    await validator.close()
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    // Far beyond any maxTokenLength: stop reading rather than buffer a stream without end.
    if (size > 1_048_576) break
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

main(process.argv.slice(2)).then(
  (code) => {
    // The pooled HTTP client keeps sockets alive: exit once the output is written.
    process.stdout.write('', () => process.exit(code))
  },
  (error: unknown) => {
    process.stderr.write(`tokenguard: unexpected failure: ${error instanceof Error ? error.name : 'error'}\n`)
    process.exit(2)
  },
)
