import { readFile, writeFile } from 'node:fs/promises';
import type { RemediationPlan } from '../audit/remediation-plan.js';
import { parseRoomArn } from '../core/arn.js';
import { InputError } from '../core/errors.js';
import { EMPTY_FILE, fileProblem, isEmptyText } from '../core/file-problem.js';
import { isFixField } from '../core/fix.js';

/** Saves a plan (`remediate --plan FILE`) so the plan reviewed is the plan applied. */
export async function writePlanFile(path: string, plan: RemediationPlan): Promise<void> {
  await writeFile(path, `${JSON.stringify(plan, null, 2)}\n`, 'utf8');
}

/** Reads a saved plan; anything that is not one is refused naming the file and the JSON pointer. */
export async function readPlanFile(path: string): Promise<RemediationPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InputError(`--plan ${path}: ${fileProblem(cause)}`, { cause });
  }
  if (isEmptyText(text)) throw new InputError(`--plan ${path}: ${EMPTY_FILE}; not a plan this tool wrote`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new InputError(
      `--plan ${path}: not JSON; not a plan this tool wrote (remediate --plan FILE writes one)`,
      {
        cause,
      },
    );
  }
  const fail = (pointer: string, detail: string): never => {
    throw new InputError(`--plan ${path} ${pointer}: ${detail}; not a plan this tool wrote`);
  };
  const plan = data as Partial<RemediationPlan> | null;
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) fail('/', 'not an object');
  if (typeof plan?.plannedAt !== 'string') fail('/plannedAt', 'missing');
  if (!Number.isInteger(plan?.roomsAudited) || (plan?.roomsAudited ?? -1) < 0) {
    fail('/roomsAudited', 'not a whole number ≥ 0');
  }
  if (!Array.isArray(plan?.changes)) fail('/changes', 'not an array');
  (plan?.changes ?? []).forEach((change, i) => {
    const at = `/changes/${i}`;
    for (const key of ['changeId', 'policyId', 'accountId', 'region', 'roomArn'] as const) {
      if (typeof change?.[key] !== 'string') fail(`${at}/${key}`, 'not a string');
    }
    const arn = parseRoomArn(change.roomArn);
    if (!arn) fail(`${at}/roomArn`, 'not an IVS Chat room ARN');
    if (arn?.region !== change.region) fail(`${at}/region`, `not the region of ${change.roomArn}`);
    for (const key of ['before', 'after'] as const) {
      const values = change[key];
      if (typeof values !== 'object' || values === null) fail(`${at}/${key}`, 'not an object');
      const field = Object.keys(values).find((f) => !isFixField(f));
      if (field !== undefined) fail(`${at}/${key}/${field}`, 'not a field UpdateRoom sets');
    }
  });
  const read = plan as RemediationPlan;
  return { ...read, skipped: Array.isArray(read.skipped) ? read.skipped : [] };
}
