// ESLint for src/, test/, bench/, scripts/ and bin/: the recommended rules of
// ESLint and typescript-eslint (without type information, so that a lint
// stays fast on a small CI machine), and two rules about the shape of the
// code: imports run down the floors of ARCHITECTURE.md, and no module
// imports itself back through others.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

// ARCHITECTURE.md, "The floors", from the bottom up: the folders of src/ on
// one floor may import from each other and from the floors below, never from
// a floor above. test/lint/floors.test.ts checks this table against
// ARCHITECTURE.md and that every folder of src/ is on a floor.
export const FLOORS = [
  ['net', 'diagnostics', 'kube'],
  ['topology'],
  ['kernel', 'model'],
  ['flow'],
  ['cni', 'proxy', 'runtime'],
  ['dataplane'],
  ['whatif'],
  ['render'],
  ['views'],
  ['exec', 'export', 'import', 'labs'],
  ['cli'],
];

const floorName = (index) => `floor ${index + 1} (${FLOORS[index].map((dir) => `src/${dir}`).join(', ')})`;

// One zone per pair of floors, so that the message names both: a module on
// the lower one may not import from the higher one.
export function floorZones() {
  return FLOORS.flatMap((lower, low) =>
    FLOORS.slice(low + 1).map((higher, offset) => ({
      target: lower.map((dir) => `src/${dir}`),
      from: higher.map((dir) => `src/${dir}`),
      message: `${floorName(low)} may not import from ${floorName(low + 1 + offset)}, above it: imports run down the floors (ARCHITECTURE.md, "The floors").`,
    })),
  );
}

// The scripts run on Node and are not type-checked, so lint checks the names
// they use against Node's globals (the ones they use: add one when needed).
const NODE_GLOBALS = Object.fromEntries(
  ['console', 'process', 'performance', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setImmediate', 'structuredClone'].map((name) => [
    name,
    'readonly',
  ]),
);

// The whole configuration for a checkout at `root` (where src/ is); the test
// of the two import rules lints a small tree of its own with it.
export function netlabConfig(root) {
  return defineConfig(
    // src/*/generated/ is written by scripts/build-validators.mjs; dist/ is the build.
    { ignores: ['dist/', 'src/*/generated/'] },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
      plugins: { 'import-x': importX },
      settings: {
        'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
        // The sources import `./x.js` for `./x.ts`, as NodeNext wants.
        'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
      },
      rules: {
        'import-x/no-restricted-paths': ['error', { basePath: root, zones: floorZones() }],
        // A cycle can only close through our own modules: the packages are not read.
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
        // tsc's noUnusedLocals and noUnusedParameters accept a leading
        // underscore for a name that is there on purpose (a parameter a
        // runner's table requires, a key left out of a rest); so does lint.
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
        ],
      },
    },
    {
      files: ['**/*.{js,mjs,cjs}'],
      languageOptions: { globals: NODE_GLOBALS },
    },
    {
      // bin/ is CommonJS on purpose (bin/load-bundle.js: the ES module loader
      // would cost every start), and so is the benchmarks' --require hook.
      files: ['bin/**/*.js', '**/*.cjs'],
      languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
      rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
    {
      // An expected line is written as the tool prints it, its columns padded
      // with spaces: / {2}/ would hide the layout the test is about.
      files: ['test/**'],
      rules: { 'no-regex-spaces': 'off' },
    },
  );
}

export default netlabConfig(import.meta.dirname);
