// The Store contract suite is published with the testing kit; the repository's tests use it from there.
export * from '../../../packages/testing/src/store-suite'
