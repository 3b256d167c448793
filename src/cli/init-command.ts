/**
 * `volley init [dir]`: a typed example test with a tsconfig that maps 'volley' to the types of the
 * volley that ran init, so editor completion and `volley check` work wherever volley is installed.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { VolleyError } from '../errors.js';
import { scriptCompilerOptionsJson } from '../script/typecheck.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { MAIN_JS, volleyCommand } from './self-command.js';

const TEST_TS = `/**
 * A starting point: members log in once, browse teams (3×) and update their profile (1×) with
 * 1-3 s of think time, while tasks arrive at a fixed rate. Point BASE_URL at your service.
 *
 *   volley target &              # the demo API this example talks to
 *   volley check test.ts         # type-check and validate
 *   volley inspect test.ts       # the plan, without traffic
 *   volley run test.ts
 */
import { between, check, data, defineTest } from 'volley';

interface MemberState {
  token?: string;
}

const accounts = data.csv<{ user: string; password: string }>('./users.csv');

export default defineTest({
  baseUrl: process.env.BASE_URL ?? 'http://127.0.0.1:8117',
  scenarios: {
    members: {
      executor: 'ramping-vus',
      user: 'member',
      stages: [
        { duration: '10s', target: 10 },
        { duration: '30s', target: 10 },
        { duration: '5s', target: 0 },
      ],
    },
    tasks: {
      executor: 'constant-arrival-rate',
      rate: 50,
      duration: '45s',
      preAllocatedVUs: 10,
      maxVUs: 100,
      exec: async ({ http, iteration }) => {
        const res = await http.post('/api/tasks', { json: { idempotencyKey: \`init-\${iteration}\`, taskType: 'noop' } });
        check(res, { 'task accepted': (r) => r.status === 201 || r.status === 200 });
      },
    },
  },
  users: {
    member: {
      wait: between(1, 3),
      onStart: async ({ http, vu, state }) => {
        const account = accounts.perVu({ vu });
        const res = await http.post('/api/login', { json: account });
        (state as MemberState).token = res.json<{ token: string }>().token;
      },
      tasks: [
        {
          name: 'browse teams',
          weight: 3,
          run: async ({ http }) => {
            check(await http.get('/api/teams'), { 'teams 200': (r) => r.status === 200 });
          },
        },
        {
          name: 'update profile',
          weight: 1,
          run: async ({ http, state }) => {
            const res = await http.put('/api/users/me', {
              headers: { authorization: \`Bearer \${(state as MemberState).token ?? ''}\` },
              json: { name: 'Ada' },
            });
            check(res, { 'profile 200': (r) => r.status === 200 });
          },
        },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:GET /api/teams}': ['p(95)<100'],
    checks: ['rate>0.99'],
  },
});
`;

function usersCsv(): string {
  const rows = ['user,password'];
  for (let i = 1; i <= 100; i++) rows.push(`u${i},secret${i}`);
  return `${rows.join('\n')}\n`;
}

export async function initCommand(dir: string, o: { force?: boolean }, io: CliIO): Promise<ExitCodeValue> {
  const root = resolve(dir);
  const files: [string, string][] = [
    ['test.ts', TEST_TS],
    ['users.csv', usersCsv()],
    [
      'tsconfig.json',
      `${JSON.stringify({ compilerOptions: scriptCompilerOptionsJson(), include: ['*.ts'] }, null, 2)}\n`,
    ],
  ];
  const existing = files.map(([f]) => join(root, f)).filter((f) => existsSync(f));
  if (existing.length > 0 && !o.force)
    throw new VolleyError(
      'INVALID_USAGE',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}`,
      {
        hint: 'pick an empty folder, or add --force to overwrite',
      },
    );
  mkdirSync(root, { recursive: true });
  for (const [f, text] of files) writeFileSync(join(root, f), text);
  const rel = relative(process.cwd(), root) || '.';
  // The commands as they work from here: `volley` only when it is on PATH (see self-command.ts).
  const volley = volleyCommand(io.env);
  const test = join(rel, 'test.ts');
  io.stdout(
    `created ${files.map(([f]) => join(rel, f)).join(', ')}\n\nnext:\n  ${volley} target &\n  ${volley} check ${test}\n  ${volley} run ${test}\n` +
      (volley === 'volley'
        ? ''
        : `\n(volley is not on your PATH: 'npm install -g .' or 'npm link' in ${dirname(dirname(dirname(dirname(MAIN_JS))))} puts it there)\n`),
  );
  return ExitCode.OK;
}
