/**
 * Limits on input, so that a hostile or runaway file gets a diagnostic
 * instead of exhausting memory or the stack. Documented in docs/topology.md
 * ("Limits"); the CLI may check file sizes against these before reading.
 */

/**
 * YAML text, in characters. The yaml package parses about 1 MB/s, so 16 MiB
 * is a quarter of a minute of parsing; big clusters are meant to be written
 * with the compact forms (a 5,000-node cluster is a few lines).
 */
export const MAX_YAML_CHARS = 16 * 1024 * 1024;

/** JSON text, in characters: JSON.parse is ~50x faster than YAML parsing. */
export const MAX_JSON_CHARS = 256 * 1024 * 1024;

/**
 * Nesting of mappings and lists. A NetworkPolicy, the deepest part of a
 * topology, nests about 10 levels; the yaml parser aborts the process on flow
 * collections nested a few thousand deep, so this is checked before parsing.
 */
export const MAX_DEPTH = 64;

/**
 * YAML alias expansion, measured in values (scalars, collections, keys):
 * aliases and merge keys may make a document at most this many times as big
 * as it is written. Stops "billion laughs" while an anchor used once per
 * node (`<<: *worker`) scales with the nodes.
 */
export const MAX_ALIAS_EXPANSION = 100;

/**
 * And never beyond this many values in all: about what 16 MiB of YAML can
 * hold written out, so expansion costs no more than the largest file.
 */
export const MAX_EXPANDED_VALUES = 4_000_000;

/** After expansion of the compact forms: a few times Kubernetes' published limits (5,000 / 150,000 / 10,000). */
export const MAX_NODES = 20_000;
export const MAX_PODS = 500_000;
export const MAX_SERVICES = 50_000;

/** Diagnostics reported for one file; the rest are counted in a final NL-DIAGNOSTICS-TRUNCATED. */
export const MAX_DIAGNOSTICS = 200;
