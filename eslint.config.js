// Lint: typescript-eslint's recommended rules plus the architecture's dependency direction:
// core imports nothing of ours; store and migrate never import server, client or cli; the UI imports
// only types from core (and the shared wire decoding).
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
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
  layer(['src/core/**'], ['**/store/**', '**/migrate/**', '**/server/**', '**/client/**', '**/cli/**', '**/config/**', '**/ui/**'], 'core is the shared vocabulary and imports nothing of ours'),
  layer(['src/store/**', 'src/migrate/**', 'src/config/**'], ['**/server/**', '**/cli/**', '**/ui/**'], 'the store never depends on the layers above it'),
  layer(['src/server/**', 'src/client/**'], ['**/cli/**', '**/ui/**'], 'server and client never depend on the CLI or the UI'),
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
              group: ['**/core/**', '!**/core/wire-decoding.js', '!**/core/dashboard-pages.js', '!**/core/api', '!**/core/api/route.js', '!**/core/api/routes.js', '**/store/**', '**/server/**', '**/client/**', '**/cli/**', '**/config/**'],
              allowTypeImports: true,
              message: 'the UI imports only types from the rest of aimdb',
            },
          ],
        },
      ],
    },
  },
);
