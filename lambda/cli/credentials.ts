import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { type AwsConnection, signsWithDefaultChain } from '../aws/clients.js';
import { ConfigError } from '../core/errors.js';

const HOW_TO =
  'set AWS_PROFILE to a profile of ~/.aws/config (after `aws sso login` for SSO), run `aws configure`, ' +
  'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); ' +
  'against the local emulator pass --endpoint http://127.0.0.1:4566, which needs none';

/**
 * Finds the credentials a live command will sign with before its first call. Without it, a machine
 * with none configured runs the whole audit to report the SDK's "Could not load credentials from
 * any providers" once per call, as an incomplete audit (exit 3); it is a set-up problem (exit 2),
 * said once, with what to configure.
 */
export async function checkCredentials(connection: AwsConnection): Promise<void> {
  if (!signsWithDefaultChain(connection)) return;
  try {
    await defaultProvider()();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError('AWS credentials', `cannot be loaded (${detail}): ${HOW_TO}`);
  }
}
