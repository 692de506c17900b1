/**
 * The shape of a PodSecurityPolicy spec (policy/v1beta1, as served up to 1.24),
 * as a strict schema: unknown fields and wrong types are errors, the way
 * `kubectl apply --validate=strict` would treat them. Semantic rules that the
 * API server enforces on top (ranges, overlaps) live in validate.ts.
 */
import * as z from 'zod';
import type { KubeObject } from './objects.js';
import { PSP_ANNOTATIONS } from './psp-annotations.js';

export { PSP_ANNOTATIONS };

const idRange = z.strictObject({ min: z.int().min(0), max: z.int().min(0) });
const portRange = z.strictObject({ min: z.int().min(0).max(65535), max: z.int().min(0).max(65535) });
const names = z.array(z.string().min(1));

export const pspSpecSchema = z.strictObject({
  privileged: z.boolean().optional(),
  defaultAddCapabilities: names.optional(),
  requiredDropCapabilities: names.optional(),
  allowedCapabilities: names.optional(),
  volumes: names.optional(),
  hostNetwork: z.boolean().optional(),
  hostPorts: z.array(portRange).optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  seLinux: z
    .strictObject({
      rule: z.enum(['MustRunAs', 'RunAsAny']),
      seLinuxOptions: z
        .strictObject({
          user: z.string().optional(),
          role: z.string().optional(),
          type: z.string().optional(),
          level: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  runAsUser: z
    .strictObject({
      rule: z.enum(['MustRunAs', 'MustRunAsNonRoot', 'RunAsAny']),
      ranges: z.array(idRange).optional(),
    })
    .optional(),
  runAsGroup: z
    .strictObject({
      rule: z.enum(['MustRunAs', 'MayRunAs', 'RunAsAny']),
      ranges: z.array(idRange).optional(),
    })
    .optional(),
  supplementalGroups: z
    .strictObject({
      rule: z.enum(['MustRunAs', 'MayRunAs', 'RunAsAny']),
      ranges: z.array(idRange).optional(),
    })
    .optional(),
  fsGroup: z
    .strictObject({
      rule: z.enum(['MustRunAs', 'MayRunAs', 'RunAsAny']),
      ranges: z.array(idRange).optional(),
    })
    .optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  defaultAllowPrivilegeEscalation: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  allowedHostPaths: z.array(z.strictObject({ pathPrefix: z.string(), readOnly: z.boolean().optional() })).optional(),
  allowedFlexVolumes: z.array(z.strictObject({ driver: z.string().min(1) })).optional(),
  allowedCSIDrivers: z.array(z.strictObject({ name: z.string().min(1) })).optional(),
  allowedUnsafeSysctls: names.optional(),
  forbiddenSysctls: names.optional(),
  allowedProcMountTypes: z.array(z.enum(['Default', 'Unmasked'])).optional(),
  runtimeClass: z
    .strictObject({
      allowedRuntimeClassNames: names,
      defaultRuntimeClassName: z.string().optional(),
    })
    .optional(),
});

export type PspSpec = z.infer<typeof pspSpecSchema>;

export const pspAnnotationsSchema = z.strictObject({
  [PSP_ANNOTATIONS.seccompAllowed]: z.string().optional(),
  [PSP_ANNOTATIONS.seccompDefault]: z.string().optional(),
  [PSP_ANNOTATIONS.apparmorAllowed]: z.string().optional(),
  [PSP_ANNOTATIONS.apparmorDefault]: z.string().optional(),
});

export type PspAnnotations = z.infer<typeof pspAnnotationsSchema>;

/** A PodSecurityPolicy object as kubestrap handles it. */
export interface PodSecurityPolicy extends KubeObject {
  apiVersion: 'policy/v1beta1' | 'extensions/v1beta1';
  kind: 'PodSecurityPolicy';
  spec: PspSpec;
}
