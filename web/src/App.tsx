/** The shell: header, navigation, and the view the hash names. */
import type { SystemInfo } from '../../src/server/wire.js';
import { fmtNum } from './format';
import { runHref, usePoll, useRoute } from './hooks';
import { SystemContext } from './system';
import { Agents } from './views/Agents';
import { BenchesList, BenchPage } from './views/Benches';
import { StressForm } from './views/StressForm';
import { Compare } from './views/Compare';
import { NewRun } from './views/NewRun';
import { RunPage } from './views/RunPage';
import { RunsList } from './views/RunsList';
import { Schedules } from './views/Schedules';

export function App() {
  const route = useRoute();
  const system = usePoll<SystemInfo>('/api/system', 2000);
  const active = system.data?.activeRunId ?? null;
  return (
    <SystemContext.Provider value={{ data: system.data, error: system.error }}>
      <header className="topbar">
        <a className="brand" href="#/">
          volley
        </a>
        <nav>
          <a href="#/" className={route.view === 'runs' ? 'active' : ''} data-testid="nav-runs">
            Runs
          </a>
          <a href="#/new" className={route.view === 'new' ? 'active' : ''} data-testid="nav-new">
            New run
          </a>
          <a href="#/stress" className={route.view === 'stress' ? 'active' : ''} data-testid="nav-stress">
            Stress
          </a>
          <a
            href="#/benches"
            className={route.view === 'benches' || route.view === 'bench' ? 'active' : ''}
            data-testid="nav-benches"
          >
            Benchmarks
          </a>
          <a href="#/agents" className={route.view === 'agents' ? 'active' : ''} data-testid="nav-agents">
            Agents
          </a>
          <a
            href="#/schedules"
            className={route.view === 'schedules' ? 'active' : ''}
            data-testid="nav-schedules"
          >
            Schedules
          </a>
        </nav>
        <div className="topbar-right">
          {active ? (
            <a className="active-run" href={runHref(active)} data-testid="active-run">
              <span className="pulse" /> run in progress
            </a>
          ) : null}
          {system.data ? (
            <span
              className="muted small"
              title={`${system.data.hostname}, volley ${system.data.version}`}
              data-testid="system-info"
            >
              {system.data.hostname} · CPU {fmtNum(system.data.cpuPercent)} % · mem{' '}
              {fmtNum(system.data.memory.usedPercent)} %
            </span>
          ) : system.error ? (
            <span className="bad-text small" data-testid="server-unreachable">
              server: {system.error}
            </span>
          ) : null}
        </div>
      </header>
      <main>
        {route.view === 'runs' ? <RunsList /> : null}
        {route.view === 'new' ? <NewRun /> : null}
        {route.view === 'agents' ? <Agents /> : null}
        {route.view === 'stress' ? <StressForm /> : null}
        {route.view === 'benches' ? <BenchesList /> : null}
        {route.view === 'bench' ? <BenchPage key={route.id} id={route.id} /> : null}
        {route.view === 'schedules' ? <Schedules /> : null}
        {route.view === 'run' ? <RunPage key={route.id} id={route.id} /> : null}
        {route.view === 'compare' ? <Compare key={`${route.a}/${route.b}`} a={route.a} b={route.b} /> : null}
        {route.view === 'missing' ? (
          <div className="page">
            <p>
              Nothing at <code>{route.hash}</code>. <a href="#/">Back to the runs</a>.
            </p>
          </div>
        ) : null}
      </main>
    </SystemContext.Provider>
  );
}
