import { runConformanceSuite } from '../src/suite'
import { fastifyHarness } from '../src/harnesses/fastify'

runConformanceSuite(fastifyHarness)
