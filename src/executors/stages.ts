/** Turns stages (linear ramps) into the exact instants at which an integer level changes. */
export interface LevelChange {
  atMs: number;
  level: number;
}

/**
 * VU levels over stages: while ramping up the level is floor(linear), while ramping down ceil, so a
 * ramp from a to b visits every integer in between at its exact time and ends at b.
 */
export function vuLevelChanges(
  start: number,
  stages: readonly { durationMs: number; target: number }[],
): LevelChange[] {
  const out: LevelChange[] = [{ atMs: 0, level: start }];
  let t0 = 0;
  let a = start;
  for (const st of stages) {
    const b = Math.round(st.target);
    const d = st.durationMs;
    if (d === 0) {
      if (b !== a) out.push({ atMs: t0, level: b });
    } else if (b > a) {
      for (let v = a + 1; v <= b; v++) out.push({ atMs: t0 + (d * (v - a)) / (b - a), level: v });
    } else if (b < a) {
      for (let v = a - 1; v >= b; v--) out.push({ atMs: t0 + (d * (a - v)) / (a - b), level: v });
    }
    t0 += d;
    a = b;
  }
  return out;
}

export const totalStageMs = (stages: readonly { durationMs: number }[]): number =>
  stages.reduce((sum, s) => sum + s.durationMs, 0);
