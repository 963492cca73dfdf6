// The errors of a result on its way out, for the plugins that finish the gateway's wording.

/** Each error of a result about to be sent (a single result or a batch; streams have none here). */
export function forEachError(
  result: unknown,
  visit: (error: { message: string; extensions?: unknown }) => void,
): void {
  for (const single of Array.isArray(result) ? result : [result]) {
    const errors = (single as { errors?: unknown } | null | undefined)?.errors;
    if (Array.isArray(errors)) errors.forEach(visit);
  }
}
