import { rmSync } from 'node:fs'

export default function teardown(): void {
  if (process.env.TOKENGUARD_PACKED) rmSync(process.env.TOKENGUARD_PACKED, { recursive: true, force: true })
}
