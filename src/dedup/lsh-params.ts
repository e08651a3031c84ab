/**
 * Choosing LSH banding (b bands x r rows, b*r <= numPerm) for a similarity threshold t.
 *
 * A pair of similarity s becomes a candidate with probability P(s) = 1 - (1 - s^r)^b. Following the usual
 * method (the one datasketch uses), pick the (b, r) that minimises
 *     wFp * integral_0^t P(s) ds  +  wFn * integral_t^1 (1 - P(s)) ds,
 * i.e. the area of false candidates below the threshold plus the area of missed pairs above it.
 * With candidate verification a false candidate only costs a comparison while a miss is lost for good, so the
 * weights may favour recall (wFn > wFp). Integrals by composite Simpson's rule (P is smooth).
 */
export interface Banding {
  bands: number;
  rows: number;
}

export function candidateProbability(s: number, { bands, rows }: Banding): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}

function simpson(f: (x: number) => number, a: number, b: number, n = 256): number {
  if (b <= a) return 0;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += f(a + i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}

export function falsePositiveArea(t: number, band: Banding): number {
  return simpson((s) => candidateProbability(s, band), 0, t);
}

export function falseNegativeArea(t: number, band: Banding): number {
  return simpson((s) => 1 - candidateProbability(s, band), t, 1);
}

export function optimalBanding(threshold: number, numPerm: number, weights = { fp: 0.5, fn: 0.5 }): Banding {
  let best: Banding = { bands: 1, rows: numPerm };
  let bestErr = Infinity;
  for (let b = 1; b <= numPerm; b++) {
    for (let r = 1; r * b <= numPerm; r++) {
      const band = { bands: b, rows: r };
      const err = weights.fp * falsePositiveArea(threshold, band) + weights.fn * falseNegativeArea(threshold, band);
      if (err < bestErr) {
        bestErr = err;
        best = band;
      }
    }
  }
  return best;
}
