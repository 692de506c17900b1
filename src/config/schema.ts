/**
 * The cluster config (`cluster.yaml`) as a strict schema with its defaults.
 * Shape and types only; rules that relate fields to each other or to the
 * Kubernetes version live in validate.ts.
 */
import * as z from 'zod';
import { PSS_LEVELS } from '../k8s/pss.js';
import { pspAnnotationsSchema, pspSpecSchema } from '../k8s/psp.js';

export const API_VERSION = 'kubestrap.io/v1alpha1';
export const KIND = 'ClusterConfig';

/** The version `kubestrap init` and a config-less run use: the last PSP minor's last patch. */
export const DEFAULT_KUBERNETES_VERSION = 'v1.24.17';

export const TENANT_ROLES = ['admin', 'edit', 'view'] as const;

export const FLANNEL_BACKENDS = ['vxlan', 'host-gw', 'wireguard'] as const;

const str = () => z.string();

const tenantSchema = z.strictObject({
  namespace: str(),
  serviceAccounts: z.array(str()).default([]),
  role: z.enum(TENANT_ROLES).default('edit'),
  policy: str().default('restricted'),
});

const policySchema = z.strictObject({
  name: str(),
  template: str().default('restricted'),
  annotations: pspAnnotationsSchema.optional(),
  spec: pspSpecSchema.default({}),
});

export const clusterConfigSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION).default(API_VERSION),
  kind: z.literal(KIND).default(KIND),
  kubernetesVersion: str().default(DEFAULT_KUBERNETES_VERSION),
  podSecurity: z
    .strictObject({
      mode: z.enum(['auto', 'psp', 'pss']).default('auto'),
      default: z.enum(PSS_LEVELS).default('restricted'),
      /** Left out: kube-system and the namespace flannel runs in on the chosen minor (load.ts). */
      privilegedNamespaces: z.array(str()).optional(),
      /** How the tenants' policies are enforced in PSS mode beyond their level: vap adds ValidatingAdmissionPolicies (1.30+). */
      customPolicies: z.enum(['psp', 'vap']).default('psp'),
    })
    .prefault({}),
  networking: z
    .strictObject({
      podSubnet: str().default('10.244.0.0/16'),
      serviceSubnet: str().default('10.96.0.0/12'),
      dnsDomain: str().default('cluster.local'),
    })
    .prefault({}),
  controlPlane: z
    .strictObject({
      advertiseAddress: str().default(''),
      nodeName: str().default(''),
      /**
       * The address every node reaches the API servers at (kubeadm's controlPlaneEndpoint): a DNS
       * name or load balancer in front of several control planes; host or host:port.
       */
      endpoint: str().default(''),
      allowWorkloads: z.boolean().default(true),
    })
    .prefault({}),
  cni: z
    .strictObject({
      plugin: z.enum(['flannel']).default('flannel'),
      backend: z.enum(FLANNEL_BACKENDS).default('vxlan'),
      /** Interface flannel uses between nodes; Vagrant VMs need the private NIC here. */
      iface: str().default(''),
      manifest: str().default(''),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      enabled: z.boolean().default(false),
      namespace: str().default('ingress-nginx'),
      /** Bind 80 and 443 on the node (hostPort) instead of the bare-metal NodePort service. */
      hostPorts: z.boolean().default(false),
    })
    .prefault({}),
  host: z
    .strictObject({
      /** The install step: containerd and the Kubernetes packages; false for hosts whose packages are managed otherwise. */
      install: z.boolean().default(true),
    })
    .prefault({}),
  timeouts: z
    .strictObject({
      /** Longest `up` waits for any one condition (API server, rollout, node Ready). */
      waitSeconds: z.int().min(1).max(86400).default(600),
    })
    .prefault({}),
  tenants: z.array(tenantSchema).default([]),
  policies: z.array(policySchema).default([]),
});

/** The config as written, after the static defaults. */
export type ClusterConfigInput = z.infer<typeof clusterConfigSchema>;

/** After the version-dependent defaults too: what validation and rendering read. */
export type ClusterConfigFields = Omit<ClusterConfigInput, 'podSecurity'> & {
  podSecurity: Omit<ClusterConfigInput['podSecurity'], 'privilegedNamespaces'> & { privilegedNamespaces: string[] };
};
export type TenantConfig = z.infer<typeof tenantSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
