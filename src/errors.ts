/**
 * Errors the CLI knows how to print. cli.ts maps them to exit codes:
 * UserError -> 2 (bad usage or bad input), CheckFailed and HostError -> 1 (a check or
 * step failed, or the host is not as kubestrap needs it). Anything else is a bug: 70.
 */

/** Where in an input file a problem is: 1-based line and column. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

/** Bad usage or bad input. `field` is a dotted path such as `tenants[0].namespace`. */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly where?: SourcePos,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** `cluster.yaml:12:5: tenants[0].namespace: ...` — the form editors and CI logs link. */
  override toString(): string {
    const loc = this.where
      ? `${[this.where.file, this.where.line, this.where.col].filter((p) => p !== undefined).join(':')}: `
      : '';
    const field = this.field ? `${this.field}: ` : '';
    return `${loc}${field}${this.message}`;
  }
}

/** Several input problems reported at once, so a user fixes a file in one pass. */
export class UserErrors extends Error {
  readonly exitCode = 2;
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.toString()).join('\n'));
    this.name = 'UserErrors';
  }
}

/** A check failed, a pod was refused or a step failed: exit 1. */
export class CheckFailed extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

/**
 * The host is not as kubestrap needs it (a damaged state file, a lock path that is a
 * directory, a full disk under /var/lib/kubestrap): exit 1, one line naming the path.
 */
export class HostError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'HostError';
  }
}
