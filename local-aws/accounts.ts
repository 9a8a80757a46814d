/**
 * The accounts the emulator serves and the sessions STS AssumeRole has minted.
 * A request acts as the account of its SigV4 access key id: a key minted here maps back to its
 * session; any other key (plain test credentials) acts as the default account, the organization's
 * management account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ACCOUNT_ID } from './http.js';
import type { SessionPolicy } from './session-policy.js';

export type AccountStatus = 'ACTIVE' | 'SUSPENDED';

/** An account to add: just its id, or the id with what ListAccounts should show for it. */
export interface AccountSeed {
  id: string;
  name?: string;
  email?: string;
  /** Default ACTIVE. AssumeRole into a SUSPENDED account fails with AccessDenied. */
  status?: AccountStatus;
}

export interface AccountInfo {
  id: string;
  name: string;
  email: string;
  status: AccountStatus;
  /** ISO time; stable so that ListAccounts answers the same on every run. */
  joinedTimestamp: string;
}

/** Who signed a request. */
export interface Caller {
  accountId: string;
  /** IAM user ARN, or the sts assumed-role ARN of a minted session. */
  arn: string;
  userId: string;
  /** The role a minted session was assumed from, path included (CloudTrail's `sessionIssuer.arn`). */
  roleArn?: string;
  /** The session policy AssumeRole was given: the session may do no more than it allows. */
  sessionPolicy?: SessionPolicy;
}

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId: string;
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>` */
  assumedRoleArn: string;
  /** `AROA…:<session name>` */
  assumedRoleId: string;
  sessionPolicy?: SessionPolicy;
}

const ACCOUNT_ID_PATTERN = /^\d{12}$/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// 2024-01-01T00:00:00Z: a fixed join date keeps ListAccounts answers reproducible.
const JOINED_BASE_MS = Date.UTC(2024, 0, 1);

export const DEFAULT_CALLER: Caller = {
  accountId: ACCOUNT_ID,
  arn: `arn:aws:iam::${ACCOUNT_ID}:user/local-aws`,
  userId: 'AIDALOCALAWS000000000',
};

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
}

function randomKeyChars(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += KEY_ALPHABET[b % KEY_ALPHABET.length];
  return out;
}

/** Real role ids are opaque `AROA` + 17 characters; a hash of the role ARN keeps ours stable per role. */
function roleId(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  let out = 'AROA';
  for (let i = 0; i < 17; i++) out += KEY_ALPHABET[(digest[i] ?? 0) % KEY_ALPHABET.length];
  return out;
}

export class Accounts {
  private readonly byId = new Map<string, AccountInfo>();
  private readonly sessions = new Map<string, Session>();

  constructor(seeds: (string | AccountSeed)[] = []) {
    this.add([ACCOUNT_ID, ...seeds]);
  }

  /** Adds accounts (or updates the name, email or status of known ones). Throws on an invalid id. */
  add(seeds: (string | AccountSeed)[]): AccountInfo[] {
    return seeds.map((seed) => {
      const s: AccountSeed = typeof seed === 'string' ? { id: seed } : seed;
      if (!isAccountId(s.id)) throw new Error(`account id must be 12 digits, got ${JSON.stringify(s.id)}`);
      if (s.status !== undefined && s.status !== 'ACTIVE' && s.status !== 'SUSPENDED') {
        throw new Error(
          `account ${s.id}: status must be ACTIVE or SUSPENDED, got ${JSON.stringify(s.status)}`,
        );
      }
      const known = this.byId.get(s.id);
      const info: AccountInfo = {
        id: s.id,
        name: s.name ?? known?.name ?? (s.id === ACCOUNT_ID ? 'local-aws-management' : `local-aws-${s.id}`),
        email: s.email ?? known?.email ?? `local-aws+${s.id}@example.com`,
        status: s.status ?? known?.status ?? 'ACTIVE',
        joinedTimestamp:
          known?.joinedTimestamp ?? new Date(JOINED_BASE_MS + this.byId.size * 86_400_000).toISOString(),
      };
      this.byId.set(s.id, info);
      return { ...info };
    });
  }

  get(id: string): AccountInfo | undefined {
    const info = this.byId.get(id);
    return info ? { ...info } : undefined;
  }

  /** Sorted by id (the order ListAccounts pages through). */
  list(): AccountInfo[] {
    return [...this.byId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((a) => ({ ...a }));
  }

  /** Mints temporary credentials for a role; the caller has checked that the account may be assumed. */
  mint(
    roleArn: string,
    accountId: string,
    sessionName: string,
    durationSeconds: number,
    sessionPolicy?: SessionPolicy,
  ): Session {
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    // ASIA + the account + 4 random characters: 20 like a real key, and readable in --verbose logs.
    let accessKeyId: string;
    do accessKeyId = `ASIA${accountId}${randomKeyChars(4)}`;
    while (this.sessions.has(accessKeyId));
    const session: Session = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `local-aws/${randomBytes(48).toString('base64')}`,
      expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + durationSeconds * 1000),
      accountId,
      roleArn,
      assumedRoleArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId: `${roleId(roleArn)}:${sessionName}`,
      ...(sessionPolicy ? { sessionPolicy } : {}),
    };
    this.sessions.set(accessKeyId, session);
    return session;
  }

  /** The identity behind an access key id: a minted session's, else the default account's user. */
  caller(accessKeyId: string | undefined): Caller {
    const session = accessKeyId ? this.sessions.get(accessKeyId) : undefined;
    if (!session) return DEFAULT_CALLER;
    return {
      accountId: session.accountId,
      arn: session.assumedRoleArn,
      userId: session.assumedRoleId,
      roleArn: session.roleArn,
      ...(session.sessionPolicy ? { sessionPolicy: session.sessionPolicy } : {}),
    };
  }
}
