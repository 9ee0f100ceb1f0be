/** Secrets outside `byoda up`: file, environment, systemd credential, terminal; local files on request. */
export { readSecretFile, resolveSecret } from './secret-source.js';
export type { ResolvedSecret, SecretPrompt, SecretRequest, SecretSource } from './secret-source.js';
export { terminalPrompt } from './tty-prompt.js';
export { LOCAL_SECRET_LABEL, localSecretFile } from './local-file.js';
