import { runConformanceSuite } from '../src/suite'
import { koaHarness } from '../src/harnesses/koa'

runConformanceSuite(koaHarness)
