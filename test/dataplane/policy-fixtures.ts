/** A small shop cluster with namespaces and labelled pods, for the NetworkPolicy tests. */

export const SHOP = (cni: string, policies: string) => `apiVersion: netlab/v1
kind: Cluster
metadata: {name: shop}
network:
  podCIDR: 10.244.0.0/16
  cni: ${cni}
subnets:
  - {name: rack-1, cidr: 10.234.2.0/24, gateway: 10.234.2.254, mtu: 1500}
nodes:
  - {name: node-01, ip: 10.234.2.11, subnet: rack-1}
  - {name: node-02, ip: 10.234.2.12, subnet: rack-1}
namespaces:
  - {name: shop, labels: {team: web}}
  - {name: ops}
pods:
  - {name: web, namespace: shop, node: node-01, labels: {app: web}, containers: [{name: nginx, ports: [{name: http, containerPort: 80}]}]}
  - {name: db, namespace: shop, node: node-02, labels: {app: db}, containers: [{name: pg, ports: [{name: pg, containerPort: 5432}]}]}
  - {name: cache, namespace: shop, node: node-01, labels: {app: cache}, containers: [{name: redis, ports: [{name: redis, containerPort: 6379}]}]}
  - {name: client, namespace: default, node: node-01, labels: {app: client}, containers: [{name: app, ports: [{containerPort: 8080}]}]}
  - {name: tool, namespace: ops, node: node-02, labels: {app: tool}, containers: [{name: app, ports: [{containerPort: 8080}]}]}
networkPolicies:
${policies}
`;

export const DB_FROM_WEB = `  - name: db-from-web
    namespace: shop
    spec:
      podSelector: {matchLabels: {app: db}}
      policyTypes: [Ingress]
      ingress:
        - from: [{podSelector: {matchLabels: {app: web}}}]
          ports: [{protocol: TCP, port: pg}]`;
