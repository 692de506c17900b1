/**
 * windowsHostProcess (baseline, v1.0+): Windows HostProcess containers are refused
 * (`securityContext.windowsOptions.hostProcess: true` on the pod or a container).
 *
 * Upstream: policy/check_windowsHostProcess.go (read at 9dce1d6a / da0c8de9). One
 * revision at 1.0. Detail names the pod first, then the containers.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, containersWhere, obj } from '../helpers.js';

function windowsHostProcess1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const bad = containersWhere(spec, (c) => obj(obj(c.securityContext)?.windowsOptions)?.hostProcess === true);
  const pod = obj(obj(spec.securityContext)?.windowsOptions)?.hostProcess === true;
  if (!pod && !bad) return null;
  const setters: string[] = [];
  if (pod) setters.push('pod');
  if (bad) setters.push(containersPhrase(bad));
  return {
    reason: 'hostProcess',
    detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  };
}

export const windowsHostProcess: CheckDefinition = {
  id: 'windowsHostProcess',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: windowsHostProcess1_0 }],
};
