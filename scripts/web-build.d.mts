/** Whether web/dist/ is missing or older than a source of the owner's web app. */
export function webBuildIsStale(root?: string): boolean;
/** Builds web/dist/ with vite; throws with vite's output when the build fails. */
export function buildWeb(root?: string): void;
