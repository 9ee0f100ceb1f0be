/**
 * `byoda demo`: the seed example end to end on a fresh temporary network (src/local/demo.ts). This
 * file shows it: a line per step, the query Suzie sends and her pod's answer, then the verdict; with
 * `--json`, one JSON object per line. Exit code 0 only when the answer holds Mike's home address with
 * Mike's member id as its origin; SIGINT or SIGTERM ends it early (exit 1), still cleaning up.
 */
import type { Command } from 'commander';
import { ByodaError } from '../errors/index.js';
import type { DemoListener, ProgressEvent } from '../local/index.js';
import { print, printJson, stdoutColors } from './output.js';
import type { Colors } from './output.js';

interface DemoCommandOptions {
  readonly json?: boolean;
}

const HELP = `
The story (from the post that introduced BYODA): two siblings, Suzie and Mike,
each have a pod; the pods store that their owners are family. To learn where
Suzie's family lives you ask her pod, which asks the pods of her family.

What it does:
  1. starts a fresh network (directory, DNS, the addressbook service, two pods)
     in a temporary folder: pod1 is Suzie's, pod2 is Mike's;
  2. each owner logs in and writes their person; Mike adds his home address;
  3. each links the other as family (append_network_links);
  4. Suzie asks her pod person_connection(depth: 1, relations: ["family"]);
  5. stops the network and removes the folder.
  Exit code 0 only if the answer holds Mike's home address with origin = Mike's
  member id. With --json: {"event":"progress"|"step"|"query"|"answer"|"result",...}
  one per line.
`;

const LABEL_WIDTH = 12;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("run the seed example: Suzie's pod finds where her family lives (fresh temporary network)")
    .option('--json', 'print each step as one JSON object per line')
    .addHelpText('after', HELP)
    .action((options: DemoCommandOptions) => demoCommand(options));
}

async function demoCommand(options: DemoCommandOptions): Promise<void> {
  const { runDemo } = await import('../local/index.js');
  const json = options.json === true;
  const listener = json ? jsonListener() : textListener(stdoutColors());
  const interrupted = new AbortController();
  const stopListening = onStopSignal(() => interrupted.abort());
  try {
    const outcome = await runDemo({ listener, signal: interrupted.signal });
    if (!outcome.ok) throw new ByodaError('BYODA_ERR_INTERNAL', `the demo failed: ${outcome.reason ?? ''}`);
  } finally {
    stopListening();
  }
}

function jsonListener(): DemoListener {
  return {
    network: (event) => printJson({ event: 'progress', ...event }),
    step: (who, message) => printJson({ event: 'step', who, message }),
    query: (who, query) => printJson({ event: 'query', who, query }),
    answer: (who, answer) => printJson({ event: 'answer', who, data: answer.data, errors: answer.errors }),
    result: (outcome) =>
      printJson({
        event: 'result',
        ok: outcome.ok,
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
        ...(outcome.origin !== undefined ? { origin: outcome.origin } : {}),
      }),
  };
}

function textListener(c: Colors): DemoListener {
  const line = (mark: string, who: string, message: string): void =>
    print(`${mark} ${c.bold(who.padEnd(LABEL_WIDTH))} ${message}`);
  return {
    network: (event: ProgressEvent) => line(c.green('✔'), event.part, c.dim(event.message)),
    step: (who, message) => line(c.green('✔'), who, message),
    query: (who, query) => {
      print('');
      print(c.bold(`${who} asks her pod where her family lives:`));
      print(indent(query));
    },
    answer: (who, answer) => {
      print(c.bold(`${who}'s pod answers:`));
      print(indent(JSON.stringify(answer.data, null, 2)));
      for (const error of answer.errors) print(c.red(`  error: ${error.message}`));
    },
    result: (outcome) => {
      print(
        outcome.ok
          ? `${c.green('✔')} Mike's home address came back with origin ${outcome.origin ?? '?'}: Mike's member id`
          : `${c.red('✘')} ${outcome.reason ?? 'the answer is not what the story expects'}`,
      );
      print('');
    },
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Calls `stop` on the first SIGINT or SIGTERM; returns the function that stops listening. */
function onStopSignal(stop: () => void): () => void {
  const handler = (): void => {
    remove();
    stop();
  };
  const remove = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return remove;
}
