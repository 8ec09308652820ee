import { z } from 'zod';

/**
 * A one-line label people type (titles, names, token names): trimmed, at
 * most `max` characters, no control characters (they break logs, CSV and
 * terminals). Optional labels may be empty; `required` ones may not.
 */
export function label(max: number) {
  return z
    .string()
    .trim()
    .max(max)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');
}

export function requiredLabel(max: number) {
  return label(max).pipe(z.string().min(1, 'is required'));
}
