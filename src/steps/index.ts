/** The steps of `up`, in the order the seed articles learned the hard way. */
import type { Step } from '../workflow/step.js';
import { applyManifestStep } from './apply-manifest.js';
import { cni } from './cni.js';
import { controlPlaneTaint } from './control-plane-taint.js';
import { ingress } from './ingress.js';
import { install } from './install.js';
import { kubeadmInit } from './kubeadm-init.js';
import { kubeconfig } from './kubeconfig.js';
import { podSecurity } from './pod-security.js';
import { preflight } from './preflight.js';
import { verifyStep } from './verify.js';

export const UP_STEPS: Step[] = [
  install,
  preflight,
  kubeadmInit,
  kubeconfig,
  podSecurity,
  cni,
  controlPlaneTaint,
  ingress,
  applyManifestStep('tenants', 'Create tenant namespaces, accounts and bindings'),
  verifyStep,
];
