// The security core under mutation testing (docs/testing.md, "Mutation testing"), one scope per concept:
// which source files Stryker mutates and which test files may kill their mutants. A scope runs only
// the tests of its own concept (unit tests, plus fast in-process integration tests where a unit test
// alone cannot see a defence), so a mutant costs seconds, not the minutes of the whole suite.

/** @typedef {{ mutate: string[], tests: string[] }} MutationScope */

/** @type {Record<string, MutationScope>} */
export const SCOPES = {
  firewall: {
    mutate: ['src/firewall/**/*.ts', '!src/firewall/index.ts'],
    tests: ['test/unit/firewall/*.test.ts', 'test/unit/graphql/firewall.test.ts'],
  },
  federation: {
    // Admission of forwarded queries: origin signatures, query-id memory, the incoming checks.
    mutate: [
      'src/federation/origin-signature.ts',
      'src/federation/query-memory.ts',
      'src/federation/incoming.ts',
    ],
    tests: [
      'test/unit/federation/origin-signature.test.ts',
      'test/unit/federation/query-memory.test.ts',
      'test/unit/federation/incoming.test.ts',
      'test/unit/federation/recursive.test.ts',
    ],
  },
  signing: {
    mutate: ['src/signing/**/*.ts', '!src/signing/index.ts'],
    tests: ['test/unit/signing/*.test.ts', 'test/unit/graphql/signed-data.test.ts'],
  },
  pki: {
    mutate: ['src/pki/chain.ts', 'src/http/client-identity.ts'],
    tests: [
      'test/unit/pki/chain.test.ts',
      'test/unit/pki/chain-edges.test.ts',
      'test/unit/http/client-identity.test.ts',
    ],
  },
  auth: {
    mutate: ['src/pod/auth/owner-token.ts', 'src/pod/auth/login-limiter.ts'],
    tests: ['test/unit/pod/owner-auth.test.ts', 'test/unit/pod/owner-auth-limits.test.ts'],
  },
  storage: {
    mutate: ['src/storage/persist.ts', 'src/storage/expiry-sweeper.ts'],
    tests: [
      'test/unit/storage/persist.test.ts',
      'test/unit/storage/expiry.test.ts',
      'test/unit/storage/expiry-sweeper.test.ts',
    ],
  },
  bounded: {
    // The bound of every request-path cache (tokens, leaves, parsed CAs, signer keys, query ids) and
    // of concurrent work (a pod's fan-out to its links): what keeps a stream of inputs from growing a
    // process.
    mutate: ['src/bounded/**/*.ts', '!src/bounded/index.ts'],
    tests: ['test/unit/bounded/*.test.ts'],
  },
  graphql: {
    mutate: ['src/graphql/limits.ts', 'src/graphql/introspection-rule.ts'],
    tests: ['test/unit/graphql/limits.test.ts', 'test/unit/graphql/firewall.test.ts'],
  },
};

/** The scope names in the order `npm run test:mutation` runs them. */
export const SCOPE_NAMES = Object.keys(SCOPES);
