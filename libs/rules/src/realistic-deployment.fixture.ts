import type { Manifest } from './types';

/**
 * A realistic Deployment (app, sidecar and init container, mostly hardened) shared
 * by the evaluator tests and the `evaluate` benchmark, so both measure the same thing.
 */
export const DEPLOYMENT: Manifest = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout', namespace: 'shop', labels: { app: 'checkout' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: { labels: { app: 'checkout' } },
      spec: {
        serviceAccountName: 'checkout',
        securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
        initContainers: [
          {
            name: 'migrate',
            image: 'ghcr.io/acme/checkout-migrate:1.4.2',
            resources: { limits: { cpu: '200m', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
        ],
        containers: [
          {
            name: 'app',
            image: 'ghcr.io/acme/checkout:1.4.2',
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          },
          {
            name: 'envoy',
            image: 'envoyproxy/envoy:v1.31.0',
            resources: { limits: { cpu: '500m', memory: '256Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
          },
        ],
      },
    },
  },
};
