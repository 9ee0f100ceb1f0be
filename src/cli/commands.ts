/**
 * The list of sub-commands. Each lives in its own file and exports a `register*` function; adding a
 * command means adding one import and one line here.
 */
import type { Command } from 'commander';
import { registerContractCommands } from './contract.js';

export function registerCommands(program: Command): void {
  registerContractCommands(program);
}
