import { mutationOptions, queryOptions, type QueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { fetchJson, sendJson } from './api-client';
import { queryKeys } from './keys';

/** What an agent token may do besides reading: write artifacts, and read and reply to comments. */
export const TOKEN_SCOPES = ['artifacts:write', 'comments:write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Expiry choices offered when creating a token; null never expires. */
export const TOKEN_EXPIRY_DAYS = [7, 30, 90, 365, null] as const;
export type TokenExpiryDays = (typeof TOKEN_EXPIRY_DAYS)[number];

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Strings, not an enum: a newer server may know more scopes than this page. */
  scopes: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  user: z.object({ id: z.string(), name: z.string() }),
});
export type Token = z.infer<typeof tokenSchema>;

export const tokenListSchema = z.object({ items: z.array(tokenSchema) });

/** The answer to creating a token: the only time its secret is sent. */
export const createdTokenSchema = tokenSchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof createdTokenSchema>;

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  expiresInDays: number | null;
}

export type TokenListScope = 'mine' | 'org';

/** Your own tokens in the current org, or (admins, `?all=1`) every token in it. */
export function tokensQueryOptions(scope: TokenListScope) {
  return queryOptions({
    queryKey: queryKeys.tokens.list(scope),
    queryFn: ({ signal }) => fetchJson(scope === 'org' ? '/api/v1/tokens?all=1' : '/api/v1/tokens', tokenListSchema, signal),
    select: (page) => page.items,
  });
}

export function createToken(input: NewToken): Promise<CreatedToken> {
  return sendJson('POST', '/api/v1/tokens', input, createdTokenSchema);
}

export function revokeToken(id: string): Promise<void> {
  return sendJson('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
}

export function createTokenMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: createToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all }),
  });
}

export function revokeTokenMutationOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (id: string) => revokeToken(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all }),
  });
}

/** Is the token usable right now (not revoked, not expired)? */
export function tokenState(token: Token, nowMs: number): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= nowMs) return 'expired';
  return 'active';
}
