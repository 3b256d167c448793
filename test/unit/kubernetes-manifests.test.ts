/**
 * deploy/kubernetes and the Dockerfile, checked without a cluster: every YAML document is a
 * Kubernetes object of a known kind that passes its OpenAPI schema (kubernetes-models), and the
 * objects agree with each other and with volley's CLI contract (docs/kubernetes.md). The schemas
 * catch wrong types and missing required fields but not misspelled optional fields, so what must
 * hold (non-root, read-only root, the agent's args) is asserted field by field.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace, type INamespace } from 'kubernetes-models/v1/Namespace';
import {
  PersistentVolumeClaim,
  type IPersistentVolumeClaim,
} from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIoK8sApiCoreV1Container as Container } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1PodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/cli.js';

// Compiled to dist/test/unit/: the repository is three folders up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy', 'kubernetes');
/** The image name every volley container uses (tags may differ only through kustomize `images:`). */
const VOLLEY_IMAGE = 'volley';

// `kind apiVersion` -> a validator that throws on an object its schema rejects.
const MODELS: Record<string, (doc: object) => void> = {
  'Namespace v1': (d) => new Namespace(d as INamespace).validate(),
  'ConfigMap v1': (d) => new ConfigMap(d as IConfigMap).validate(),
  'Secret v1': (d) => new Secret(d as ISecret).validate(),
  'Service v1': (d) => new Service(d as IService).validate(),
  'PersistentVolumeClaim v1': (d) => new PersistentVolumeClaim(d as IPersistentVolumeClaim).validate(),
  'Deployment apps/v1': (d) => new Deployment(d as IDeployment).validate(),
  'StatefulSet apps/v1': (d) => new StatefulSet(d as IStatefulSet).validate(),
  'Job batch/v1': (d) => new Job(d as IJob).validate(),
};

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
interface Loaded {
  file: string;
  obj: K8sObject;
}

function parseFile(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'));
  assert.ok(Array.isArray(docs), `${file}: not a YAML stream`);
  return docs.map((doc, i) => {
    assert.deepEqual(
      doc.errors.map((e) => e.message),
      [],
      `${file}: YAML document ${i + 1} does not parse`,
    );
    return doc.toJS() as unknown;
  });
}

const yamlFiles = readdirSync(DEPLOY)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();
const kustomization = parseFile('kustomization.yaml')[0] as { resources?: unknown; namespace?: unknown };
const objects: Loaded[] = yamlFiles
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((file) =>
    parseFile(file)
      .filter((d) => d !== null) // an empty document (a trailing ---) is no object
      .map((obj) => ({ file, obj: obj as K8sObject })),
  );

