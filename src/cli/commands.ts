/**
 * The list of sub-commands. Each lives in its own file and exports a `register*` function; adding a
 * command means adding one import and one line here.
 */
import type { Command } from 'commander';
import { registerAppCommands } from './app.js';
import { registerContractCommands } from './contract.js';
import { registerDemoCommand } from './demo.js';
import { registerDirectoryCommands } from './directory.js';
import { registerLinkCommands } from './link.js';
import { registerLoginCommand } from './login.js';
import { registerNetworkCommands } from './network.js';
import { registerPodCommands } from './pod.js';
import { registerPodTotpCommands } from './pod-totp.js';
import { registerPodBackupCommands } from './pod-backup.js';
import { registerPodExportCommands } from './pod-export.js';
import { registerPodRotateCommand } from './pod-rotate.js';
import { registerProxyCommands } from './proxy.js';
import { registerQueryCommand } from './query.js';
import { registerSearchCommand } from './search.js';
import { registerServiceCommands } from './service.js';
import { registerUpCommand } from './up.js';

export function registerCommands(program: Command): void {
  registerContractCommands(program);
  registerNetworkCommands(program);
  registerDirectoryCommands(program);
  registerServiceCommands(program);
  registerAppCommands(program);
  registerPodCommands(program);
  registerPodTotpCommands(program);
  registerPodBackupCommands(program);
  registerPodExportCommands(program);
  registerPodRotateCommand(program);
  registerProxyCommands(program);
  registerUpCommand(program);
  registerLoginCommand(program);
  registerQueryCommand(program);
  registerLinkCommands(program);
  registerSearchCommand(program);
  registerDemoCommand(program);
}
