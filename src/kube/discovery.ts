/** discovery.k8s.io/v1 EndpointSlice, as the EndpointSlice controller (and the API server, for kubernetes) writes it. */
import type { Protocol } from './core.js';
import type { ObjectMeta, ObjectReference } from './meta.js';

export interface EndpointConditions {
  /** Ready and not terminating (or publishNotReadyAddresses). */
  readonly ready?: boolean;
  /** Ready, terminating or not. */
  readonly serving?: boolean;
  readonly terminating?: boolean;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions?: EndpointConditions;
  readonly hostname?: string;
  readonly targetRef?: ObjectReference;
  readonly nodeName?: string;
  readonly zone?: string;
}

export interface EndpointSlicePort {
  readonly name?: string;
  readonly protocol?: Protocol;
  readonly port?: number;
  readonly appProtocol?: string;
}

export interface EndpointSlice {
  readonly apiVersion: 'discovery.k8s.io/v1';
  readonly kind: 'EndpointSlice';
  readonly metadata: ObjectMeta;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  /** null, not [], when a slice has none: what the API server returns after storage. */
  readonly endpoints: readonly Endpoint[] | null;
  readonly ports: readonly EndpointSlicePort[] | null;
}
