import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A plain array of flat-config blocks: the spreads below are array elements, not call arguments.
export default [
  { ignores: ['dist/', 'node_modules/', 'fixtures/', '.scratch/', 'bench/.models/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.js', 'scripts/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // node:test's describe/it return promises the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  ...layerBoundaries(),
  // Last, so that no block above replaces it: a later block's 'no-restricted-syntax' would drop these selectors.
  { rules: { 'no-restricted-syntax': ['error', ...restrictedSyntax()] } },
];

// Syntax banned everywhere linted (src/, bench/, scripts/, test/, bin/, this file).
function restrictedSyntax() {
  const spread = 'spreading into arguments overflows the stack for large arrays (Math.max(...xs) throws past about 125k elements on Node 20); use a loop';
  return [
    { selector: 'TSEnumDeclaration', message: 'Use as-const unions, not enums.' },
    { selector: 'CallExpression > SpreadElement', message: spread },
    { selector: 'NewExpression > SpreadElement', message: spread },
  ];
}

// STYLE.md's layering: each native dependency and the filesystem are imported by one folder only.
function layerBoundaries() {
  const owners = {
    model: ['onnxruntime-node', 'tokenizers'],
    ann: ['faiss-node'],
    io: ['node:fs', 'node:fs/promises', 'node:child_process', 'apache-arrow'],
  };
  const folders = ['cli', 'core', 'model', 'ann', 'io', 'pipeline', 'mine'];
  return folders.map((folder) => {
    const banned = Object.entries(owners)
      .filter(([owner]) => owner !== folder)
      .flatMap(([owner, names]) => names.map((name) => ({ name, message: `only src/${owner}/ imports ${name}` })));
    // src/mine is pure selection logic: no Node built-ins at all.
    const patterns = folder === 'mine' ? [{ group: ['node:*'], message: 'src/mine/ is pure: no I/O' }] : [];
    return { files: [`src/${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { paths: banned, patterns }] } };
  });
}
