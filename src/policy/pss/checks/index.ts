/**
 * Every Pod Security Standards check the PodSecurity plugin registers (policy/check_*.go,
 * each file's init() addCheck). The registry sorts them by ID; the order here is only
 * for reading.
 */
import type { CheckDefinition } from '../registry.js';
import { hostNamespaces } from './hostNamespaces.js';
import { privileged } from './privileged.js';
import { capabilitiesBaseline } from './capabilitiesBaseline.js';
import { hostPathVolumes } from './hostPathVolumes.js';
import { hostPorts } from './hostPorts.js';
import { hostProbesAndHostLifecycle } from './hostProbesAndHostLifecycle.js';
import { appArmorProfile } from './appArmorProfile.js';
import { seLinuxOptions } from './seLinuxOptions.js';
import { procMount } from './procMount.js';
import { seccompProfileBaseline } from './seccompProfileBaseline.js';
import { sysctls } from './sysctls.js';
import { windowsHostProcess } from './windowsHostProcess.js';
import { restrictedVolumes } from './restrictedVolumes.js';
import { allowPrivilegeEscalation } from './allowPrivilegeEscalation.js';
import { runAsNonRoot } from './runAsNonRoot.js';
import { runAsUser } from './runAsUser.js';
import { seccompProfileRestricted } from './seccompProfileRestricted.js';
import { capabilitiesRestricted } from './capabilitiesRestricted.js';
import { procMountRestricted } from './procMountRestricted.js';

export const ALL_CHECKS: readonly CheckDefinition[] = [
  // baseline
  hostNamespaces,
  privileged,
  capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfileBaseline,
  sysctls,
  windowsHostProcess,
  // restricted
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
  capabilitiesRestricted,
  procMountRestricted,
];
