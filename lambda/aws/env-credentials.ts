/**
 * The Lambda bundle's stand-in for `@aws-sdk/credential-provider-node` (an esbuild alias, set in
 * lib/function-runtime.ts). Lambda hands the function its role's credentials in the environment, so
 * the default chain's other sources (SSO, profiles, `credential_process`, instance metadata: ~250 KB
 * of minified bundle) are never reached there. The CLI and the tests keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): AwsCredentialIdentityProvider =>
  fromEnv(init);
