/**
 * The rooms one template file declares, whatever its kind: a `terraform show -json` plan, or a
 * CloudFormation template in JSON or YAML. Pure: the file's text in (cli/template-files.ts reads it).
 */

import { InputError } from '../core/errors.js';
import { EMPTY_FILE, isEmptyText } from '../core/file-problem.js';
import { cloudFormationRooms } from './cfn-rooms.js';
import type { DeclaredRoom } from './declared-room.js';
import { parseTemplateText } from './parse-template.js';
import { isTerraformPlan, terraformRooms } from './terraform-rooms.js';

/** What is known of the stack a CloudFormation template deploys (a plan names none). */
export interface StackFacts {
  /** The stack's name, or for a template not named by a manifest or --stack-name, its path. */
  stackName: string;
  /** The stack is named at deploy: `AWS::StackName` is unknown. */
  stackNamedAtDeploy?: boolean;
  /** The stack's tags, which CloudFormation propagates to the room (its own tags win). */
  stackTags?: Record<string, string>;
  accountId?: string;
  region?: string;
}

export function declaredRoomsIn(text: string, file: string, stack: StackFacts): DeclaredRoom[] {
  if (isEmptyText(text)) throw new InputError(`${file}: ${EMPTY_FILE}`);
  const { value, lines } = parseTemplateText(text, file);
  if (isTerraformPlan(value)) {
    return terraformRooms(value, file, lines, {
      ...(stack.accountId ? { accountId: stack.accountId } : {}),
      ...(stack.region ? { region: stack.region } : {}),
    });
  }
  return cloudFormationRooms(value, { file, lines, ...stack });
}

/**
 * The stack name of a template file read on its own: its name without the extensions CDK and
 * people give templates (`Chat.template.json` → `Chat`), as `cdk synth` names the file after the stack.
 */
export function stackNameOfFile(fileName: string): string {
  return fileName.replace(/(\.template)?\.(json|ya?ml|template)$/i, '') || fileName;
}
