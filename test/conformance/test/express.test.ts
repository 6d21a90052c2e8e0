import { runConformanceSuite } from '../src/suite'
import { expressHarness } from '../src/harnesses/express'

runConformanceSuite(expressHarness)
