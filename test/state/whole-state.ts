/**
 * A store's records whole, for tests that look at what was stored: `load()` reads only what
 * reconcile needs, so the payloads are fetched by key as a run does.
 */
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import type { StateStore } from '../../lambda/state/store.js';

export async function wholeState(
  store: Pick<StateStore, 'load' | 'fetch'>,
): Promise<Map<string, FindingRecord>> {
  return store.fetch([...(await store.load()).values()]);
}
