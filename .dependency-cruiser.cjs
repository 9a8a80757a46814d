/**
 * The layering of ARCHITECTURE.md as rules (`npm run lint` runs them): each folder of lambda/ imports
 * only the folders below it, nothing imports in a circle, and no product code imports tests.
 */
const LAMBDA_LAYERS = [
  'core',
  'settings',
  'policy',
  'audit',
  'iac',
  'aws',
  'state',
  'inventory',
  'remediate',
  'alert',
  'render',
  'sinks',
  'pipeline',
  'runtime',
  'modes',
  'handler',
  'cli',
];
const layerPath = (names) => `^lambda/(${names.join('|')})([./]|$)`;

const upward = LAMBDA_LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer}`,
  comment: `lambda/${layer} imports only the layers below it (${LAMBDA_LAYERS.slice(0, index).join(', ') || 'none'})`,
  severity: 'error',
  from: { path: layerPath([layer]) },
  to: { path: layerPath(LAMBDA_LAYERS.slice(index + 1)) },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    {
      name: 'lambda-not-lib',
      comment: 'the function is bundled alone: it must not pull in the CDK app',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^lib/' },
    },
    {
      name: 'lib-below-runtime',
      comment:
        'the constructs read the model, the settings and the names of what the function emits, and the Aspect (lib/policy-checks.ts) runs the pure policy/, audit/ and iac/ layers; never the running parts',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: layerPath(['inventory', 'remediate', 'alert', 'render', 'sinks', 'pipeline', 'runtime', 'modes', 'handler', 'cli']) },
    },
    {
      name: 'emulator-alone',
      comment:
        'local-aws/ emulates AWS: it knows the room model (lambda/core) and nothing else of the product, and never the demos or the bench that drive it',
      severity: 'error',
      from: { path: '^local-aws/' },
      to: { path: '^(lambda|lib|bin|demo|bench)/', pathNot: '^lambda/core/' },
    },
    {
      name: 'product-not-tests',
      comment: 'product code, the emulator, the demos and the bench never import from test/',
      severity: 'error',
      from: { path: '^(lambda|lib|bin|local-aws|demo|bench)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
