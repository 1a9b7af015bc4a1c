// Looking inside the config schema: the table or list a key's schema holds, under its optional/default/transform wrappers.
import { z } from 'zod';

/** The schema with optional, nullable, default, prefault and transform wrappers removed (a transform's input side). */
export function unwrapSchema(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault
    )
      s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** The keys of a table schema, or undefined when it is not one. */
export function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const s = unwrapSchema(schema);
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

/** The element schema of a list schema, or undefined. */
export function elementOf(schema: z.ZodType | undefined): z.ZodType | undefined {
  const s = unwrapSchema(schema);
  return s instanceof z.ZodArray ? (s.element as z.ZodType) : undefined;
}
