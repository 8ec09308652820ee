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

export const artifactStatusSchema = z.enum(['draft', 'published']);
export type ArtifactStatus = z.infer<typeof artifactStatusSchema>;
export const visibilitySchema = z.enum(['org', 'members']);
export type Visibility = z.infer<typeof visibilitySchema>;

/** A person as the API names them: `{id, name}` (older rows may carry the id alone). */
const personRefSchema = z.union([
  z.object({ id: z.string(), name: z.string() }),
  z.string().transform((id) => ({ id, name: '' })),
]);
export type PersonRef = z.infer<typeof personRefSchema>;

/** What the viewer may do with this artifact; absent means no. */
const artifactCanSchema = z
  .object({
    publish: z.boolean().default(false),
    requestPublication: z.boolean().default(false),
    changeAccess: z.boolean().default(false),
    legalHold: z.boolean().default(false),
    export: z.boolean().default(false),
  })
  .default({ publish: false, requestPublication: false, changeAccess: false, legalHold: false, export: false });
export type ArtifactCan = z.infer<typeof artifactCanSchema>;

export const artifactSummarySchema = z.object({
  id: z.string(),
  url: z.string(),
  title: z.string(),
  project: z.string(),
  session: z.string(),
  kind: z.string(),
  status: artifactStatusSchema,
  visibility: visibilitySchema.default('org'),
  /** With visibility 'members': the user ids who may see it besides the creator and admins. */
  members: z.array(z.string()).default([]),
  legalHold: z.boolean().default(false),
  publishRequested: z.boolean().default(false),
  publishedAt: z.string().nullable().default(null),
  publishedBy: personRefSchema.nullable().default(null),
  createdBy: personRefSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  sizeBytes: z.number(),
  access: z.object({ content: accessLevel, review: accessLevel }).optional(),
  can: artifactCanSchema,
});
export type ArtifactSummary = z.infer<typeof artifactSummarySchema>;

export const artifactDetailSchema = artifactSummarySchema;
export type ArtifactDetail = z.infer<typeof artifactDetailSchema>;

export const artifactPageSchema = z.object({
  items: z.array(artifactSummarySchema),
  nextCursor: z.string().nullable(),
});
export type ArtifactPage = z.infer<typeof artifactPageSchema>;
