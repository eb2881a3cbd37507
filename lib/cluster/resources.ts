// Resources in a cluster: named amounts a member offers (`--resources gpu=1`, `init({ cluster: { resources } })`)
// and an actor holds while it lives there (`resources: { gpu: 1 }`). A member's free amount is what it
// offers less what the actors living on it hold; placement sends an actor only where all it asks is free.

export type Resources = Readonly<Record<string, number>>;

/** Whether `want` fits in `free` (a name the member does not offer is 0). */
export function fits(free: Resources, want: Resources | undefined): boolean {
  if (want === undefined) return true;
  for (const [k, v] of Object.entries(want)) if (v > 0 && !((free[k] ?? 0) >= v)) return false;
  return true;
}

/** `a - b`, per name of `a`; `b`'s names that `a` lacks go below 0, so they never fit. */
export function minus(a: Resources, b: Resources | undefined): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = (out[k] ?? 0) - v;
  return out;
}

export function add(into: Record<string, number>, b: Resources | undefined): void {
  for (const [k, v] of Object.entries(b ?? {})) into[k] = (into[k] ?? 0) + v;
}

export function showResources(r: Resources | undefined): string {
  const e = Object.entries(r ?? {});
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k}=${v}`).join(',');
}
