import test from 'ava';
import { configErrors } from '../helpers/config.js';

const cases: [string, string, string[]][] = [
  [
    'version not a version',
    'kubernetesVersion: latest\n',
    [
      'cluster.yaml:1:20: kubernetesVersion: "latest" is not a Kubernetes version; write it as v1.MINOR.PATCH, e.g. v1.24.17',
    ],
  ],
  [
    'version too old',
    'kubernetesVersion: v1.10.13\n',
    ['cluster.yaml:1:20: kubernetesVersion: v1.10.13 is outside the supported range v1.11 to v1.37'],
  ],
  [
    'version too new',
    'kubernetesVersion: v1.38.0\n',
    ['cluster.yaml:1:20: kubernetesVersion: v1.38.0 is outside the supported range v1.11 to v1.37'],
  ],
  [
    'psp on 1.25',
    'kubernetesVersion: v1.25.16\npodSecurity:\n  mode: psp\n',
    [
      'cluster.yaml:3:9: podSecurity.mode: psp is not available on v1.25: PodSecurityPolicy was removed in v1.25; use pss (or auto)',
    ],
  ],
  [
    'pss on 1.22',
    'kubernetesVersion: v1.22.17\npodSecurity:\n  mode: pss\n',
    [
      'cluster.yaml:3:9: podSecurity.mode: pss needs Kubernetes v1.23 or newer (PodSecurity admission); use psp on v1.22 (psp works up to v1.24)',
    ],
  ],
  [
    'pod subnet not a CIDR',
    'networking:\n  podSubnet: 10.244.0.0\n',
    ['cluster.yaml:2:14: networking.podSubnet: "10.244.0.0": not a CIDR; expected an IPv4 block such as 10.244.0.0/16'],
  ],
  [
    'pod subnet bad octet',
    'networking:\n  podSubnet: 10.300.0.0/16\n',
    ['cluster.yaml:2:14: networking.podSubnet: "10.300.0.0/16": "10.300.0.0" is not an IPv4 address'],
  ],
  [
    'pod subnet host bits',
    'networking:\n  podSubnet: 10.244.1.0/16\n',
    ['cluster.yaml:2:14: networking.podSubnet: "10.244.1.0/16": host bits are set; the network is 10.244.0.0/16'],
  ],
  [
    'pod subnet too small',
    'networking:\n  podSubnet: 10.244.0.0/25\n',
    [
      "cluster.yaml:2:14: networking.podSubnet: /25 is smaller than one node's /24 pod range; use /24 or larger (e.g. 10.244.0.0/16)",
    ],
  ],
  [
    'ipv6 subnet',
    'networking:\n  podSubnet: fd00::/56\n',
    [
      'cluster.yaml:2:14: networking.podSubnet: "fd00::/56": IPv6 subnets are not supported yet; use an IPv4 CIDR such as 10.244.0.0/16',
    ],
  ],
  [
    'service subnet too large',
    'networking:\n  serviceSubnet: 172.0.0.0/8\n',
    [
      'cluster.yaml:2:18: networking.serviceSubnet: /8 is too large: kube-apiserver accepts at most /12 for IPv4 service ranges',
    ],
  ],
  [
    'subnets overlap',
    'networking:\n  podSubnet: 10.0.0.0/12\n  serviceSubnet: 10.8.0.0/16\n',
    [
      'cluster.yaml:3:18: networking.serviceSubnet: 10.8.0.0/16 overlaps podSubnet 10.0.0.0/12; pods and services need separate ranges',
    ],
  ],
  [
    'advertise address inside the pod subnet',
    'controlPlane:\n  advertiseAddress: 10.244.3.4\n',
    [
      "cluster.yaml:2:21: controlPlane.advertiseAddress: 10.244.3.4 lies inside networking.podSubnet 10.244.0.0/16; the node's own address must be outside it",
    ],
  ],
  [
    'advertise address not an address',
    'controlPlane:\n  advertiseAddress: my-host\n',
    [
      'cluster.yaml:2:21: controlPlane.advertiseAddress: "my-host" is not an IPv4 address (leave it empty to let kubeadm choose)',
    ],
  ],
  [
    'dns domain',
    'networking:\n  dnsDomain: Cluster_Local\n',
    [
      "cluster.yaml:2:14: networking.dnsDomain: \"Cluster_Local\" is not a valid DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit",
    ],
  ],
  [
    'node name',
    'controlPlane:\n  nodeName: CP_1\n',
    [
      "cluster.yaml:2:13: controlPlane.nodeName: \"CP_1\" is not a valid DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit",
    ],
  ],
  [
    'tenant namespace not DNS-1123',
    'tenants:\n  - namespace: Team.A\n',
    [
      'cluster.yaml:2:16: tenants[0].namespace: "Team.A" is not a valid DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit',
    ],
  ],
  [
    'tenant namespace too long',
    `tenants:\n  - namespace: ${'a'.repeat(64)}\n`,
    ['cluster.yaml:2:16: tenants[0].namespace: must be no more than 63 characters (has 64)'],
  ],
  [
    'tenant service account name',
    'tenants:\n  - namespace: demo\n    serviceAccounts: [App]\n',
    [
      "cluster.yaml:3:23: tenants[0].serviceAccounts[0]: \"App\" is not a valid DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit",
    ],
  ],
  [
    'tenant policy that does not exist',
    'tenants:\n  - namespace: demo\n    policy: unprivileged\n',
    [
      'cluster.yaml:3:13: tenants[0].policy: policy "unprivileged" does not exist; use a built-in template (restricted, baseline, privileged, privileged-restricted, privileged-root-volumes-restricted, ingress-nginx) or define it under policies',
    ],
  ],
  [
    'tenant in kube-system',
    'tenants:\n  - namespace: kube-system\n',
    [
      'cluster.yaml:2:16: tenants[0].namespace: "kube-system" belongs to Kubernetes itself; tenants need their own namespace',
    ],
  ],
  [
    'two tenants, one namespace',
    'tenants:\n  - namespace: demo\n  - namespace: demo\n',
    ['cluster.yaml:3:16: tenants[1].namespace: namespace "demo" is used by two tenants; merge them'],
  ],
  [
    'tenant role',
    'tenants:\n  - namespace: demo\n    role: owner\n',
    ['cluster.yaml:3:11: tenants[0].role: must be one of admin, edit, view; got the string "owner"'],
  ],
  [
    'kube-system not privileged',
    'podSecurity:\n  privilegedNamespaces: [kube-flannel]\n',
    [
      'cluster.yaml:2:25: podSecurity.privilegedNamespaces: must include kube-system: the control plane, kube-proxy and CoreDNS run there and are refused otherwise',
    ],
  ],
  [
    'the CNI namespace not privileged',
    'podSecurity:\n  privilegedNamespaces: [kube-system]\n',
    [
      'cluster.yaml:2:25: podSecurity.privilegedNamespaces: must include kube-flannel: flannel runs there on v1.24 and needs host networking',
    ],
  ],
  [
    'custom policy with an unknown template',
    'policies:\n  - name: mine\n    template: strict\n',
    [
      'cluster.yaml:3:15: policies[0].template: unknown template "strict"; built-in templates: restricted, baseline, privileged, privileged-restricted, privileged-root-volumes-restricted, ingress-nginx',
    ],
  ],
  [
    'custom policy named like a built-in',
    'policies:\n  - name: restricted\n',
    ['cluster.yaml:2:11: policies[0].name: "restricted" is a built-in template; give your policy its own name'],
  ],
  [
    'custom policy with an unknown PSP field',
    'policies:\n  - name: mine\n    spec:\n      hostNetworks: true\n',
    ['cluster.yaml:4:7: policies[0].spec.hostNetworks: unknown field'],
  ],
  [
    'custom policy with a range the API server refuses',
    'policies:\n  - name: mine\n    spec:\n      hostPorts:\n        - {min: 9000, max: 8000}\n',
    ['cluster.yaml:5:11: policies[0].spec.hostPorts[0]: min (9000) must not be greater than max (8000)'],
  ],
  [
    'custom policy with a volume type the minor does not know',
    'kubernetesVersion: v1.18.20\npolicies:\n  - name: mine\n    spec:\n      volumes: [configMap, ephemeral]\n',
    [
      'cluster.yaml:5:28: policies[0].spec.volumes[1]: "ephemeral" is not a volume type Kubernetes v1.18 accepts in a PodSecurityPolicy',
    ],
  ],
  [
    'custom policy with a field the minor does not know',
    'kubernetesVersion: v1.12.10\npolicies:\n  - name: mine\n    spec:\n      runAsGroup: {rule: RunAsAny}\n',
    [
      "cluster.yaml:5:19: policies[0].spec.runAsGroup: needs Kubernetes v1.13 or newer; v1.12's API server does not know this field",
    ],
  ],
  [
    'custom policy dropping and allowing the same capability',
    'policies:\n  - name: mine\n    spec:\n      allowedCapabilities: [NET_ADMIN]\n      requiredDropCapabilities: [NET_ADMIN]\n',
    [
      'cluster.yaml:4:29: policies[0].spec.allowedCapabilities[0]: capability "NET_ADMIN" is also in requiredDropCapabilities',
    ],
  ],
  [
    // The restricted template drops ALL; a real 1.24 API server refuses the policy (test/real).
    'custom policy allowing every capability while the template requires drops',
    'policies:\n  - name: mine\n    spec:\n      allowedCapabilities: ["*"]\n',
    [
      'cluster.yaml:4:29: policies[0].spec.allowedCapabilities[0]: "*" allows every capability, so requiredDropCapabilities must be empty (it is [ALL])',
    ],
  ],
  [
    'custom policy with ranges for runAsGroup RunAsAny',
    'policies:\n  - name: mine\n    spec:\n      runAsGroup: {rule: RunAsAny, ranges: [{min: 1, max: 2}]}\n',
    ['cluster.yaml:4:44: policies[0].spec.runAsGroup.ranges: must be empty for rule RunAsAny'],
  ],
  [
    'custom policy with MustRunAs and no range',
    'policies:\n  - name: mine\n    spec:\n      runAsUser: {rule: MustRunAs}\n',
    [
      'cluster.yaml:4:18: policies[0].spec.runAsUser.ranges: rule MustRunAs needs at least one range; without one the admission plugin cannot use this policy',
    ],
  ],
  [
    'custom policy with a bad seccomp profile',
    'policies:\n  - name: mine\n    annotations:\n      seccomp.security.alpha.kubernetes.io/defaultProfileName: default\n',
    [
      'cluster.yaml:4:64: policies[0].annotations["seccomp.security.alpha.kubernetes.io/defaultProfileName"]: "default" is not a seccomp profile: use runtime/default, docker/default, unconfined or localhost/<path>',
    ],
  ],
  [
    'ingress namespace taken by a tenant',
    'ingress:\n  enabled: true\n  namespace: demo\ntenants:\n  - namespace: demo\n',
    ['cluster.yaml:3:14: ingress.namespace: "demo" is also a tenant namespace; ingress-nginx needs its own'],
  ],
];

