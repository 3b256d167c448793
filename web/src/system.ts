/** `/api/system`, polled once every 2 s by the shell and shared with every view that shows it. */
import { createContext, useContext } from 'react';
import type { SystemInfo } from '../../src/server/wire.js';

export interface SystemState {
  data: SystemInfo | null;
  error: string | null;
}

export const SystemContext = createContext<SystemState>({ data: null, error: null });

export const useSystem = (): SystemState => useContext(SystemContext);
