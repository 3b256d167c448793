/**
 * Which process owns a run, told apart from a later process that got the same pid: the pid, the
 * kernel's start time of that process (Linux: /proc/PID/stat field 22; null where unavailable)
 * and the host it runs on. A run's liveness is read from these, never from a missing pid.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessRef {
  pid: number;
  /** The process's start time in clock ticks since boot, as text; null when it cannot be read. */
  start: string | null;
  /** The host the process runs on; null for rows written by a volley that did not record it. */
  host: string | null;
}

/** Start time of a process (Linux), or null (another OS, no such process, no /proc). */
function processStart(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // no /proc (macOS, Windows) or the process is gone: the pid check decides
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

export function processRef(pid: number): ProcessRef {
  return { pid, start: processStart(pid), host: hostname() };
}

/** Whether a process still exists: ESRCH means gone; EPERM means alive but someone else's. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the recorded process is still the one running: a process on another host cannot be
 * checked from here and counts as alive; a pid now held by a process started at another time is
 * a recycled pid, so the recorded one is gone.
 */
export function processAlive(ref: ProcessRef): boolean {
  if (ref.host !== null && ref.host !== hostname()) return true;
  if (!pidAlive(ref.pid)) return false;
  if (ref.start === null) return true;
  const now = processStart(ref.pid);
  return now === null || now === ref.start;
}
