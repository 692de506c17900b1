/**
 * kubeadm before 1.25 may default to k8s.gcr.io, frozen since April 2023 (later patches
 * were never pushed there): the rendered config names registry.k8s.io for those minors,
 * and, for 1.21-1.24, where CoreDNS lives on it (coredns/coredns, which kubeadm adds
 * only for its own default registry).
 */
import test from 'ava';
import { supportedMinors } from '../../src/versions.js';
import { renderText } from '../helpers/render.js';

type Obj = Record<string, any>;

function cluster(version: string): Obj {
  const docs = renderText(
    `kubernetesVersion: ${version}\n${Number(version.split('.')[1]) < 17 ? 'podSecurity: {privilegedNamespaces: [kube-system]}\n' : ''}`,
  ).file('kubeadm-config.yaml').objects as Obj[];
  return docs.find((d) => d.kind === 'ClusterConfiguration' || d.kind === 'MasterConfiguration')!;
}

for (const minor of supportedMinors()) {
  test(`v1.${minor}: image repository`, (t) => {
    const c = cluster(`v1.${minor}.3`);
    if (minor <= 24) t.is(c.imageRepository, 'registry.k8s.io');
    else t.is(c.imageRepository, undefined, "kubeadm's own default (registry.k8s.io) is left alone");
    if (minor >= 21 && minor <= 24) t.deepEqual(c.dns, { imageRepository: 'registry.k8s.io/coredns' });
    else t.is(c.dns, undefined);
  });
}
