/**
 * The demo target's data: a fixed population of users and teams (the same on every start, so
 * tutorials can say "user 17"), a bounded task store with idempotency keys, and login tokens.
 */

/** mulberry32: a tiny, fast, seedable PRNG; good enough for sampling knobs, not for secrets. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface User {
  id: number;
  name: string;
  email: string;
  teamId: number;
  role: 'member' | 'lead' | 'admin';
  createdAt: string;
}

export interface Team {
  id: number;
  name: string;
  memberCount: number;
}

export const USER_COUNT = 1000;
export const TEAM_COUNT = 20;
/** The population does not depend on the knob seed: user 17 is the same user in every run. */
const POPULATION_SEED = 0x5eed;

const FIRST = [
  'Ada',
  'Alan',
  'Barbara',
  'Claude',
  'Dennis',
  'Edsger',
  'Frances',
  'Grace',
  'Hedy',
  'Ivan',
  'Joan',
  'Ken',
  'Leslie',
  'Margaret',
  'Niklaus',
  'Radia',
  'Sophie',
  'Tim',
  'Whitfield',
  'Yukihiro',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Liskov',
  'Shannon',
  'Ritchie',
  'Dijkstra',
  'Allen',
  'Hopper',
  'Lamarr',
  'Sutherland',
  'Clarke',
  'Thompson',
  'Lamport',
  'Hamilton',
  'Wirth',
  'Perlman',
  'Wilson',
  'Berners-Lee',
  'Diffie',
  'Matsumoto',
];
const TEAM_NAMES = [
  'Platform',
  'Payments',
  'Search',
  'Checkout',
  'Identity',
  'Mobile',
  'Data',
  'Growth',
  'Billing',
  'Messaging',
  'Storage',
  'Networking',
  'Security',
  'Observability',
  'Catalog',
  'Pricing',
  'Support',
  'Onboarding',
  'Infra',
  'Reliability',
];

export function buildPopulation(): { users: User[]; teams: Team[] } {
  const rand = mulberry32(POPULATION_SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const start = Date.UTC(2023, 0, 1);
  const users: User[] = [];
  const memberCounts = new Array<number>(TEAM_COUNT).fill(0);
  for (let id = 1; id <= USER_COUNT; id++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const teamId = 1 + Math.floor(rand() * TEAM_COUNT);
    memberCounts[teamId - 1] = (memberCounts[teamId - 1] as number) + 1;
    const r = rand();
    users.push({
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${id}@example.com`.toLowerCase(),
      teamId,
      role: r < 0.02 ? 'admin' : r < 0.12 ? 'lead' : 'member',
      createdAt: new Date(start + Math.floor(rand() * 730) * 86_400_000).toISOString(),
    });
  }
  const teams = TEAM_NAMES.slice(0, TEAM_COUNT).map((name, i) => ({
    id: i + 1,
    name,
    memberCount: memberCounts[i] as number,
  }));
  return { users, teams };
}

/**
 * A Map bounded to `max` entries that forgets the least recently used entry first (a Map keeps
 * insertion order; `touch` moves an entry to the end). Long runs keep their memory flat.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(
    readonly max: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Like `get`, and marks the entry as recently used. */
  touch(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      const evicted = this.map.get(oldest.value) as V;
      this.map.delete(oldest.value);
      this.onEvict?.(oldest.value, evicted);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }
}

export interface Task {
  id: number;
  idempotencyKey: string;
  taskType: string;
  createdAtMs: number;
}

/** Tasks by idempotency key and by id, both bounded together: forgetting a key forgets its task. */
export class TaskStore {
  private nextId = 1;
  private readonly byId = new Map<number, Task>();
  private readonly byKey: BoundedMap<string, Task>;

  constructor(maxTasks: number) {
    this.byKey = new BoundedMap(maxTasks, (_key, task) => this.byId.delete(task.id));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Returns the existing task for the key (a replay) or creates one. */
  submit(idempotencyKey: string, taskType: string, nowMs: number): { task: Task; replay: boolean } {
    const existing = this.byKey.touch(idempotencyKey);
    if (existing !== undefined) return { task: existing, replay: true };
    const task: Task = { id: this.nextId++, idempotencyKey, taskType, createdAtMs: nowMs };
    this.byId.set(task.id, task);
    this.byKey.set(idempotencyKey, task);
    return { task, replay: false };
  }

  get(id: number): Task | undefined {
    return this.byId.get(id);
  }
}
