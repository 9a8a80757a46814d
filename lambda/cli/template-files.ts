/**
 * Reads what `ivschat-audit template` is given: template files (CloudFormation JSON or YAML, or a
 * `terraform show -json` plan) and cdk.out folders (every stack of the assembly's manifest, nested
 * stages included). The translation is lambda/iac's; this file only finds and reads the files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import { type AssemblyStack, assemblyContents, MANIFEST_FILE } from '../iac/cloud-assembly.js';
import type { DeclaredRoom } from '../iac/declared-room.js';
import { declaredRoomsIn, type StackFacts } from '../iac/declared-rooms.js';
import { parseTemplateText } from '../iac/parse-template.js';

/** A template larger than this is refused unread (CloudFormation's own limit is 1 MB; plans run larger). */
export const MAX_TEMPLATE_BYTES = 64 * 1024 * 1024;

/** The deploy target to assume where a template does not name one (`--account`, `--region`). */
export interface AssumedTarget {
  accountId?: string;
  region?: string;
  /** `--stack-name`: the stack a template read on its own deploys as (one such template only). */
  stackName?: string;
  /** Paths in room identities are relative to this folder (default: the process's). */
  cwd?: string;
}

export async function readDeclaredRooms(
  paths: readonly string[],
  assumed: AssumedTarget,
): Promise<DeclaredRoom[]> {
  const rooms: DeclaredRoom[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((cause: unknown) => {
      throw new InputError(`${path}: ${fileProblem(cause, 'file')}`, { cause });
    });
    if (info.isDirectory()) rooms.push(...(await assemblyRooms(path, assumed, new Set())));
    else if (basename(path) === MANIFEST_FILE)
      rooms.push(...(await assemblyRooms(dirname(path), assumed, new Set())));
    else rooms.push(...declaredRoomsIn(await readText(path), path, looseTemplateStack(path, assumed)));
  }
  refuseSameIdentity(rooms);
  return rooms;
}

/**
 * A template read on its own: its stack is named at deploy, so unless --stack-name names it the
 * stack part of its rooms' identities is the file's path (relative, `/`-separated), which keeps
 * `svc-a/template.yaml` and `svc-b/template.yaml` apart in findings, fingerprints and SARIF, and
 * `AWS::StackName` stays unknown.
 */
function looseTemplateStack(path: string, assumed: AssumedTarget): StackFacts {
  const { stackName, cwd, ...target } = assumed;
  if (stackName) return { stackName, ...target };
  const relativePath = relative(cwd ?? process.cwd(), resolve(path))
    .split(sep)
    .join('/');
  // `./chat` rather than `chat`: a path never reads as a stack name (exemptions tell them apart).
  const named = /^[A-Za-z][-A-Za-z0-9]*$/.test(relativePath) ? `./${relativePath}` : relativePath;
  return { stackName: named, stackNamedAtDeploy: true, ...target };
}

/** Two declarations under one identity would share findings, exemptions and SARIF locations. */
function refuseSameIdentity(rooms: readonly DeclaredRoom[]): void {
  const seen = new Map<string, DeclaredRoom>();
  for (const room of rooms) {
    const first = seen.get(room.identity);
    if (first) {
      throw new InputError(
        `${room.identity} is declared twice (${first.file}:${first.line} and ${room.file}:${room.line}); audit them in separate runs`,
      );
    }
    seen.set(room.identity, room);
  }
}

/** Every stack of a cdk.out folder, with the environment CDK wrote for it (else the assumed one). */
async function assemblyRooms(
  dir: string,
  assumed: AssumedTarget,
  seen: Set<string>,
): Promise<DeclaredRoom[]> {
  const manifestFile = join(dir, MANIFEST_FILE);
  if (seen.has(manifestFile)) return [];
  seen.add(manifestFile);
  const text = await readText(manifestFile).catch((error: unknown) => {
    throw error instanceof InputError
      ? new InputError(`${dir}: a folder, but not a cdk.out cloud assembly (${error.message})`, {
          cause: error,
        })
      : error;
  });
  const { stacks, nested } = assemblyContents(parseTemplateText(text, manifestFile).value, manifestFile);
  const rooms: DeclaredRoom[] = [];
  for (const stack of stacks) {
    const file = join(dir, stack.templateFile);
    const facts: StackFacts = {
      stackName: stack.stackName,
      ...(stack.tags ? { stackTags: stack.tags } : {}),
      ...((stack.accountId ?? assumed.accountId) ? { accountId: stack.accountId ?? assumed.accountId } : {}),
      ...((stack.region ?? assumed.region) ? { region: stack.region ?? assumed.region } : {}),
    };
    rooms.push(...declaredRoomsIn(await readText(file), file, facts));
  }
  rooms.push(...(await nestedStackRooms(dir, stacks, assumed)));
  for (const folder of nested) rooms.push(...(await assemblyRooms(join(dir, folder), assumed, seen)));
  return rooms;
}

/** CDK writes a NestedStack's template beside its parent's, as an asset, not a stack of the manifest. */
const NESTED_TEMPLATE = '.nested.template.json';

/**
 * The rooms of the assembly's nested stacks. CloudFormation names a nested stack when it creates it,
 * so each is named after its file; it deploys to its parent's environment, taken when every stack of
 * the assembly shares one.
 */
async function nestedStackRooms(
  dir: string,
  stacks: readonly AssemblyStack[],
  assumed: AssumedTarget,
): Promise<DeclaredRoom[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(NESTED_TEMPLATE)).sort();
  const shared = (pick: (s: AssemblyStack) => string | undefined) => {
    const values = new Set(stacks.map(pick));
    const [only] = values;
    return values.size === 1 ? only : undefined;
  };
  const accountId = shared((s) => s.accountId) ?? assumed.accountId;
  const region = shared((s) => s.region) ?? assumed.region;
  const rooms: DeclaredRoom[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const stackName = name.slice(0, -NESTED_TEMPLATE.length);
    rooms.push(
      ...declaredRoomsIn(await readText(file), file, {
        stackName,
        stackNamedAtDeploy: true,
        ...(accountId ? { accountId } : {}),
        ...(region ? { region } : {}),
      }),
    );
  }
  return rooms;
}

async function readText(file: string): Promise<string> {
  const info = await stat(file).catch((cause: unknown) => {
    throw new InputError(`${file}: ${fileProblem(cause, 'file')}`, { cause });
  });
  if (!info.isFile()) throw new InputError(`${file}: not a regular file`);
  if (info.size > MAX_TEMPLATE_BYTES) {
    throw new InputError(
      `${file}: ${info.size} bytes, more than the ${MAX_TEMPLATE_BYTES} a template may have`,
    );
  }
  return readFile(file, 'utf8');
}
