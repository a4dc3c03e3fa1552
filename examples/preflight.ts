// A preflight module for `npx vaultly check build/examples/preflight.js`: the backend the service
// will use and its models, constructed but not bound. Here the secrets are files mounted by
// Kubernetes (or the Secrets Store CSI driver) under SECRETS_DIR; CI runs the check with the
// deploy's credentials and mounts before the rollout, and fails it when a row is not `ok`.
import 'reflect-metadata';
import { FileBackend } from 'vaultly';
import { AppConfig } from './models.js';

export default {
  backend: new FileBackend({ dir: process.env['SECRETS_DIR'] ?? '/var/run/secrets/app' }),
  models: [new AppConfig(process.env['STAGE'] ?? 'prod')],
};
