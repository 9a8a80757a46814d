import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parser } from 'stream-json';
import Assembler from 'stream-json/assembler.js';
import { verifyFile } from 'stream-json/file/verifier.js';
import { EMPTY_FILE, isEmptyText } from '../core/file-problem.js';

/** Where a value sits in a JSON document: object keys and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

export interface JsonWalker {
  /** For an object or array at `path`: walk into it, or build it whole and pass it to `onValue`. */
  visit(path: JsonPath, kind: 'object' | 'array'): 'descend' | 'assemble';
  /** Each built value (and each scalar met while walking). */
  onValue(path: JsonPath, value: unknown): void;
  /** A container walked into has ended. */
  onLeave?(path: JsonPath, kind: 'object' | 'array'): void;
}

/**
 * The file is not valid JSON. The message says where (line and column); `pointer` is the value
 * being read when the parser gave up, as far as the tokens read so far tell (often the root).
 */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly pointer: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

interface Frame {
  kind: 'object' | 'array';
  path: JsonPath;
  index: number;
  key: string;
}

interface Token {
  name: string;
  value?: unknown;
}

/** The message of a JsonSyntaxError for a source with nothing in it but whitespace (core's rule). */
export const EMPTY_SOURCE = EMPTY_FILE;

/**
 * Reads a JSON file (or a stream: standard input) of any size in one pass, holding only the values
 * the walker asks to build: a file of 100,000 rooms is never one string or one object tree. A
 * UTF-8 BOM is skipped. File-system errors (ENOENT, EISDIR …) reach the caller as they are.
 */
export async function walkJsonFile(file: string | Readable, walker: JsonWalker): Promise<void> {
  const stack: Frame[] = [];
  let assembler: Assembler | undefined;
  let assembling: JsonPath = [];
  let sawRoot = false;
  // Empty until a character other than whitespace comes in (the text decoded only until then).
  let empty = true;
  const decoder = new StringDecoder('utf8');
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (empty) empty = isEmptyText(decoder.write(chunk));
      done(null, chunk);
    },
  });
  // pipeline, not pipe: a read error (ENOENT) must end the token stream, not leave it waiting.
  const tokens = pipeline(
    typeof file === 'string' ? createReadStream(file) : file,
    counter,
    parser.asStream({ packValues: true, streamValues: false }),
    () => {},
  );
  // An error the walker throws is the caller's own; only the parser's become JsonSyntaxError.
  let inWalker = false;
  const call = <T>(fn: () => T): T => {
    inWalker = true;
    const result = fn();
    inWalker = false;
    return result;
  };
  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      if (assembler) {
        assembler.consume(token as never);
        if (assembler.done) {
          const value = detached(assembler.current);
          call(() => walker.onValue(assembling, value));
          assembler = undefined;
        }
        continue;
      }
      const top = stack.at(-1);
      if (token.name === 'keyValue') {
        if (top) top.key = detached(String(token.value));
        continue;
      }
      if (token.name === 'endObject' || token.name === 'endArray') {
        stack.pop();
        if (top) call(() => walker.onLeave?.(top.path, top.kind));
        continue;
      }
      const path: JsonPath = top ? [...top.path, top.kind === 'array' ? top.index++ : top.key] : [];
      sawRoot = true;
      if (token.name === 'startObject' || token.name === 'startArray') {
        const kind = token.name === 'startObject' ? 'object' : 'array';
        if (call(() => walker.visit(path, kind)) === 'descend') {
          stack.push({ kind, path, index: 0, key: '' });
        } else {
          assembler = new Assembler();
          assembler.consume(token as never);
          assembling = path;
        }
        continue;
      }
      call(() => walker.onValue(path, detached(scalar(token))));
    }
  } catch (error) {
    if (inWalker || (error as NodeJS.ErrnoException).code) throw error;
    if (empty) throw new JsonSyntaxError('', EMPTY_SOURCE, { cause: error });
    const top = stack.at(-1);
    const where = assembler
      ? assembling
      : top
        ? [...top.path, top.kind === 'array' ? top.index : top.key]
        : [];
    throw new JsonSyntaxError(jsonPointer(where), await syntaxDetail(file, error as Error), { cause: error });
  }
  if (!sawRoot) {
    throw new JsonSyntaxError('', empty ? EMPTY_SOURCE : 'not valid JSON (the file holds no JSON value)');
  }
}

/**
 * A copy of `value` that shares no memory with the text read. The parser cuts strings out of its
 * 64 KB input blocks, and V8 keeps such a cut as a view of the whole block: each room ARN kept for
 * the report would keep its block alive (96 MB held for 20,000 rooms of 4 KB, 16 MB once copied).
 * Copying through JSON is done natively and costs less than the parse itself.
 */
function detached<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * The parser does not say where it failed; the verifier does, at the cost of a second read (errors
 * only, and only of a file: a stream cannot be read twice).
 */
async function syntaxDetail(file: string | Readable, error: Error): Promise<string> {
  const reason = error.message.replace(/^Parser cannot parse input: /, '');
  if (typeof file !== 'string') return `not valid JSON (${reason})`;
  // Windows PowerShell 5 redirects command output (`aws ... > rooms.json`) as UTF-16.
  const start = await readStart(file);
  if (start.startsWith('fffe') || start.startsWith('feff')) {
    return 'not valid JSON: the file is UTF-16 text; save it as UTF-8 (in PowerShell: Out-File -Encoding utf8)';
  }
  const located = (await verifyFile(file).catch((e: unknown) => e)) as
    | { line?: number; pos?: number }
    | undefined;
  return located?.line
    ? `not valid JSON at line ${located.line}, column ${located.pos} (${reason})`
    : `not valid JSON (${reason})`;
}

async function readStart(file: string): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return buffer.subarray(0, bytesRead).toString('hex');
  } finally {
    await handle.close();
  }
}

function scalar(token: Token): unknown {
  switch (token.name) {
    case 'numberValue':
      return Number(token.value);
    case 'nullValue':
      return null;
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    default:
      return token.value;
  }
}

/** RFC 6901: `["rooms", 3]` → `/rooms/3`; the root is `` (shown as `/` by callers). */
export function jsonPointer(path: JsonPath): string {
  return path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
