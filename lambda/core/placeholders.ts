/**
 * The placeholders a policy's `remediation` may hold. Outputs fill them from the finding; policy
 * loading refuses any other `{word}` so a misspelt placeholder never reaches an alert unfilled.
 */
export const REMEDIATION_PLACEHOLDERS = ['arn', 'id', 'name', 'region', 'accountId'] as const;
export type RemediationPlaceholder = (typeof REMEDIATION_PLACEHOLDERS)[number];
