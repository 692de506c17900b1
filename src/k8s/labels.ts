/** Labels kubestrap puts on every object it renders, so `reset` and audits can find them. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kubestrap' } as const;