for (const [name, text, expected] of cases) {
  test(`bad config: ${name}`, (t) => {
    t.deepEqual(configErrors(text), expected);
  });
}

test('every problem in a file is reported at once', (t) => {
  const errors = configErrors(
    'kubernetesVersion: v1.25.1\npodSecurity:\n  mode: psp\nnetworking:\n  podSubnet: 10.96.0.0/12\n',
  );
  t.is(errors.length, 2);
  t.regex(errors[0], /podSecurity\.mode/);
  t.regex(errors[1], /networking\.serviceSubnet: 10\.96\.0\.0\/12 overlaps podSubnet/);
});

test('a valid config with tenants, ingress and a custom policy has no problems', (t) => {
  const text = [
    'kubernetesVersion: v1.24.17',
    'ingress: {enabled: true}',
    'tenants:',
    '  - {namespace: demo, serviceAccounts: [app, ci], role: edit, policy: data-readers}',
    '  - {namespace: ops, serviceAccounts: [runner], role: admin, policy: privileged-restricted}',
    'policies:',
    '  - name: data-readers',
    '    template: restricted',
    '    spec:',
    '      volumes: [configMap, secret, hostPath]',
    '      allowedHostPaths: [{pathPrefix: /data, readOnly: true}]',
    '',
  ].join('\n');
  t.deepEqual(configErrors(text), []);
});

