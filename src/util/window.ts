/** The most timestamps inside any half-open window [t, t + w) (two pointers over the sorted list). */
export function maxInWindow(timestamps: readonly number[], w: number): number {
  const a = [...timestamps].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; j < a.length; j++) {
    while (a[j]! - a[i]! >= w) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
