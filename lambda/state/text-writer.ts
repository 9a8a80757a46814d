import { type FileHandle, open } from 'node:fs/promises';

/**
 * Collects small pieces of text into chunks of about `chunkChars` and hands each chunk on, so a
 * large output (a report of 500,000 findings, a state file) is written piece by piece instead of
 * being built as one string first.
 */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly sink: (chunk: string) => void | Promise<void>,
    private readonly chunkChars = 1 << 20,
  ) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.sink(chunk);
  }
}

/** Writes a file through a ChunkedWriter; `body` fills it. The handle is closed whatever happens. */
export async function writeFileInChunks(
  path: string,
  body: (out: ChunkedWriter) => Promise<void>,
): Promise<void> {
  const handle: FileHandle = await open(path, 'w');
  try {
    // writeFile on a handle writes at the current position and loops until the chunk is all written.
    const out = new ChunkedWriter((chunk) => handle.writeFile(chunk));
    await body(out);
    await out.flush();
  } finally {
    await handle.close();
  }
}
