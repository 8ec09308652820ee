import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../lib/errors';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

type Handler = (ctx: RouteContext) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A tiny method + path router: `/api/v1/artifacts/:id/content`. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/:([a-zA-Z]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** Finds the handler; 405 when the path exists under another method; null when no route matches. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = safeDecode(found[i + 1]);
      });
      return { handler: route.handler, params };
    }
    if (pathMatched) {
      return {
        handler: async () => {
          throw new AppError('method_not_allowed', `${method} is not supported on ${pathname}.`);
        },
        params: {},
      };
    }
    return null;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Malformed escapes cannot name anything real; the id check rejects them.
    return '\u0000';
  }
}
