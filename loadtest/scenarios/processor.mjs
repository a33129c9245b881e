// Artillery 2.0.34 bundles a `.ts` processor into a CommonJS file named `.js`. In this
// `"type": "module"` package Node loads that file as an ES module, and it fails. Artillery
// imports this ES module shim as it is, and Node loads the TypeScript behind it by itself.
export * from '../src/measure/processor.ts';
