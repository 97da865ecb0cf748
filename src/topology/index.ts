/** The topology file: loading, validation, normalisation. See docs/topology.md. */
export { loadTopology, topologyFromDocument, type LoadResult } from './load.js';
export { parseText, looksLikeJson, type ParsedText, type InputFormat } from './parse/parse-text.js';
export { SourceText, type PathLocator } from './source-text.js';
export { Code } from './codes.js';
export { formatPath } from './doc-path.js';
export { closestMatch, didYouMean, editDistance } from '../diagnostics/did-you-mean.js';
export * as limits from './limits.js';
export type * from './types.js';
