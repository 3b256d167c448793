/** How an error becomes an exit code; the codes themselves are src/session/exit-codes.ts (docs/exit-codes.md). */
import type { VolleyErrorCode } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../session/exit-codes.js';

export { ExitCode, type ExitCodeValue } from '../session/exit-codes.js';

export function exitCodeForError(code: VolleyErrorCode): ExitCodeValue {
  switch (code) {
    case 'INVALID_USAGE':
    case 'INVALID_CONFIG':
    case 'INVALID_THRESHOLD':
    case 'UNREADABLE_FILE':
    case 'INVALID_SCRIPT':
      return ExitCode.INVALID_USAGE;
    case 'SCRIPT_FAILED':
      return ExitCode.SCRIPT_FAILED;
    case 'TARGET_UNREACHABLE':
      return ExitCode.TARGET_UNREACHABLE;
    case 'RUNTIME':
      return ExitCode.RUNTIME_ERROR;
  }
}
