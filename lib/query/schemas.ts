import { z } from 'zod';

/**
 * The shapes the browser reads from `/api/v1`. Parsing at the boundary keeps
 * a server change from turning into `undefined` deep inside a component.
 * Unknown keys are dropped; the server may add fields freely.
 */

export const apiErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const meSchema = z.object({
  kind: z.enum(['user', 'agent']),
  user: z.object({
    id: z.string(),
    name: z.string(),
    /** The server-assigned presence colour: what everyone else sees for this person. */
    color: z.string().regex(/^#[0-9a-fA-F]{3,8}$/),
    email: z.string().optional(),
  }),
  org: z.object({ id: z.string(), name: z.string() }).nullable(),
  role: z.string(),
  /** Every organization the user belongs to, with their role there (the switcher's list). */
  orgs: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })).default([]),
  /** What the UI may offer; the server still decides. Absent reads as "nothing". */
  can: z.object({ publish: z.boolean(), admin: z.boolean() }).default({ publish: false, admin: false }),
  sandboxOrigin: z.string().url(),
});
export type Me = z.infer<typeof meSchema>;

const accessLevel = z.enum(['none', 'read', 'write']);

export const artifactSummarySchema = z.object({
  id: z.string(),
  url: z.string(),
  title: z.string(),
  project: z.string(),
  session: z.string(),
  kind: z.string(),
  status: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sizeBytes: z.number(),
});
export type ArtifactSummary = z.infer<typeof artifactSummarySchema>;

export const artifactDetailSchema = artifactSummarySchema.extend({
  access: z.object({ content: accessLevel, review: accessLevel }).optional(),
});
export type ArtifactDetail = z.infer<typeof artifactDetailSchema>;

export const artifactPageSchema = z.object({
  items: z.array(artifactSummarySchema),
  nextCursor: z.string().nullable(),
});
export type ArtifactPage = z.infer<typeof artifactPageSchema>;
