// Runs on `pnpm pack` / `pnpm publish`: the published manifest carries what a user installs,
// not how we develop (devDependencies name private workspace packages such as the test support).
module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.devDependencies
      return pkg
    },
  },
}
