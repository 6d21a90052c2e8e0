export type { KeySet, VerificationKey } from './key-set.js'
export { createLocalKeySet } from './local-key-set.js'
export type { LocalKeySetOptions } from './local-key-set.js'
export { createRemoteKeySet } from './remote-key-set.js'
export type { RemoteKeySetOptions } from './remote-key-set.js'
export { createMetadataCache, discoverMetadata, MetadataError, metadataUrls } from './discovery.js'
export type {
  AuthorizationServerMetadata,
  DiscoveryOptions,
  MetadataAttempt,
  MetadataCache,
  MetadataCacheOptions,
} from './discovery.js'
