// Runs on `pnpm pack` / `pnpm publish`: the published manifest carries what a user installs,
// not how we develop (devDependencies name private workspace packages such as the test support;
// the `@tokenguard/source` export condition points the workspace's tools at src/, which is not shipped).
const SOURCE_CONDITION = '@tokenguard/source'

/** The export map without the development condition, at any depth. */
function withoutSourceCondition(exports) {
  if (exports === null || typeof exports !== 'object') return exports
  if (Array.isArray(exports)) return exports.map(withoutSourceCondition)
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  )
}

module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.devDependencies
      if (pkg.exports !== undefined) pkg.exports = withoutSourceCondition(pkg.exports)
      return pkg
    },
  },
}
