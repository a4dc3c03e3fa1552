import diagnostics_channel from 'node:diagnostics_channel';
import { DiagnosticsChannel, type ChangeMessage } from './DiagnosticsChannel.js';

const changeChannel = diagnostics_channel.channel(DiagnosticsChannel.Change);

/** What {@link publishChange} takes: an `onChange` event, whose `model` may be the instance. */
export interface ChangeEventLike {
  readonly model: object | string;
  readonly field: string;
  readonly path: string;
  readonly version?: number | string | undefined;
}

/**
 * Publishes a stored change on `vaultly:change`, to be called wherever an `onChange` event is
 * emitted. The channel is global, so a model instance is never handed to it (a subscriber could
 * read its secrets through it): `model` goes out as the class name. With no subscriber it costs
 * one `hasSubscribers` check.
 *
 * @example
 * ```ts
 * publishChange({ model: config, field: 'password', path: '/prod/db/password', version: undefined });
 * ```
 */
export function publishChange(event: ChangeEventLike): void {
  if (!changeChannel.hasSubscribers) return;
  const { model, field, path, version } = event;
  const message: ChangeMessage = { model: typeof model === 'string' ? model : model.constructor.name, field, path, version };
  changeChannel.publish(message);
}
