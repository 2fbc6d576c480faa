// ESLint's flat config (issue 22): a few correctness rules the tree keeps, and the layering of
// src/ as an import-boundary rule. Each layer names the top-level folders of src/ it must never
// import; `npm run lint` fails on a file reaching past its layer, and `npm test` runs the lint first.
import tseslint from 'typescript-eslint';

/**
 * No file under src/<layer>/ imports src/<folder> for any of `folders`. An import climbs to src/
 * with one or more `../` and then names the folder (src/broker.ts as `broker`); the folder names
 * of src/ are unique, so no subfolder is taken for one of them.
 */
function forbid(layer, folders, why, files = [`src/${layer}/**/*.ts`]) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [...new Set(folders)].map((folder) => ({
          regex: `^(\\.\\./)+${folder}(/|$)`,
          message: `${layer} must not import ${folder}: ${why}.`,
        })),
      }],
    },
  };
}

/** What runs only inside a broker process. */
const brokerCode = ['server', 'replication', 'storage', 'coordination', 'group', 'security', 'metrics', 'broker'];
/** Commands, the console and the tools that run processes on this machine, on top of everything. */
const tools = ['cli', 'console', 'local', 'harness'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/console/page/**'] },
  {
    files: ['src/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-cond-assign': ['error', 'except-parens'],
      'no-compare-neg-zero': 'error',
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-self-assign': 'error',
      'no-unreachable': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      '@typescript-eslint/no-misused-new': 'error',
    },
  },
  forbid('common', ['protocol', 'client', 'admin', ...brokerCode, ...tools], 'common is the floor every other layer stands on'),
  forbid('protocol', ['client', 'admin', ...brokerCode, ...tools], 'the wire format is shared by clients and brokers, so it knows only common'),
  forbid('storage', ['client', 'admin', 'server', 'replication', 'coordination', 'group', 'security', 'metrics', 'broker', ...tools], 'the log knows nothing of who writes to it or replicates it'),
  forbid('replication', ['client', 'admin', 'server', 'coordination', 'group', 'security', 'metrics', 'broker', ...tools], 'replication works on partitions and their logs and is driven by the server'),
  forbid('coordination', ['client', 'admin', 'server', 'replication', 'storage', 'group', 'metrics', 'broker', ...tools], 'the controller reaches brokers only over the wire, through a connection it is given'),
  forbid('group', ['client', 'admin', 'coordination', 'replication', 'storage', 'security', 'metrics', 'broker', ...tools], 'the group coordinator stands on the replica manager alone'),
  forbid('client', ['admin', ...brokerCode, ...tools], 'a client talks to brokers over the wire only'),
  forbid('security', ['client', 'admin', 'server', 'replication', 'storage', 'group', 'metrics', 'broker', ...tools], 'security is asked by the server, it does not drive it'),
  forbid('server', ['client', 'admin', 'broker', ...tools], 'the request path is wired by broker.ts, not by tools'),
  forbid('admin', ['client', 'server', 'replication', 'group', 'security', 'metrics', 'broker', ...tools], 'the admin operations write ZooKeeper as the controller reads it, for the commands and the broker alike'),
);
