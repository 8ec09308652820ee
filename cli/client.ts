import type { AnchorInput, ThreadStatus, ThreadWithStateView } from '../lib/review/types';

/** A minimal typed client of Loupe's REST API, used by the CLI (and by MCP later). */
export interface ClientConfig {
  url: string;
  token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ArtifactInfo {
  id: string;
  url: string;
  title: string;
}

export interface WriteResult {
  id: string;
  etag: string;
  changed: boolean;
  sizeBytes: number;
}

export interface VersionInfo {
  n: number;
  kind: string;
  message: string;
  restoredFrom: number | null;
}

export class LoupeClient {
  constructor(private readonly config: ClientConfig) {}

  async createArtifact(input: { title: string; project?: string; session?: string; kind?: string; html?: string }): Promise<ArtifactInfo> {
    return this.json<ArtifactInfo>('POST', '/api/v1/artifacts', JSON.stringify(input), 'application/json');
  }

  async getArtifact(id: string): Promise<ArtifactInfo> {
    return this.json<ArtifactInfo>('GET', `/api/v1/artifacts/${encodeURIComponent(id)}`);
  }

  async checkpoint(id: string, input: { message: string; session?: string; commitSha?: string; prUrl?: string }): Promise<VersionInfo> {
    return this.json<VersionInfo>('POST', `/api/v1/artifacts/${encodeURIComponent(id)}/versions`, JSON.stringify(input), 'application/json');
  }

  async restore(id: string, n: number): Promise<VersionInfo> {
    return this.json<VersionInfo>('POST', `/api/v1/artifacts/${encodeURIComponent(id)}/versions/${n}/restore`);
  }

  /** Threads with their comments and where each anchor stands on the page now (default: open ones). */
  async listThreads(id: string, status: ThreadStatus | 'all' = 'open'): Promise<{ items: ThreadWithStateView[] }> {
    return this.json('GET', `${this.artifactPath(id)}/threads?status=${status}`);
  }

  /** A new thread: pinned to `anchor`, or about the whole page when it is omitted. `text` is markdown. */
  async createThread(id: string, input: { text: string; anchor?: AnchorInput | null }): Promise<ThreadWithStateView> {
    return this.json('POST', `${this.artifactPath(id)}/threads`, JSON.stringify(input), 'application/json');
  }

  /** Replies to a thread; `text` is markdown. */
  async reply(id: string, threadId: string, text: string): Promise<ThreadWithStateView> {
    return this.json('POST', `${this.threadPath(id, threadId)}/replies`, JSON.stringify({ text }), 'application/json');
  }

  /** Says a version deals with the thread (default: the page as it stands now); a reviewer confirms by resolving it. */
  async markAddressed(id: string, threadId: string, input: { version?: number; note?: string }): Promise<ThreadWithStateView> {
    return this.json('POST', `${this.threadPath(id, threadId)}/addressed`, JSON.stringify(input), 'application/json');
  }

  async putContent(id: string, html: string, ifMatch?: string): Promise<WriteResult> {
    return this.json<WriteResult>('PUT', `/api/v1/artifacts/${encodeURIComponent(id)}/content`, html, 'text/html; charset=utf-8', ifMatch);
  }

  async streamContent(id: string, chunks: AsyncIterable<Uint8Array>, reset: boolean): Promise<WriteResult> {
    const iterator = chunks[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    return this.json<WriteResult>('POST', `/api/v1/artifacts/${encodeURIComponent(id)}/stream${reset ? '?reset=1' : ''}`, body, 'text/html; charset=utf-8');
  }

  private artifactPath(id: string): string {
    return `/api/v1/artifacts/${encodeURIComponent(id)}`;
  }

  private threadPath(id: string, threadId: string): string {
    return `${this.artifactPath(id)}/threads/${encodeURIComponent(threadId)}`;
  }

  private async json<T>(method: string, path: string, body?: string | ReadableStream<Uint8Array>, contentType?: string, ifMatch?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.config.token}` };
    if (contentType) headers['content-type'] = contentType;
    if (ifMatch) headers['if-match'] = ifMatch;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.config.url), {
        method,
        headers,
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      throw new ApiError(0, 'unreachable', `Cannot reach Loupe at ${this.config.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(response.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
