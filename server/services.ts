import type { Store } from '../lib/store/types';
import type { Identifier } from './auth/identify';
import type { RoomRegistry } from './collab/registry';
import type { Logger } from './log';

/** What use cases and transports share; built once in loupe-server.ts. */
export interface Services {
  store: Store;
  registry: RoomRegistry;
  identifier: Identifier;
  logger: Logger;
  authSecret: string;
  appOrigin(): string;
  sandboxOrigin(): string;
  now(): number;
}
