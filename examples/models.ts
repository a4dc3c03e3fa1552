// The example service's configuration, as a user of vaultly would write it.
import 'reflect-metadata';
import { inject } from 'inversify';
import { Nested, Secret, SecretModel } from 'vaultly';

/** Where the service runs; fills `{stage}` in secret paths. */
export const STAGE = Symbol.for('example.stage');

export interface Flags {
  beta: boolean;
  regions: string[];
}

@SecretModel({ staleOnError: true })
export class DbConfig {
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/db/pool') pool!: number;
}

@SecretModel({ validate: 'fetch', staleOnError: true })
export class AppConfig {
  constructor(@inject(STAGE) readonly stage: string) {}

  @Secret('/services/openai/key', { ttl: 900, description: 'OpenAI API key' }) apiKey!: string;
  @Secret('/{stage}/flags', { ttl: 60 }) flags!: Flags;
  @Secret('/{stage}/debug') debug!: boolean;
  @Nested() db!: DbConfig;
}
