/**
 * `target.push(...items)` passes every item as an argument and overflows the call stack for large
 * arrays (tens of thousands of findings or errors). This does the same without that limit.
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
