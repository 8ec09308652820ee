import { readFile, writeFile } from 'node:fs/promises';

/** ./.loupe.json remembers which artifact each local file publishes to. */
const LINKS_FILE = '.loupe.json';

export async function readLinks(): Promise<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(LINKS_FILE, 'utf8'));
    const files = (parsed as { files?: unknown }).files;
    return typeof files === 'object' && files !== null ? (files as Record<string, string>) : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return {};
    throw error;
  }
}

export async function writeLink(file: string, id: string): Promise<void> {
  const files = await readLinks();
  files[file] = id;
  await writeFile(LINKS_FILE, `${JSON.stringify({ files }, null, 2)}\n`);
}