const reserved: [string, string, RegExp][] = [
  [
    'loopback pod subnet',
    'networking: {podSubnet: 127.0.0.0/16}\n',
    /networking\.podSubnet: 127\.0\.0\.0\/16 overlaps 127\.0\.0\.0\/8 \(loopback\)/,
  ],
  [
    'multicast pod subnet',
    'networking: {podSubnet: 224.0.0.0/16}\n',
    /networking\.podSubnet: 224\.0\.0\.0\/16 overlaps 224\.0\.0\.0\/4 \(multicast\)/,
  ],
  [
    'link-local service subnet',
    'networking: {serviceSubnet: 169.254.0.0/16}\n',
    /networking\.serviceSubnet: .*\(link-local\)/,
  ],
  ['"this network" pod subnet', 'networking: {podSubnet: 0.0.0.0/16}\n', /networking\.podSubnet: .*\("this network"\)/],
  [
    'reserved service subnet',
    'networking: {serviceSubnet: 240.0.0.0/12}\n',
    /networking\.serviceSubnet: .*\(reserved\)/,
  ],
  ['a huge pod subnet over loopback', 'networking: {podSubnet: 64.0.0.0/2}\n', /overlaps 127\.0\.0\.0\/8 \(loopback\)/],
  [
    'loopback advertise address',
    'controlPlane: {advertiseAddress: 127.0.0.1}\n',
    /controlPlane\.advertiseAddress: 127\.0\.0\.1 is a loopback address/,
  ],
  [
    'multicast advertise address',
    'controlPlane: {advertiseAddress: 239.1.2.3}\n',
    /controlPlane\.advertiseAddress: 239\.1\.2\.3 is a multicast address/,
  ],
  [
    'link-local advertise address',
    'controlPlane: {advertiseAddress: 169.254.10.1}\n',
    /controlPlane\.advertiseAddress: 169\.254\.10\.1 is a link-local address/,
  ],
  [
    'unspecified advertise address',
    'controlPlane: {advertiseAddress: 0.0.0.0}\n',
    /controlPlane\.advertiseAddress: 0\.0\.0\.0 is .*"this network"/,
  ],
  [
    'broadcast advertise address',
    'controlPlane: {advertiseAddress: 255.255.255.255}\n',
    /controlPlane\.advertiseAddress: 255\.255\.255\.255 is .*reserved/,
  ],
  [
    'flannel iface with a space',
    'cni: {iface: "eth0 --foo"}\n',
    /cni\.iface: "eth0 --foo" is not a network interface name/,
  ],
  ['flannel iface too long', 'cni: {iface: abcdefghijklmnop}\n', /cni\.iface: .*at most 15 characters/],
];
for (const [name, text, expected] of reserved) {
  test(`refused: ${name}`, (t) => {
    const errors = configErrors(text);
    t.is(errors.length, 1, errors.join('\n'));
    t.regex(errors[0], expected);
  });
}

test('accepted: private, shared and public ranges, and an interface name or address for flannel', (t) => {
  for (const text of [
    'networking: {podSubnet: 100.64.0.0/16, serviceSubnet: 172.16.0.0/16}\n',
    'networking: {podSubnet: 192.168.0.0/16}\ncontrolPlane: {advertiseAddress: 10.0.2.15}\n',
    'cni: {iface: enp0s8}\n',
    'cni: {iface: eth1.100}\n',
    'cni: {iface: 192.168.56.10}\n',
  ])
    t.deepEqual(configErrors(text), [], text);
});