const named = <T>(kind: string, name: string): T => {
  const found = objects.filter((o) => o.obj.kind === kind && o.obj.metadata?.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name} in deploy/kubernetes`);
  return (found[0] as Loaded).obj as T;
};
const podSpecOf = (o: K8sObject): PodSpec | undefined =>
  (o.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
const pods = objects.flatMap(({ file, obj }) => {
  const spec = podSpecOf(obj);
  return spec ? [{ file, obj, spec }] : [];
});
const containersOf = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []), ...spec.containers];
const isVolley = (c: Container): boolean =>
  c.image?.split(':')[0]?.split('@')[0]?.endsWith(VOLLEY_IMAGE) ?? false;

// Looked up inside the tests, so a missing object fails those tests, not the file's loading.
const agent = (): IDeployment => named<IDeployment>('Deployment', 'volley-agent');
const agentContainer = (): Container => {
  const c = agent().spec?.template.spec?.containers[0];
  assert.ok(c, 'volley-agent has a container');
  return c;
};
const job = (): IJob => named<IJob>('Job', 'volley-run');
const jobContainer = (): Container => {
  const c = job().spec?.template.spec?.containers[0];
  assert.ok(c, 'volley-run has a container');
  return c;
};

describe('deploy/kubernetes: every document is a valid Kubernetes object', () => {
  it('finds the manifests', () => {
    for (const f of [
      'namespace.yaml',
      'nats.yaml',
      'agents.yaml',
      'controller-job.yaml',
      'secret.example.yaml',
    ])
      assert.ok(yamlFiles.includes(f), `deploy/kubernetes/${f} exists`);
    assert.ok(objects.length >= 8, `read ${objects.length} objects`);
  });

  for (const { file, obj } of objects) {
    const label = `${file}: ${obj.kind ?? '(no kind)'} ${obj.metadata?.name ?? '(no name)'}`;
    it(`${label} passes the ${obj.apiVersion ?? '(no apiVersion)'} schema`, () => {
      const validate = MODELS[`${obj.kind} ${obj.apiVersion}`];
      assert.ok(validate, `${label}: unknown kind/apiVersion ${obj.kind} ${obj.apiVersion}`);
      assert.doesNotThrow(() => validate(obj), `${label} fails its schema`);
      assert.match(obj.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 name');
      // kustomization.yaml sets the namespace; one written here would fight it.
      assert.equal(obj.metadata.namespace, undefined, `${label} names no namespace`);
    });
  }

  it('the schema check rejects a broken object (the validators are live)', () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { replicas: 'two' },
    };
    assert.throws(() => (MODELS['Deployment apps/v1'] as (d: object) => void)(broken));
  });

  it('kustomization.yaml lists every manifest, each an existing file, and sets the namespace', () => {
    const resources = kustomization.resources;
    assert.ok(
      Array.isArray(resources) && resources.every((r) => typeof r === 'string'),
      'resources: [files]',
    );
    for (const r of resources as string[]) assert.ok(existsSync(join(DEPLOY, r)), `resource ${r} exists`);
    const manifests = yamlFiles.filter((f) => f !== 'kustomization.yaml');
    assert.deepEqual([...(resources as string[])].sort(), manifests, 'every manifest is listed once');
    assert.equal(kustomization.namespace, 'volley');
    assert.equal(named<INamespace>('Namespace', 'volley').metadata?.name, 'volley');
  });

  // kubectl is not needed by the suite; where it is installed, its kustomize must accept the folder.
  const kubectl = ((): boolean => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch (err) {
      return !(err instanceof Error && 'code' in err && err.code === 'ENOENT');
    }
  })();
  it('kubectl kustomize builds the folder into the same objects', { skip: !kubectl && 'no kubectl' }, () => {
    const out = execFileSync('kubectl', ['kustomize', DEPLOY], { encoding: 'utf8' });
    const kinds = parseAllDocuments(out).map((d) => {
      const o = d.toJS() as K8sObject;
      assert.equal(o.metadata.namespace ?? 'volley', 'volley', `${o.kind} ${o.metadata.name} in volley`);
      return `${o.kind}/${o.metadata.name}`;
    });
    assert.deepEqual(kinds.sort(), objects.map(({ obj }) => `${obj.kind}/${obj.metadata.name}`).sort());
  });
});

describe('deploy/kubernetes: the objects fit together', () => {
  it('every pod runs as non-root with a read-only root filesystem and no privilege escalation', () => {
    assert.ok(pods.length >= 4, `found ${pods.length} pod templates`);
    for (const { file, obj, spec } of pods) {
      const where = `${file}: ${obj.kind} ${obj.metadata.name}`;
      assert.equal(spec.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
      for (const c of containersOf(spec)) {
        assert.equal(
          c.securityContext?.readOnlyRootFilesystem,
          true,
          `${where}/${c.name}: readOnlyRootFilesystem`,
        );
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where}/${c.name}: no escalation`);
        // volley bundles scripts into $TMPDIR and HOME is /tmp in the image: it must be writable.
        if (isVolley(c)) {
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          assert.ok(tmp, `${where}/${c.name}: /tmp is mounted`);
          const volume = spec.volumes?.find((v) => v.name === tmp.name);
          assert.ok(volume?.emptyDir, `${where}/${c.name}: /tmp is an emptyDir`);
        }
      }
    }
  });

  it('the agent Deployment runs `volley agent --nats` as uid 10001 with the documented sizing', () => {
    const spec = agent().spec?.template.spec;
    assert.equal(agent().spec?.replicas, 2);
    assert.equal(spec?.securityContext?.runAsUser, 10001, 'the image user');
    assert.equal(spec?.terminationGracePeriodSeconds, 10);
    const c = agentContainer();
    const args = c.args ?? [];
    assert.equal(args[0], 'agent', 'the first argument is the command');
    const nats = args.indexOf('--nats');
    assert.ok(nats > 0, 'args carry --nats');
    assert.match(args[nats + 1] ?? '', /^nats:\/\/nats:4222$/, '--nats names the nats Service');
    assert.equal(args[args.indexOf('--workers') + 1], 'auto');
    assert.equal(args[args.indexOf('--tags') + 1], 'pool=k8s');
    assert.deepEqual(c.resources, {
      requests: { cpu: '1', memory: '256Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    // The token travels in the environment, never in args a `kubectl describe` would show.
    assert.ok(!args.some((a) => a.startsWith('--token') || a.startsWith('--password')), 'no secret in args');
    assert.ok(c.env?.some((e) => e.name === 'VOLLEY_NATS_TOKEN' && e.valueFrom?.secretKeyRef));
  });

  it("every volley process reaches NATS through the nats Service's client port", () => {
    const svc = named<IService>('Service', 'nats');
    assert.ok(
      svc.spec?.ports?.some((p) => p.port === 4222),
      'Service nats listens on 4222',
    );
    for (const { file, spec } of pods)
      for (const c of containersOf(spec).filter(isVolley)) {
        const args = c.args ?? [];
        const i = args.indexOf('--nats');
        if (i >= 0) assert.equal(args[i + 1], 'nats://nats:4222', `${file}/${c.name}`);
      }
    const nats = named<IStatefulSet>('StatefulSet', 'nats').spec?.template.spec?.containers[0];
    assert.equal(nats?.image, 'nats:2.10-alpine');
    for (const flag of ['-js', '-sd', '-m']) assert.ok(nats?.args?.includes(flag), `nats runs with ${flag}`);
  });

  it("the Job runs the ConfigMap's test file and writes the summary to the results volume", () => {
    assert.equal(job().spec?.backoffLimit, 0);
    const spec = job().spec?.template.spec;
    assert.equal(spec?.restartPolicy, 'Never');
    const c = jobContainer();
    const args = c.args ?? [];
    assert.equal(args[0], 'run');
    const testPath = args[1] ?? '';
    // The test file is a key of ConfigMap volley-test, mounted where the path points.
    const mount = c.volumeMounts?.find((m) => testPath.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${testPath} lies in a mounted volume`);
    const volume = spec?.volumes?.find((v) => v.name === mount.name);
    assert.equal(volume?.configMap?.name, 'volley-test', `${testPath} comes from ConfigMap volley-test`);
    const key = testPath.slice(mount.mountPath.length + 1);
    const cm = named<IConfigMap>('ConfigMap', 'volley-test');
    assert.ok(cm.data?.[key], `ConfigMap volley-test has the key ${key}`);
    assert.equal(args[args.indexOf('--nats') + 1], 'nats://nats:4222');
    assert.equal(args[args.indexOf('--agents') + 1], 'all');
    const out = args[args.indexOf('--out') + 1] ?? '';
    assert.match(out, /^json=\/results\//);
    const results = c.volumeMounts?.find((m) => m.mountPath === '/results');
    const pvc = spec?.volumes?.find((v) => v.name === results?.name)?.persistentVolumeClaim?.claimName;
    assert.equal(pvc, 'volley-results', '/results is the volley-results claim');
    named<IPersistentVolumeClaim>('PersistentVolumeClaim', 'volley-results');
  });

  it("the ConfigMap's test passes `volley inspect` (a valid declarative test)", async () => {
    const cm = named<IConfigMap>('ConfigMap', 'volley-test');
    const dir = mkdtempSync(join(tmpdir(), 'volley-k8s-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      writeFileSync(join(dir, key), text);
      const r = await runCli(['inspect', join(dir, key)], { cwd: dir });
      assert.equal(r.code, 0, `inspect ${key}: ${r.stderr}`);
      assert.match(r.stdout, /ramping-arrival-rate, open loop/);
      assert.match(r.stdout, /base URL http:\/\/volley-target:8080/);
    }
  });

  it('every Secret key referenced by a container exists in secret.example.yaml', () => {
    const secrets = objects.filter((o) => o.file === 'secret.example.yaml' && o.obj.kind === 'Secret');
    assert.ok(secrets.length > 0, 'secret.example.yaml holds a Secret');
    const keys = new Set(
      secrets.flatMap(({ obj }) => {
        const s = obj as unknown as ISecret;
        return [...Object.keys(s.stringData ?? {}), ...Object.keys(s.data ?? {})].map(
          (k) => `${s.metadata?.name}/${k}`,
        );
      }),
    );
    let refs = 0;
    for (const { file, spec } of pods)
      for (const c of containersOf(spec))
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          refs++;
          assert.ok(
            keys.has(`${ref.name}/${ref.key}`),
            `${file}/${c.name}: ${e.name} -> ${ref.name}/${ref.key}`,
          );
        }
    assert.ok(refs >= 3, `found ${refs} secret references`);
    for (const { obj } of secrets)
      for (const v of Object.values((obj as unknown as ISecret).stringData ?? {}))
        assert.match(v, /REPLACE-ME/, 'secret.example.yaml holds placeholders only');
  });

  it('every volley container uses one image name', () => {
    const images = new Set(
      pods.flatMap(({ spec }) =>
        containersOf(spec)
          .filter(isVolley)
          .map((c) => c.image),
      ),
    );
    assert.ok(
      pods.filter(({ spec }) => containersOf(spec).some(isVolley)).length >= 3,
      'agent, Job and server run volley',
    );
    assert.deepEqual([...images], [`${VOLLEY_IMAGE}:latest`]);
    // Nothing else is called volley-something by accident (a typo would escape isVolley).
    for (const { spec } of pods)
      for (const c of containersOf(spec))
        assert.ok(isVolley(c) || c.image === 'nats:2.10-alpine', `unexpected image ${c.image}`);
  });

  it('every Service selects the pods of some workload and targets a named container port', () => {
    for (const { file, obj } of objects.filter((o) => o.obj.kind === 'Service')) {
      const svc = obj as unknown as IService;
      const selector = Object.entries(svc.spec?.selector ?? {});
      const backing = pods.filter(({ obj: w }) => {
        const labels = (w.spec as { template: { metadata?: { labels?: Record<string, string> } } }).template
          .metadata?.labels;
        return selector.length > 0 && selector.every(([k, v]) => labels?.[k] === v);
      });
      assert.equal(backing.length, 1, `${file}: Service ${svc.metadata?.name} selects one workload`);
      const ports = containersOf((backing[0] as (typeof pods)[number]).spec).flatMap((c) => c.ports ?? []);
      for (const p of svc.spec?.ports ?? [])
        assert.ok(
          ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
          `${file}: Service ${svc.metadata?.name} port ${p.port} -> ${String(p.targetPort)} exists`,
        );
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM\s/i.test(l));

  it('is a multi-stage build on node:20-bookworm-slim', () => {
    assert.ok(froms.length >= 2, `${froms.length} FROM lines`);
    for (const f of froms) assert.match(f, /^FROM node:20-bookworm-slim\b/i);
    assert.ok(lines.some((l) => /npm ci\b/.test(l)));
    assert.ok(lines.some((l) => /npm run build\b/.test(l)));
  });

  it('copies the built dashboard (dist/web) into the runtime stage', () => {
    const lastFrom = lines.lastIndexOf(froms[froms.length - 1] as string);
    const runtime = lines.slice(lastFrom);
    assert.ok(runtime.some((l) => /^COPY --from=\S+ .*\/dist\/web\s/.test(l)));
    assert.ok(runtime.some((l) => /^COPY --from=\S+ .*\/dist\/src\s/.test(l)));
  });

  it('runs as the non-root uid the manifests expect, with the CLI as entry point', () => {
    const users = lines.filter((l) => /^USER\s/i.test(l));
    assert.ok(users.length > 0, 'a USER line');
    const user = (users[users.length - 1] as string).split(/\s+/)[1] ?? '';
    assert.doesNotMatch(user, /^(root|0)(:|$)/, 'the final USER is not root');
    assert.equal(user.split(':')[0], String(agent().spec?.template.spec?.securityContext?.runAsUser));
    assert.ok(lines.includes('ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]'));
    assert.ok(lines.includes('CMD ["--help"]'));
    assert.ok(lines.includes('WORKDIR /app'));
  });

  it('.dockerignore keeps node_modules, dist and .git out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(p), `${p} is ignored`);
  });
});
