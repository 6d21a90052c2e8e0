// Medians and coefficients of variation: every figure of the bench is a median across rounds,
// printed with its noise.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Standard deviation over mean (0 with fewer than two values). */
export function cv(values) {
  const xs = values.filter((v) => Number.isFinite(v))
  if (xs.length < 2) return 0
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
  return mean ? sd / mean : 0
}

/** The nearest-rank percentile `p` (0–100) of `values`. */
export function percentile(values, p) {
  const sorted = Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
}
