/** The Kubernetes API objects netlab reads and writes (see meta.ts). */
export type * from './meta.js';
export type * from './core.js';
export type * from './discovery.js';
export type * from './networking.js';
export type * from './apps.js';
export type * from './calico.js';
export * from './well-known.js';
