/**
 * The IAM roles whose IVS Chat writes are the auditor's own remediation, as the full role ARNs
 * CloudTrail records in `sessionIssuer.arn` (path included). Built from the same names the auditor
 * uses to act: the member role's ARN is the one it assumes (`memberRoleArn`), so the role it writes
 * with and the role it recognises cannot drift apart.
 */
import { memberRoleArn } from '../../aws/targets.js';
import type { ParseOptions } from './events.js';

export interface OwnRoles {
  /**
   * The audit function's role (FUNCTION_ROLE_NAME: the role remediation writes with in the auditor's
   * own account), optionally with its path ("path/name"); undefined or '' for none. The stack's role
   * has no path.
   */
  functionRoleName?: string | undefined;
  /**
   * The audit function role's full ARN (FUNCTION_ROLE_ARN, set by the stack): when present it is
   * used as it is, path and partition included, instead of an ARN built from the name.
   */
  functionRoleArn?: string | undefined;
  /** The auditor's account: the function role lives there. */
  selfAccountId: string;
  /** The member role, assumed in each audited account; may carry a path ("auditing/name"). */
  memberRoleName: string;
}

export function ownRoleArns(own: OwnRoles): ParseOptions['ownRoleArns'] {
  const functionRole = own.functionRoleName?.replace(/^\/+/, '');
  return (accountId, partition) => [
    ...(own.functionRoleArn
      ? [own.functionRoleArn]
      : functionRole && own.selfAccountId
        ? [`arn:${partition}:iam::${own.selfAccountId}:role/${functionRole}`]
        : []),
    memberRoleArn(accountId, { roleName: own.memberRoleName, partition }),
  ];
}
