/**
 * The anchor's schema, in one place: what the API accepts for a thread's
 * `anchor` (server/review/threads.ts), and the fields the frame reports in a
 * pick and is sent with each pin (lib/sandbox/bridge.ts), so a new field of
 * the anchor reaches the API, the CLI, exports, the pins message and the
 * frame from here. Isomorphic.
 */
import { z } from 'zod';
import { ANCHOR_KINDS, REVIEW_LIMITS } from './types';

/** A fraction of an element's box, in [0, 1] (the frame sends 4 decimals: under a pixel on a 4,000 px chart). */
const fraction = z.number().finite().min(0).max(1);

/** `AnchorInput.point`: where in the element the reviewer pointed. */
export const anchorPointSchema = z.strictObject({ x: fraction, y: fraction });

/** `AnchorInput.name`: what was picked, in words ("chart in Impact"). */
export const anchorNameSchema = z.string().max(REVIEW_LIMITS.nameChars);

/** The optional fields a pick carries beyond where it is in the source. */
export const anchorPlaceFields = {
  point: anchorPointSchema.optional(),
  name: anchorNameSchema.optional(),
};

const relativePosition = z.string().max(400).regex(/^[A-Za-z0-9+/=_-]*$/, 'must be base64').nullable();

/** An `AnchorInput` as the API takes it (`POST /threads` `anchor`). */
export const anchorInputSchema = z.object({
  kind: z.enum(ANCHOR_KINDS),
  start: relativePosition,
  end: relativePosition,
  tag: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a lower-case tag name'),
  ordinal: z.number().int().min(0).max(10_000_000),
  selector: z.string().max(REVIEW_LIMITS.selectorChars),
  quote: z.string().max(REVIEW_LIMITS.quoteChars),
  prefix: z.string().max(REVIEW_LIMITS.contextChars * 2),
  suffix: z.string().max(REVIEW_LIMITS.contextChars * 2),
  ...anchorPlaceFields,
});
