/** The owner's data log (datalog.ts) and its settings. */
export { DataLog } from './datalog.js';
export type { DataLogEntry, DataLogReporter } from './datalog.js';
export { DEFAULT_DATALOG_SETTINGS, datalogSettings } from './datalog-settings.js';
export type { DataLogSettings } from './datalog-settings.js';
