/**
 * `ivschat-audit export-rooms`: every room's GetRoom document to a file `audit --input` reads, live
 * (ListRooms and GetRoom) or from the deployed auditor's state table (`--from-table`).
 */
import { dynamodbClient } from '../../aws/clients.js';
import { ConfigError } from '../../core/errors.js';
import { stripControl } from '../../render/escape.js';
import { StateTable } from '../../state/table.js';
import { checkAccounts } from '../accounts.js';
import type { CliCommand, CommandContext } from '../command.js';
import { checkCredentials } from '../credentials.js';
import { EXIT } from '../exit-codes.js';
import { exportRooms } from '../export-rooms.js';
import { exportSnapshot } from '../export-snapshot.js';
import type { SafeIo } from '../io.js';
import { CLI_CONNECTION, checkRegionFlags, type LiveFlags, liveSettings } from '../live-flags.js';
import { HOW_LONG, option, ownOption } from '../options.js';
import { STDOUT, writablePath } from '../paths.js';
import { runLive } from '../run-bound.js';

export interface ExportFlags extends LiveFlags {
  output: string;
  fromTable?: string;
  account: string[];
}

export function exportRoomsCommand({ io }: CommandContext): CliCommand<ExportFlags> {
  return {
    name: 'export-rooms',
    description:
      "save every room's GetRoom document to a file that `audit --input` reads (live via AWS or --endpoint)",
    inputs: {
      output: ownOption(
        '-o, --output <rooms.json>',
        'the file to write: { "rooms": [GetRoom documents], "regions": [the regions exported] }',
        { required: true },
      ),
      region: option('region', 'region to export (repeat for several; default $AWS_REGION)'),
      endpoint: option('endpoint'),
      apiBudget: option('apiBudget'),
      timeout: option('timeout', 'stop the whole export after this long'),
      fromTable: ownOption(
        '--from-table <table>',
        "no IVS Chat call: the rooms the deployed auditor's last complete audits saw, from its state table " +
          '(in $AWS_REGION; needs only dynamodb:Query on it); --region then filters (default: every region)',
      ),
      account: option('account', 'with --from-table: only this account (repeat for several)'),
    },
    helpAfter:
      `\n${HOW_LONG}\n` +
      '\nAn incomplete export (API errors, --timeout, Ctrl-C) writes what it got to <rooms.json>.partial,\n' +
      'leaves <rooms.json> as it was, and exits 3: `audit --input` takes its file as every room there is.\n' +
      '\nExamples:\n' +
      '  $ ivschat-audit export-rooms --region us-east-1 -o rooms.json && ivschat-audit audit --input rooms.json\n' +
      '  $ AWS_REGION=us-east-1 ivschat-audit export-rooms --from-table <state table> -o rooms.json',
    run: (flags) => exportCommand(flags, io),
  };
}

/** Exit 0 when every room was written, 3 when the export is incomplete (nothing then replaces the file). */
export async function exportCommand(flags: ExportFlags, io: SafeIo): Promise<number> {
  if (flags.fromTable) return exportFromTable(flags, flags.fromTable, io);
  if (flags.account.length > 0) {
    throw new ConfigError(
      '--account',
      "only with --from-table (a live export reads the credentials' account)",
    );
  }
  const live = liveSettings(flags, io.env);
  refuseStdout(flags.output);
  await writablePath('--output', flags.output);
  await checkCredentials(live.connection);
  const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, (signal, onProgress) =>
    exportRooms({ ...live, output: flags.output, signal, ...(onProgress ? { onProgress } : {}) }),
  );
  for (const e of result.errors) {
    const room = e.roomArn ? ` ${e.roomArn}` : '';
    io.stderr(`error: ${stripControl(`${e.region} ${e.operation}${room}: ${e.code} ${e.message}`)}\n`);
  }
  const rooms = result.rooms === 1 ? '1 room' : `${result.rooms} rooms`;
  io.stdout(`${rooms} from ${live.regions.join(', ')} written to ${result.path}\n`);
  if (result.complete) return EXIT.clean;
  io.stderr(`error: export incomplete${stopped ? ` (${stopped})` : ''}: ${flags.output} was not written\n`);
  return EXIT.incomplete;
}

async function exportFromTable(flags: ExportFlags, tableName: string, io: SafeIo): Promise<number> {
  checkRegionFlags(flags.region);
  const accounts = checkAccounts(flags.account);
  if (flags.endpoint && !URL.canParse(flags.endpoint)) {
    throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:8000)`);
  }
  const tableRegion = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? '';
  if (!tableRegion) throw new ConfigError('AWS_REGION', "is not set: it names the state table's region");
  refuseStdout(flags.output);
  await writablePath('--output', flags.output);
  const connection = { ...CLI_CONNECTION, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) };
  await checkCredentials(connection);
  const client = dynamodbClient(tableRegion, connection);
  try {
    const result = await exportSnapshot({
      store: new StateTable(client, tableName).roomSnapshots(),
      accounts,
      regions: [...new Set(flags.region)],
      output: flags.output,
    });
    for (const s of result.snapshots) {
      io.stderr(`${s.accountId}/${s.region}: ${s.rooms} room(s) as of ${s.takenAt}\n`);
    }
    if (result.snapshots.length === 0) {
      io.stderr(
        `error: state table ${tableName} holds no room snapshot${accounts.length || flags.region.length ? ' for the accounts and regions asked' : ''}: the auditor writes one after each complete audit of a target\n`,
      );
    }
    const missing = result.missing.join(', ');
    if (missing) io.stderr(`${result.complete ? 'note' : 'error'}: no snapshot of ${missing}\n`);
    const rooms = result.rooms === 1 ? '1 room' : `${result.rooms} rooms`;
    const covered = result.regions.length > 0 ? ` (complete for ${result.regions.join(', ')})` : '';
    io.stdout(`${rooms} from state table ${tableName} written to ${result.path}${covered}\n`);
    if (result.complete) return EXIT.clean;
    io.stderr(`error: export incomplete: ${flags.output} was not written\n`);
    return EXIT.incomplete;
  } finally {
    client.destroy();
  }
}

/**
 * export-rooms writes a file only: an incomplete export goes to `<file>.partial` so it is never
 * taken for every room there is, and stdout cannot be set aside like that.
 */
function refuseStdout(output: string): void {
  if (output === STDOUT) {
    throw new ConfigError(
      '--output',
      '- (standard output) is not supported by export-rooms: an incomplete export is kept apart as <file>.partial, which stdout cannot be; name a file',
    );
  }
}
