/** The validator's options: checked and defaulted once, one module per subsystem under options/. */
export * from './options/index.js'
