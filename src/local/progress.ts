/**
 * What `LocalNetwork` reports while it starts and stops: one event per finished step, so that a person
 * sees where it is (and where it stopped, when a step fails) and a program can follow it.
 */
import type { NetworkJson } from './network-file.js';

/** What happened to a part of the network in a step. */
export type ProgressAction =
  | 'created' // made now (a new network, service or pod)
  | 'reused' // found in the data folder from an earlier run
  | 'started' // listening
  | 'published' // a newer contract version was published
  | 'joined' // a pod joined the service
  | 'upgraded' // a pod's membership moved to the service's newer contract version
  | 'skipped' // left alone (e.g. a pod beyond --pods)
  | 'checked' // answered over verified TLS and DNS
  | 'stopped';

export interface ProgressEvent {
  /** `network`, `directory`, `service`, `pod1`, ... */
  readonly part: string;
  readonly action: ProgressAction;
  /** One line for people. */
  readonly message: string;
}

export interface ProgressListener {
  /** The options are valid and the data folder is taken: parts start now. */
  starting(dataDir: string): void;
  step(event: ProgressEvent): void;
  /** Everything answers and network.json is written. */
  ready(network: NetworkJson, networkFile: string): void;
}
