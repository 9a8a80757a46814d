/**
 * npm run local-aws -- [--port 4566] [--seed local-aws/seed-rooms.json] [--no-quotas] [--quota-scale N] ...
 * Runs the local AWS emulator until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { startLocalAws } from './server.js';

const HELP = `local-aws: an in-repo emulator of IVS Chat, SNS, STS and Organizations for the real AWS SDK clients.

Usage: npm run local-aws -- [options]

Options:
  --port N                port to listen on (default 4566; 0 = any free port)
  --host H                address to bind (default 127.0.0.1)
  --seed FILE             JSON file of rooms (and logging configurations) to start with
                          (e.g. local-aws/seed-rooms.json)
  --account ID            an extra account (12 digits) besides 000000000000 (repeatable)
  --suspended-account ID  an extra account listed as SUSPENDED; AssumeRole into it is denied (repeatable)
  --deny-assume-role ID   STS AssumeRole into account ID answers AccessDenied (repeatable)
  --no-quotas             never throttle
  --quota-scale N         multiply every TPS quota by N (default 1)
  --latency MS            add MS milliseconds to every AWS request
  --error-rate R          answer a 5xx to a fraction R (0-1) of IVS Chat requests (deterministic)
  --error-seed N          seed for --error-rate (default 1)
  --access-denied REGION  every IVS Chat call in REGION answers AccessDeniedException (repeatable)
  --verbose               log one line per AWS request
  --help                  show this help
`;

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      account: { type: 'string', multiple: true },
      'suspended-account': { type: 'string', multiple: true },
      'deny-assume-role': { type: 'string', multiple: true },
      'no-quotas': { type: 'boolean' },
      'quota-scale': { type: 'string' },
      latency: { type: 'string' },
      'error-rate': { type: 'string' },
      'error-seed': { type: 'string' },
      'access-denied': { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }

  const quotaScale = num('quota-scale', values['quota-scale']);
  const errorRate = num('error-rate', values['error-rate']);
  const errorSeed = num('error-seed', values['error-seed']);
  const aws = await startLocalAws({
    port: num('port', values.port) ?? 4566,
    host: values.host ?? '127.0.0.1',
    ...(values.seed ? { seed: values.seed } : {}),
    accounts: [
      ...(values.account ?? []),
      ...(values['suspended-account'] ?? []).map((id) => ({ id, status: 'SUSPENDED' as const })),
    ],
    quotas: { enabled: !values['no-quotas'], ...(quotaScale !== undefined ? { scale: quotaScale } : {}) },
    latencyMs: num('latency', values.latency) ?? 0,
    faults: {
      ...(errorRate !== undefined ? { serverErrorRate: errorRate } : {}),
      ...(errorSeed !== undefined ? { seed: errorSeed } : {}),
      ...(values['access-denied'] ? { accessDeniedRegions: values['access-denied'] } : {}),
      ...(values['deny-assume-role'] ? { assumeRoleDeniedAccounts: values['deny-assume-role'] } : {}),
    },
    ...(values.verbose ? { log: (line: string) => console.log(`${new Date().toISOString()} ${line}`) } : {}),
  });

  const counts = new Map<string, number>();
  for (const room of aws.rooms()) counts.set(room.region, (counts.get(room.region) ?? 0) + 1);
  const seeded = [...counts].map(([region, n]) => `${n} in ${region}`).join(', ') || 'none';
  const loggingConfigurations = aws.loggingConfigurations().length;
  const accountIds = aws.accounts().map((a) => (a.status === 'ACTIVE' ? a.id : `${a.id} (${a.status})`));
  const e = aws.endpoint;
  console.log(`local-aws listening on ${e}  (rooms: ${seeded}; logging configurations: ${loggingConfigurations}; quotas ${values['no-quotas'] ? 'off' : `on ×${quotaScale ?? 1}`})
Accounts: ${accountIds.join(', ')}  (sts assume-role --role-arn arn:aws:iam::<account>:role/<name> to act as one)

Point the AWS SDK at it (any dummy credentials; the region comes from the client):
  new IvschatClient({ endpoint: '${e}', region: 'us-east-1',
                      credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
Or the AWS CLI:
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
  aws --endpoint-url ${e} ivschat list-rooms
  aws --endpoint-url ${e} sts get-caller-identity
  (or export AWS_ENDPOINT_URL=${e} for every client)

Inspect:  curl ${e}/_local/sns/published   curl ${e}/_local/stats   curl ${e}/_local/rooms
          curl ${e}/_local/logging-configurations
Ctrl-C to stop.`);

  const stop = () => {
    aws.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`local-aws: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
  process.exit(1);
});
