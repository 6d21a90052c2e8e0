// The shared scripted server of the test suites, for answers no working authorization server gives
// (dropped connections, hangs, trickling or oversized bodies). A working one is ./issuer.
export {
  refusedPort,
  startScriptedServer,
  type Script,
  type ScriptedRequest,
  type ScriptedServer,
} from '../../../../test/support/src/scripted-server'
