// The shared scripted server (broken answers, jku traps), kept under its old name for these suites.
export * from '../../support/src/scripted-server'
