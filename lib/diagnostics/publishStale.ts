import diagnostics_channel from 'node:diagnostics_channel';
import { DiagnosticsChannel, type StaleMessage } from './DiagnosticsChannel.js';

const staleChannel = diagnostics_channel.channel(DiagnosticsChannel.Stale);

/**
 * Publishes on `vaultly:stale` that a stale value was served after a failed refresh. With no
 * subscriber it costs one `hasSubscribers` check and builds nothing.
 */
export function publishStale(model: string, field: string, path: string, error: unknown): void {
  if (!staleChannel.hasSubscribers) return;
  const message: StaleMessage = { model, field, path, error };
  staleChannel.publish(message);
}
