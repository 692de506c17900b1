/**
 * The simulated node's state: one JSON file (SIM_STATE) that every fake tool
 * reads, reconciles to "now" and writes back. Host facts that a real host keeps
 * in files (sysctls, /proc/swaps, /etc/passwd, kubeconfigs, manifests) live in
 * files under the root (KUBESTRAP_ROOT) instead, so kubestrap and the fakes see
 * the same thing.
 */

export interface Versions {
  /** `v1.24.17` */
  kubeadm: string;
  kubelet: string;
  kubectl: string;
}

export interface Service {
  enabled: boolean;
  active: boolean;
}

export interface Listener {
  /** `0.0.0.0`, `*`, `127.0.0.1`, `[::]`, `127.0.0.53%lo` */
  addr: string;
  port: number;
}

export interface IptChain {
  /** Built-in chains have a policy; user chains do not. */
  policy?: string;
  rules: string[];
}

/** table name -> chain name -> chain, chains in creation order. */
export type IptTables = Record<string, Record<string, IptChain>>;

export interface Link {
  name: string;
  kind: 'loopback' | 'ether' | 'vxlan' | 'bridge' | 'veth';
  mtu: number;
  mac: string;
}

export interface HostState {
  hostname: string;
  /** The default route's address (what kubeadm advertises when none is configured). */
  ip: string;
  cpus: number;
  memoryMB: number;
  root: boolean;
  /** Swap is on now. */
  swap: boolean;
  /**
   * The swap systemd activates at boot: a unit made from an /etc/fstab line (active while
   * that line is there), or one from a generator (systemd-gpt-auto, zram) that only
   * masking stops. Absent in states from before this model.
   */
  swapUnits?: { unit: string; what: string; fromFstab: boolean }[];
  /** Units `systemctl mask` linked to /dev/null. */
  maskedUnits?: string[];
  /** Tools the host's packages did not bring (conntrack, socat, crictl ...): they answer 127. */
  missingTools?: string[];
  /** containerd as installed: its version, whether its CRI plugin is on, runc's SystemdCgroup. */
  containerdRuntime?: { version: string; criPlugin: boolean; systemdCgroup: boolean; sandboxImage?: string };
  /** dpkg's database: installed package -> version (absent in states from before this model). */
  packages?: Record<string, string>;
  /** `apt-mark hold`. */
  held?: string[];
  /** The repository lines the last `apt-get update` fetched (what apt-get install can find). */
  aptLists?: string[];
  /** /etc/os-release's ID and VERSION_CODENAME (also written to that file). */
  os?: { id: 'ubuntu' | 'debian'; versionId: string; codename: string };
  /** `dpkg --print-architecture`. */
  arch?: string;
  /** The cgroup hierarchy mounted at /sys/fs/cgroup (2 on current distributions). */
  cgroupVersion?: 1 | 2;
  /** The backend /usr/sbin/iptables points at (update-alternatives). */
  iptablesMode?: 'nft' | 'legacy';
  kernel: string;
  modules: string[];
  services: Record<string, Service>;
  /** Listeners that are not the cluster's (sshd, resolved, "ports in use"). */
  listeners: Listener[];
  iptables: { v4: IptTables; v6: IptTables };
  links: Link[];
  /** Set when iptables leaves INPUT on DROP without an accept for port 22. */
  sshLockedOut?: boolean;
}

export interface Timing {
  /** Delay from a CNI pod running to the node turning Ready. */
  nodeReadyAfterCniMs: number;
  /** Delay from a pod being scheduled to it running (image pull and container start; default 2 s). */
  podStartMs: number;
  /** Extra delay before a pod with a readiness probe turns Ready (CoreDNS syncing with the API; default 5 s). */
  podReadyMs: number;
  /** How often kubectl wait / rollout status look at the state. */
  pollMs: number;
  /** How long `kubeadm init` takes between its phases (keeps it realistic, default 0). */
  kubeadmInitMs: number;
  /** How long the API server is away after its static pod manifest changed (default 400). */
  apiServerRestartMs?: number;
}

export type FaultAction =
  | { action: 'fail'; stdout?: string; stderr?: string; exitCode?: number }
  | { action: 'hang' }
  | { action: 'delay'; ms: number }
  | { action: 'preflight'; errors: { name: string; message: string }[] }
  | { action: 'dropObject'; kind: string; name: string; namespace?: string }
  | { action: 'wrongPolicy'; podPrefix: string; namespace?: string; policy: string }
  /** The next restart(s) of the API server (a changed manifest) never come up: it crash-loops until the manifest changes again. */
  | { action: 'apiServerCrash'; reason?: string };

export type Fault = FaultAction & {
  /** Only calls of this tool (basename), e.g. `kubectl`. */
  tool?: string;
  /** Only calls whose argv, joined with spaces, contains this. */
  match?: string;
  /** How many more times it fires; unlimited when absent. */
  count?: number;
  /** How many times it has fired. */
  fired?: number;
};

