/**
 * The checks of the settings' values (`lambda/settings/table.ts` names which setting uses which), and
 * the limits and words they check against. Each returns why a value is invalid, or undefined.
 */
import { ACCOUNT_ID, isRegionName } from '../core/arn.js';

/** A check that a value matches an id's pattern, naming the id and an example of it. */
export const idCheck = (pattern: RegExp, what: string, example: string) => (value: string) =>
  pattern.test(value) ? undefined : `"${value}" is not a ${what} (e.g. ${example})`;

/** The stack's name for the one region check (`lambda/core/arn.ts`), kept for its callers. */
export const isRegion = isRegionName;

export const checkRegion = (region: string) =>
  isRegion(region) ? undefined : `"${region}" is not a region name (e.g. us-east-1)`;

// Deliberately simple: one @, a dotted domain, no spaces. SNS sends a confirmation anyway.
export const checkEmail = (email: string) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254
    ? undefined
    : `"${email}" is not an email address`;

/** The `accounts` value that means every ACTIVE account of the organization. */
export const ORGANIZATION = 'organization';

/** Whether a parsed `accounts` value means the whole organization. */
export const isOrganization = (accounts: readonly string[]): boolean =>
  accounts.length === 1 && accounts[0] === ORGANIZATION;

export const checkAccountId = idCheck(ACCOUNT_ID, '12-digit account id', '123456789012');

export const checkAccount = (item: string) =>
  ACCOUNT_ID.test(item) || item === ORGANIZATION
    ? undefined
    : `"${item}" is not a 12-digit account id (or "${ORGANIZATION}" alone)`;

/**
 * Lambda allows 4 KB of environment variables in all; the list goes there (AUDIT_ACCOUNTS), 13 bytes
 * an account. Past this, `organization` (every ACTIVE account) is the way.
 */
export const MAX_LISTED_ACCOUNTS = 200;

export const checkAccounts = (items: readonly string[]) =>
  items.includes(ORGANIZATION) && items.length > 1
    ? `"${ORGANIZATION}" already means every account; give it alone, without account ids`
    : items.length > MAX_LISTED_ACCOUNTS
      ? `${items.length} accounts do not fit the function's environment (at most ${MAX_LISTED_ACCOUNTS}); use "${ORGANIZATION}" to audit every ACTIVE account`
      : undefined;

/**
 * Principals beyond the auditor that the member role may trust (`memberTrustedPrincipals`): each
 * trust costs its ARN in the role's trust policy, which IAM limits to 2,048 characters by default.
 */
export const MAX_MEMBER_TRUSTED_PRINCIPALS = 5;

const TRUSTED_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/([!-~]+\/)?[\w+=,.@-]{1,64}$/;

/**
 * An IAM role or user named exactly: a wildcard would trust whoever may create a matching role, an
 * account (its root) every principal of it allowed to call sts:AssumeRole, a session only until it ends.
 */
export const checkTrustedPrincipal = (item: string) =>
  /[*?]/.test(item)
    ? `"${item}" has a wildcard; name each role or user exactly (a wildcard trusts whoever can create a matching one)`
    : /^\d{12}$|^arn:aws[a-z-]*:iam::\d{12}:root$/.test(item)
      ? `"${item}" is a whole account, which would trust every principal in it that may call sts:AssumeRole; name the role or user`
      : /^arn:aws[a-z-]*:sts::/.test(item)
        ? `"${item}" is a session; name its role (arn:aws:iam::<account>:role/<name>)`
        : TRUSTED_PRINCIPAL_ARN.test(item)
          ? undefined
          : `"${item}" is not an IAM role or user ARN (e.g. arn:aws:iam::111111111111:role/ops-audit)`;

export const checkTrustedPrincipals = (items: readonly string[]) =>
  items.length > MAX_MEMBER_TRUSTED_PRINCIPALS
    ? `${items.length} principals; at most ${MAX_MEMBER_TRUSTED_PRINCIPALS} fit the member role's trust policy (IAM's default 2,048 characters): give them one role to assume`
    : undefined;

/** The bus every account has, or a bus ARN (events go to that bus's region). */
export const checkEventBus = (value: string) =>
  value === 'default' ||
  /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[.\-_A-Za-z0-9]{1,256}$/.test(value)
    ? undefined
    : `"${value}" is neither "default" nor an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`;

/**
 * The opt-in tag of `remediationTag`: `key=value`, as IAM's `aws:ResourceTag/<key>` condition and the
 * IVS Chat tag rules take them (key 1–128, value 0–256 characters; no `aws:` prefix, which is reserved).
 */
export function parseTag(value: string): { key: string; value: string } | undefined {
  const at = value.indexOf('=');
  if (at < 0) return undefined;
  const key = value.slice(0, at).trim();
  const tagValue = value.slice(at + 1).trim();
  const chars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  if (key.length < 1 || key.length > 128 || tagValue.length > 256) return undefined;
  if (!chars.test(key) || !chars.test(tagValue) || key.toLowerCase().startsWith('aws:')) return undefined;
  return { key, value: tagValue };
}

export const checkTag = (value: string) =>
  parseTag(value)
    ? undefined
    : `"${value}" is not a tag as key=value (key 1–128 characters, not starting with aws:; value up to 256)`;

/**
 * The retention periods CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`; aws-cdk-lib's
 * `RetentionDays` less INFINITE, checked by test/cdk/settings.test.ts).
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The `reportBucket` value that makes the stack create the report bucket (see `checkReportBucket`). */
export const CREATE_BUCKET = 'create';

/**
 * A general purpose bucket's name as S3 takes it: 3–63 of lowercase letters, digits, `.` and `-`,
 * starting and ending with a letter or digit, no `..`, not shaped like an IP address, none of the
 * prefixes and suffixes S3 reserves. (A bucket literally named `create` exists already, owned by
 * someone else, so the word is free to mean "create one".)
 */
export function checkBucketName(name: string): string | undefined {
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name);
  return valid
    ? undefined
    : `"${name}" is not an S3 bucket name (3–63 of a-z, 0-9, "." and "-"; e.g. my-audit-reports)`;
}

export const checkReportBucket = (value: string) =>
  value === CREATE_BUCKET ? undefined : checkBucketName(value);
