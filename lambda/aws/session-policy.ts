/**
 * Session policies for member-role sessions: an inline policy passed to AssumeRole (`Policy`) that
 * limits the session to the intersection of the member role's permissions and these actions. The
 * member role may carry UpdateRoom (`remediation=apply`) and BatchImportFindings (`securityHub`); a
 * session that only reads rooms, or only imports findings, gets no more than that whatever the role
 * grants. The action lists are the ones the stack grants (lib/auditor/permissions.ts imports them),
 * so what a session may do and what a role is given cannot drift apart.
 */

/** The room reads of an audit: listing and reading rooms. */
export const CHAT_ROOM_READ_ACTIONS = ['ivschat:ListRooms', 'ivschat:GetRoom'] as const;

/** The logging configurations joined into the rooms (policy `logging-active`). */
export const CHAT_LOGGING_READ_ACTIONS = ['ivschat:ListLoggingConfigurations'] as const;

/** The IaC drift check's stack reads (setting `iacDrift`), granted only with it on. */
export const STACK_TEMPLATE_READ_ACTIONS = [
  'cloudformation:DescribeStacks',
  'cloudformation:GetTemplate',
] as const;

/** What the Security Hub sink calls in a finding's own account. */
export const FINDINGS_IMPORT_ACTIONS = ['securityhub:BatchImportFindings'] as const;

/** Everything the change path calls in a member account through the member role: reads only. */
export const CHANGE_PATH_MEMBER_ACTIONS = [...CHAT_ROOM_READ_ACTIONS, ...CHAT_LOGGING_READ_ACTIONS] as const;

/** STS's limit on an inline session policy's plain text. */
export const SESSION_POLICY_MAX_CHARS = 2048;

/**
 * The inline session policy allowing exactly `actions` (on any resource: the role's own policy
 * already scopes resources, and a session policy can only narrow it).
 */
export function sessionPolicy(actions: readonly string[]): string {
  if (actions.length === 0) throw new Error('a session policy needs at least one action');
  const document = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...actions], Resource: '*' }],
  });
  if (document.length > SESSION_POLICY_MAX_CHARS) {
    throw new Error(
      `session policy of ${document.length} characters exceeds STS's ${SESSION_POLICY_MAX_CHARS}`,
    );
  }
  return document;
}