export interface CallRecord {
  id: string;
  tool: string;
  argv: string[];
  start: number;
  end: number | null;
  exitCode: number | null;
  pid: number;
}

export interface PssAdmissionConfig {
  defaults: Record<string, string>;
  exemptions: { usernames: string[]; namespaces: string[]; runtimeClasses: string[] };
}

export type KObj = Record<string, any>;

export interface NodeTimes {
  /** When a CNI pod started running on the node. */
  cniRunningAt?: number;
  /** When the node turned Ready (= network ready). */
  readyAt?: number;
  /** Last time a NoSchedule taint went away (for scheduling times). */
  taintsChangedAt: number;
}

export interface ControllerBackoff {
  /** Refusals so far (the work queue's failure count for the key). */
  failures: number;
  /** When the controller tries again. */
  nextAt: number;
  /** The node's resourceVersion at the last attempt: a changed node requeues a DaemonSet at once. */
  nodeRv?: string;
}

export interface ClusterState {
  /** Random per `kubeadm init`: stands for the cluster CA. */
  id: string;
  version: string;
  minor: number;
  nodeName: string;
  advertiseAddress: string;
  bindPort: number;
  podSubnet: string | null;
  serviceSubnet: string;
  dnsDomain: string;
  token: string;
  caHash: string;
  createdAt: number;
  /** API server flags that decide admission. */
  admissionPlugins: string[];
  psp: boolean;
  pss: PssAdmissionConfig | null;
  /** Object store: `Kind/namespace/name` -> object (server view, with `_sim` private fields). */
  objects: Record<string, KObj>;
  rv: number;
  /** Bumped whenever an input to admission changes (policies, RBAC, namespaces, service accounts). */
  epoch: number;
  /** kubelet mirror pod key -> epoch of its last creation attempt (it retries when admission inputs change). */
  attempts: Record<string, number>;
  /**
   * Controllers (ReplicaSet, DaemonSet) whose pod creation was refused: they retry on their
   * work queue's exponential backoff (5 ms doubling to 1000 s, client-go's default controller
   * rate limiter), not when policies appear. Absent in states from before this model.
   */
  backoff?: Record<string, ControllerBackoff>;
  /** Static pod manifests the kubelet runs (mirror pods are created from these). */
  staticPods: KObj[];
  node: NodeTimes;
  /** Whether kube-proxy / flannel put their iptables rules and links in already. */
  hostEffects: Record<string, boolean>;
  /** The API server as the kubelet runs it from its static pod manifest (absent in states from before this model). */
  apiServer?: ApiServerRun;
  /** kubeadm's controlPlaneEndpoint: where nodes join, and what lets more control planes join. */
  controlPlaneEndpoint?: string;
  /**
   * The nodes of the cluster, each with its own root (KUBESTRAP_ROOT) and role, so a fake knows
   * which node it runs on: the one `kubeadm init` made, then every `kubeadm join`. Absent in
   * states from before several nodes were modelled.
   */
  members?: ClusterMember[];
  /** The kube-system/kubeadm-certs Secret of `upload-certs`: the key that decrypts it, and when it goes (two hours). */
  uploadedCerts?: { key: string; expiresAt: number };
}

export interface ClusterMember {
  root: string;
  name: string;
  controlPlane: boolean;
  /** The address its API server listens on (control planes). */
  address?: string;
}

/**
 * The kubelet restarts the API server when kube-apiserver.yaml changes: it is away
 * for `apiServerRestartMs`, then runs the new flags, or crash-loops (a manifest
 * the API server cannot start with, or an `apiServerCrash` fault).
 */
export interface ApiServerRun {
  /** The control plane's manifest, as an absolute path (workers sharing the state have other roots). */
  manifestFile?: string;
  /** Hash of the manifest text the kubelet last acted on. */
  manifestHash: string;
  state: 'running' | 'restarting' | 'crashlooping';
  /** When the restart began. */
  since: number;
  /** When a restart that works comes up. */
  readyAt?: number;
  /** Why it crash-loops (the API server's own last words). */
  reason?: string;
  /** What the restarted API server runs with, applied when it comes up. */
  next?: { admissionPlugins: string[]; psp: boolean; pss: PssAdmissionConfig | null; pod: KObj };
}

export interface SimState {
  schema: 1;
  versions: Versions;
  host: HostState;
  timing: Timing;
  faults: Fault[];
  cluster: ClusterState | null;
  /** Bootstrap tokens created by `kubeadm token create` after init. */
  extraTokens: string[];
  /** Added to the wall clock: tests move the node's time forward (a long pause) without waiting. */
  clockOffsetMs?: number;
  /** Filled from the call log by createSimNode().state(); not stored. */
  calls?: CallRecord[];
}
