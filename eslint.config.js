// Lint: typescript-eslint's recommended rules plus the architecture's dependency direction:
//   core ← store ← migrate ← database (opening) ← server/client ← cli, transfer, logging; ui takes types.
// core imports nothing of ours; the store never imports the layers above it; the layers above reach
// the store only through its public entry, src/store/index.ts (decision 0131); the UI imports only
// types from the rest (and the shared wire decoding and route table).
import tseslint from 'typescript-eslint';

const ABOVE_STORE = ['**/migrate/**', '**/database/**', '**/server/**', '**/client/**', '**/cli/**', '**/ui/**', '**/transfer/**', '**/logging/**'];
// Anything of the store but its entry; and the migrations themselves, which only the migrator runs.
const SEALED_STORE = {
  group: ['**/store/**', '!**/store/index.js', '**/migrate/migrations/**'],
  message: 'the layers above the store use it through src/store/index.ts (and the migrator through src/migrate/migrator.ts)',
};

const layer = (files, forbidden, message, extra = []) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [...(forbidden.length > 0 ? [{ group: forbidden, message }] : []), ...extra] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-artifacts/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/core/**'], ['**/store/**', '**/config/**', ...ABOVE_STORE], 'core is the shared vocabulary and imports nothing of ours'),
  layer(['src/store/**', 'src/config/**'], ABOVE_STORE, 'the store never depends on the layers above it'),
  layer(['src/migrate/**'], ABOVE_STORE.filter((group) => group !== '**/migrate/**'), 'the migrations never depend on the layers above them'),
  {
    // A migration is frozen: it may name the store's types but never run its code, which changes later.
    files: ['src/migrate/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/store/**'], allowTypeImports: true, message: 'a migration never calls live store code (decision 0131)' }] },
      ],
    },
  },
  layer(['src/database/**'], ['**/server/**', '**/cli/**', '**/ui/**', '**/transfer/**', '**/logging/**'], 'opening a database never depends on the layers above it', [SEALED_STORE]),
  layer(['src/server/**', 'src/client/**'], ['**/cli/**', '**/ui/**'], 'server and client never depend on the CLI or the UI', [SEALED_STORE]),
  layer(['src/transfer/**', 'src/logging/**'], ['**/cli/**', '**/ui/**', '**/server/**'], 'transfer and logging never depend on the CLI, the UI or the server', [SEALED_STORE]),
  layer(['src/cli/**'], ['**/ui/**'], 'the CLI never depends on the UI', [SEALED_STORE]),
  {
    // The dashboard talks HTTP at run time; from the rest of the code it may take types only.
    files: ['src/ui/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Wire decoding is shared with the HTTP client so both read answers the same way; the page
              // list with the server, which answers exactly those paths with index.html; the route
              // table with the server and the client, so a path is written once (decision 0130).
              group: ['**/core/**', '!**/core/wire-decoding.js', '!**/core/dashboard-pages.js', '!**/core/api', '!**/core/api/route.js', '!**/core/api/routes.js', '**/store/**', '**/server/**', '**/client/**', '**/cli/**', '**/config/**', '**/database/**', '**/migrate/**', '**/transfer/**', '**/logging/**'],
              allowTypeImports: true,
              message: 'the UI imports only types from the rest of aimdb',
            },
          ],
        },
      ],
      'no-restricted-imports': ['error', { patterns: [SEALED_STORE] }],
    },
  },
);
