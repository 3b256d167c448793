/**
 * Which process `--monitor-pid PID` should watch. A target started as `npx volley target &` or
 * through a shell leaves `$!` naming a wrapper (npm exec, sh) that idles while its child serves:
 * watching the wrapper reports 0% CPU and passes every CPU threshold. The process that serves is
 * the one owning a listening TCP socket (matched through /proc/net/tcp* inodes and /proc/PID/fd),
 * preferably on the target's port; among the PID and its descendants, that one is watched.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface StatReading {
  ppid: number;
  ticks: number;
  startTime: string;
  state: string;
}

/** /proc/PID/stat: fields after the command name, which may itself hold spaces and parentheses. */
export function parseProcStat(text: string): StatReading | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // f[0] is field 3 (state), f[1] field 4 (ppid); utime and stime are fields 14 and 15, starttime field 22.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || f[19] === undefined) return undefined;
  return { ppid: Number(f[1]), ticks: utime + stime, startTime: f[19], state: f[0] ?? '?' };
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

/** Every process of /proc, by pid (a process that exits while being read is left out). */
export function readProcesses(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry) out.set(entry.pid, entry);
  }
  return out;
}

export function readProcess(pid: number): ProcEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const stat = parseProcStat(text);
  if (!stat) return undefined;
  const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  return { pid, ppid: stat.ppid, comm, ticks: stat.ticks };
}

/** The descendants of `pid`, nearest first. */
export function descendants(pid: number, procs: Map<number, ProcEntry>): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs.values()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    if (out.includes(next)) continue;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** Listening TCP sockets (IPv4 and IPv6): inode → port. */
export function listeningSockets(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is field 10.
      if (f.length < 10 || f[3] !== '0A') continue;
      const port = parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
      const inode = f[9] as string;
      if (Number.isFinite(port) && inode !== '0') out.set(inode, port);
    }
  }
  return out;
}

/** The ports `pid` listens on, from its open socket fds (none when they cannot be read). */
export function listeningPorts(pid: number, listening: Map<string, number>): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    const port = m ? listening.get(m[1] as string) : undefined;
    if (port !== undefined && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

export interface WatchChoice {
  /** The process to watch. */
  pid: number;
  /** Why another process than the one asked for is watched; undefined when it is the one asked for. */
  note?: string;
  /** The asked-for process has descendants and none of the tree listens: follow CPU instead. */
  followBusiestChild: boolean;
}

const describe = (p: ProcEntry | undefined, pid: number): string => `${pid}${p ? ` (${p.comm})` : ''}`;

/**
 * The process among `pid` and its descendants that serves: `pid` itself when it listens on a TCP
 * port (or nothing in its tree does and it has no children); otherwise the nearest descendant
 * listening on one of `targetPorts`, or on any port.
 */
export function chooseWatchedPid(pid: number, targetPorts: readonly number[]): WatchChoice {
  const procs = readProcesses();
  const tree = descendants(pid, procs);
  if (tree.length === 0) return { pid, followBusiestChild: false };
  const listening = listeningSockets();
  const own = listeningPorts(pid, listening);
  if (own.length > 0) return { pid, followBusiestChild: false };
  let fallback: { pid: number; port: number } | undefined;
  for (const child of tree) {
    const ports = listeningPorts(child, listening);
    const onTarget = ports.find((p) => targetPorts.includes(p));
    if (onTarget !== undefined) return chosen(pid, child, onTarget, procs);
    if (ports.length > 0 && !fallback) fallback = { pid: child, port: ports[0] as number };
  }
  if (fallback) return chosen(pid, fallback.pid, fallback.port, procs);
  return { pid, followBusiestChild: true };
}

function chosen(asked: number, pid: number, port: number, procs: Map<number, ProcEntry>): WatchChoice {
  return {
    pid,
    followBusiestChild: false,
    note: `--monitor-pid ${describe(procs.get(asked), asked)} does not listen on a TCP port; watching its descendant ${describe(procs.get(pid), pid)}, which listens on port ${port} (target_* metrics are tagged pid=${pid})`,
  };
}
