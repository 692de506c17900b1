/**
 * A policy the admission plugin cannot turn into a provider (factory.go
 * CreateStrategies fails). Upstream logs the error and leaves that policy out, so
 * it can neither admit nor refuse a pod; kubestrap reports it on stderr instead.
 */
export class StrategyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyError';
  }
}
