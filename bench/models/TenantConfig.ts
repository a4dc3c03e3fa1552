import 'reflect-metadata';
import { inject } from 'inversify';
import { Secret, SecretModel } from 'vaultly';

/** Token of the tenant name each {@link TenantConfig} is made for. */
export const TENANT = Symbol('bench.tenant');

/** The ten field names of {@link TenantConfig}. */
export const TENANT_FIELDS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'] as const;

/** A ten-field model whose paths depend on its tenant, so that many instances share one cache. */
@SecretModel({ validate: 'fetch' })
export class TenantConfig {
  constructor(@inject(TENANT) readonly tenant: string) {}
  @Secret('/bench/{tenant}/k0') k0!: string;
  @Secret('/bench/{tenant}/k1') k1!: string;
  @Secret('/bench/{tenant}/k2') k2!: string;
  @Secret('/bench/{tenant}/k3') k3!: string;
  @Secret('/bench/{tenant}/k4') k4!: string;
  @Secret('/bench/{tenant}/k5') k5!: string;
  @Secret('/bench/{tenant}/k6') k6!: string;
  @Secret('/bench/{tenant}/k7') k7!: string;
  @Secret('/bench/{tenant}/k8') k8!: string;
  @Secret('/bench/{tenant}/k9') k9!: string;
}
