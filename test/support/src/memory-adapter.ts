/**
 * A tiny Map-based oidc-provider adapter whose storage the caller owns.
 *
 * Why not oidc-provider's own MemoryAdapter: its storage is one module-global LRU (1000
 * entries) shared by every Provider in the process, and opaque tokens carry no issuer, so
 * a token issued by the server on port A would introspect as active on the server on port B.
 * With an explicit storage, "restart with new keys" shares it (opaque tokens survive, as
 * they would with a real database) while unrelated servers stay isolated.
 */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider'

interface Entry {
  payload: AdapterPayload
  /** epoch ms; Infinity when the model has no expiry */
  expiresAt: number
}

/** Opaque storage handle; pass the same one to a restarted server to keep its tokens. */
export type MemoryStorage = Map<string, Entry>

export function createMemoryStorage(): MemoryStorage {
  return new Map()
}

const SWEEP_THRESHOLD = 10_000

class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly storage: MemoryStorage,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`
  }

  /** Returns the live entry for a full key, dropping it if it expired (lazy expiry). */
  private live(key: string): Entry | undefined {
    const entry = this.storage.get(key)
    if (entry && entry.expiresAt <= Date.now()) {
      this.storage.delete(key)
      return undefined
    }
    return entry
  }

  private findWhere(test: (p: AdapterPayload) => boolean): AdapterPayload | undefined {
    const prefix = `${this.model}:`
    for (const [key, entry] of this.storage) {
      if (key.startsWith(prefix) && this.live(key) && test(entry.payload)) return entry.payload
    }
    return undefined
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.storage.size > SWEEP_THRESHOLD) sweep(this.storage)
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity
    this.storage.set(this.key(id), { payload, expiresAt })
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.live(this.key(id))?.payload
  }

  // Secondary lookups are linear scans: fine for test volumes, and the grant types used
  // here (client_credentials) never call them.
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((p) => p.uid === uid)
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((p) => p.userCode === userCode)
  }

  async consume(id: string): Promise<void> {
    const entry = this.live(this.key(id))
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string): Promise<void> {
    this.storage.delete(this.key(id))
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of this.storage) {
      if (entry.payload.grantId === grantId) this.storage.delete(key)
    }
  }
}

function sweep(storage: MemoryStorage): void {
  const now = Date.now()
  for (const [key, entry] of storage) if (entry.expiresAt <= now) storage.delete(key)
}

/** The value for oidc-provider's `adapter` configuration option. */
export function memoryAdapter(storage: MemoryStorage): AdapterFactory {
  return (model: string) => new MemoryAdapter(model, storage)
}
