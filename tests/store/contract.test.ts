/** The whole contract suite on every SQL backend of this run. */
import { describe } from 'vitest';
import { defineAllContracts } from '../contract/index.js';
import { testBackends } from '../support/backends.js';
import { sqlTarget } from '../support/fixtures.js';

describe.each(testBackends())('$name', (backend) => {
  defineAllContracts(sqlTarget(backend));
});
