/**
 * The list of sub-commands. Each lives in its own file and exports a `register*` function; adding a
 * command means adding one import and one line here.
 */
import type { Command } from 'commander';

export function registerCommands(_program: Command): void {
  // Sub-commands are registered here as they are implemented.
}
