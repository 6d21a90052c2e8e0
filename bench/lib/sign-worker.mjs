import { parentPort, workerData } from 'node:worker_threads'
import { importJWK } from 'jose'
import { signWith } from './tokens.mjs'

const { key, alg, issuer, from, to } = workerData
const privateKey = await importJWK(key.privateJwk, alg)
const out = []
for (let n = from; n < to; n++) out.push(await signWith(privateKey, key.kid, alg, issuer, n))
parentPort.postMessage(out)
