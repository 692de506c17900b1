/**
 * Strict schemas of the kubeadm, kubelet and admission config documents that
 * kubestrap renders, per API version, as the types.go of each kubeadm API
 * declares them (cmd/kubeadm/app/apis/kubeadm/<version>/types.go; see the
 * README's version matrix). Only the fields kubestrap may write are listed:
 * anything else, or a field in the wrong place (apiEndpoint in v1beta1,
 * readOnly in v1alpha3), is reported, because kubeadm silently ignores it.
 */
import { z } from 'zod';

const map = z.record(z.string(), z.string());
const nameValues = z.array(z.strictObject({ name: z.string(), value: z.string() }));
const endpoint = z.strictObject({ advertiseAddress: z.string().optional(), bindPort: z.int().optional() });
const pathType = z.enum([
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
]);

const writableMount = z.strictObject({
  name: z.string(),
  hostPath: z.string(),
  mountPath: z.string(),
  writable: z.boolean().optional(),
  pathType: pathType.optional(),
});
const readOnlyMount = z.strictObject({
  name: z.string(),
  hostPath: z.string(),
  mountPath: z.string(),
  readOnly: z.boolean().optional(),
  pathType: pathType.optional(),
});

const networking = z.strictObject({ podSubnet: z.string(), serviceSubnet: z.string(), dnsDomain: z.string() });

const nodeRegistration = (kubeletArgs: z.ZodType) =>
  z.strictObject({
    name: z.string().optional(),
    criSocket: z.string().optional(),
    kubeletExtraArgs: kubeletArgs.optional(),
  });

const kubeletConfiguration = z.strictObject({
  apiVersion: z.literal('kubelet.config.k8s.io/v1beta1'),
  kind: z.literal('KubeletConfiguration'),
  cgroupDriver: z.enum(['systemd', 'cgroupfs']),
});

const v1alpha2Master = z.strictObject({
  apiVersion: z.literal('kubeadm.k8s.io/v1alpha2'),
  kind: z.literal('MasterConfiguration'),
  kubernetesVersion: z.string(),
  imageRepository: z.string().optional(),
  api: endpoint.optional(),
  nodeRegistration: nodeRegistration(map),
  networking,
  apiServerExtraArgs: map.optional(),
  apiServerExtraVolumes: z.array(writableMount).optional(),
  kubeletConfiguration: z.strictObject({
    baseConfig: z.strictObject({ cgroupDriver: z.enum(['systemd', 'cgroupfs']) }),
  }),
});

const v1alpha3Init = z.strictObject({
  apiVersion: z.literal('kubeadm.k8s.io/v1alpha3'),
  kind: z.literal('InitConfiguration'),
  apiEndpoint: endpoint.optional(),
  nodeRegistration: nodeRegistration(map),
});
const v1alpha3Cluster = z.strictObject({
  apiVersion: z.literal('kubeadm.k8s.io/v1alpha3'),
  kind: z.literal('ClusterConfiguration'),
  kubernetesVersion: z.string(),
  imageRepository: z.string().optional(),
  networking,
  apiServerExtraArgs: map.optional(),
  apiServerExtraVolumes: z.array(writableMount).optional(),
});

const betaInit = (version: string, args: z.ZodType) =>
  z.strictObject({
    apiVersion: z.literal(`kubeadm.k8s.io/${version}`),
    kind: z.literal('InitConfiguration'),
    localAPIEndpoint: endpoint.optional(),
    nodeRegistration: nodeRegistration(args),
  });
const betaCluster = (version: string, args: z.ZodType) =>
  z.strictObject({
    apiVersion: z.literal(`kubeadm.k8s.io/${version}`),
    kind: z.literal('ClusterConfiguration'),
    kubernetesVersion: z.string(),
    controlPlaneEndpoint: z.string().optional(),
    imageRepository: z.string().optional(),
    dns: z.strictObject({ imageRepository: z.string() }).optional(),
    networking,
    apiServer: z
      .strictObject({ extraArgs: args.optional(), extraVolumes: z.array(readOnlyMount).optional() })
      .optional(),
  });

/** The documents a kubeadm config file of that API version must contain, in order. */
export const KUBEADM_DOCUMENTS: Record<string, z.ZodType[]> = {
  v1alpha2: [v1alpha2Master],
  v1alpha3: [v1alpha3Init, v1alpha3Cluster, kubeletConfiguration],
  v1beta1: [betaInit('v1beta1', map), betaCluster('v1beta1', map), kubeletConfiguration],
  v1beta2: [betaInit('v1beta2', map), betaCluster('v1beta2', map), kubeletConfiguration],
  v1beta3: [betaInit('v1beta3', map), betaCluster('v1beta3', map), kubeletConfiguration],
  v1beta4: [betaInit('v1beta4', nameValues), betaCluster('v1beta4', nameValues), kubeletConfiguration],
};

/** The PodSecurity AdmissionConfiguration (apiserver.config.k8s.io/v1, read strictly by the API server). */
export const admissionConfiguration = (podSecurityApi: string) =>
  z.strictObject({
    apiVersion: z.literal('apiserver.config.k8s.io/v1'),
    kind: z.literal('AdmissionConfiguration'),
    plugins: z.tuple([
      z.strictObject({
        name: z.literal('PodSecurity'),
        configuration: z.strictObject({
          apiVersion: z.literal(podSecurityApi),
          kind: z.literal('PodSecurityConfiguration'),
          defaults: z.strictObject({
            enforce: z.enum(['privileged', 'baseline', 'restricted']),
            'enforce-version': z.string().regex(/^(latest|v1\.(0|[1-9][0-9]*))$/),
            audit: z.enum(['privileged', 'baseline', 'restricted']),
            'audit-version': z.string().regex(/^(latest|v1\.(0|[1-9][0-9]*))$/),
            warn: z.enum(['privileged', 'baseline', 'restricted']),
            'warn-version': z.string().regex(/^(latest|v1\.(0|[1-9][0-9]*))$/),
          }),
          exemptions: z.strictObject({
            usernames: z.array(z.string()),
            runtimeClasses: z.array(z.string()),
            namespaces: z.array(z.string()),
          }),
        }),
      }),
    ]),
  });
