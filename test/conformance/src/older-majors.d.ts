// The older majors, installed under aliases, typed as the current ones: the suite's app code is
// the same on both, and the @types of each major are checked by the packaging test instead.
declare module 'express4' {
  import express from 'express'
  export = express
}
declare module 'koa2' {
  import Koa from 'koa'
  export = Koa
}
