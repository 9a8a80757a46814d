/**
 * A CDK cloud assembly's `manifest.json` (what `cdk synth` writes to cdk.out): its stacks with their
 * template files and environments, and the nested assemblies of its stages. Pure: the manifest's
 * value in, the files to read out (cli/template-files.ts reads them).
 */
import { InputError } from '../core/errors.js';

export const MANIFEST_FILE = 'manifest.json';

export interface AssemblyStack {
  stackName: string;
  /** Relative to the assembly's folder. */
  templateFile: string;
  accountId?: string;
  region?: string;
  /** The stack's tags (`new Stack(…, { tags })`): CloudFormation puts them on the resources it creates. */
  tags?: Record<string, string>;
}

export interface AssemblyContents {
  stacks: AssemblyStack[];
  /** Folders of nested assemblies (CDK stages), relative to this one. */
  nested: string[];
}

/**
 * `aws://123456789012/us-east-1`; CDK writes `unknown-account` / `unknown-region` for an
 * environment-agnostic stack, which is then known only at deploy.
 */
function environmentOf(environment: unknown): { accountId?: string; region?: string } {
  const match = typeof environment === 'string' ? /^aws:\/\/([^/]*)\/(.*)$/.exec(environment) : null;
  const accountId = match?.[1];
  const region = match?.[2];
  return {
    ...(accountId && /^\d{12}$/.test(accountId) ? { accountId } : {}),
    ...(region && !region.startsWith('unknown-') ? { region } : {}),
  };
}

/** The manifest's stack tags, `{ key: value }` (older manifests write `[{ key, value }]`). */
function tagsOf(raw: unknown): { tags?: Record<string, string> } {
  const tags: Record<string, string> = {};
  const entries = Array.isArray(raw)
    ? raw.map((tag) => [(tag as { key?: unknown })?.key, (tag as { value?: unknown })?.value])
    : raw !== null && typeof raw === 'object'
      ? Object.entries(raw)
      : [];
  for (const [key, value] of entries) {
    if (typeof key === 'string' && typeof value === 'string') tags[key] = value;
  }
  return Object.keys(tags).length > 0 ? { tags } : {};
}

export function assemblyContents(manifest: unknown, file: string): AssemblyContents {
  const artifacts = (manifest as { artifacts?: unknown } | null)?.artifacts;
  if (artifacts === null || typeof artifacts !== 'object') {
    throw new InputError(`${file}: not a CDK cloud assembly manifest (no artifacts)`);
  }
  const stacks: AssemblyStack[] = [];
  const nested: string[] = [];
  for (const [id, raw] of Object.entries(artifacts as Record<string, unknown>)) {
    const artifact = (raw ?? {}) as {
      type?: unknown;
      environment?: unknown;
      properties?: Record<string, unknown>;
    };
    const props = artifact.properties ?? {};
    if (artifact.type === 'aws:cloudformation:stack' && typeof props.templateFile === 'string') {
      stacks.push({
        stackName: typeof props.stackName === 'string' ? props.stackName : id,
        templateFile: props.templateFile,
        ...environmentOf(artifact.environment),
        ...tagsOf(props.tags),
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof props.directoryName === 'string') {
      nested.push(props.directoryName);
    }
  }
  return { stacks, nested };
}
