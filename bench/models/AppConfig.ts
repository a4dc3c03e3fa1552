import 'reflect-metadata';
import { Secret, SecretModel } from 'vaultly';

/** The secrets of {@link AppConfig}, by path: ten 32-character values. */
export const APP_SECRETS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    ['apiKey', 'dbPassword', 'dbUser', 'redisUrl', 'jwtSecret', 'smtpPassword', 'sentryDsn', 'stripeKey', 'githubToken', 'slackWebhook'].map(
      (name, i) => [`/bench/app/${name}`, `${name}-value-`.padEnd(28, 'x') + String(1000 + i)],
    ),
  ),
);

/** A typical application config: ten string secrets, none expiring. */
@SecretModel()
export class AppConfig {
  @Secret('/bench/app/apiKey') apiKey!: string;
  @Secret('/bench/app/dbPassword') dbPassword!: string;
  @Secret('/bench/app/dbUser') dbUser!: string;
  @Secret('/bench/app/redisUrl') redisUrl!: string;
  @Secret('/bench/app/jwtSecret') jwtSecret!: string;
  @Secret('/bench/app/smtpPassword') smtpPassword!: string;
  @Secret('/bench/app/sentryDsn') sentryDsn!: string;
  @Secret('/bench/app/stripeKey') stripeKey!: string;
  @Secret('/bench/app/githubToken') githubToken!: string;
  @Secret('/bench/app/slackWebhook') slackWebhook!: string;
}
