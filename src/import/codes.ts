/**
 * The diagnostic codes of `netlab import` (docs/import.md lists them; a test
 * checks). Problems with the text itself (YAML or JSON syntax, size, depth)
 * keep the topology loader's codes (NL-YAML-SYNTAX, ...): they are the same
 * parser and the same limits.
 */
export const ImportCode = {
  /** The input holds something that is not a Kubernetes object (no apiVersion/kind, or not a mapping). */
  NotAnObject: 'NL-IMPORT-NOT-AN-OBJECT',
  /** A field netlab reads has the wrong type (a string where a list is expected, ...). */
  FieldType: 'NL-IMPORT-FIELD-TYPE',
  /** A field netlab needs is missing (metadata.name, a pod's containers, a port number). */
  FieldMissing: 'NL-IMPORT-FIELD-MISSING',
  /** An address, range or port that does not parse. */
  ValueInvalid: 'NL-IMPORT-VALUE-INVALID',
  /** The input holds no Kubernetes objects at all. */
  Empty: 'NL-IMPORT-EMPTY',
  /** The objects describe a cluster netlab cannot build (the message says why). */
  Unbuildable: 'NL-IMPORT-UNBUILDABLE',
} as const;

export type ImportCode = (typeof ImportCode)[keyof typeof ImportCode];
