/**
 * One YAML piece to an object with js-yaml (MANIFEST_SCHEMA: kubectl's dialect), its
 * errors as UserErrors at the stream's line and column. Loaded only for YAML input:
 * a JSON input (kubectl's bulk output) does not load js-yaml.
 */
import { load, YAMLException } from 'js-yaml';
import { UserError } from '../../errors.js';
import { MANIFEST_SCHEMA } from './yaml-schema.js';

export function parseYaml(text: string, line: number, lineMap: number[] | undefined, file: string): unknown {
  try {
    return load(text, { schema: MANIFEST_SCHEMA, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const mark = e.mark as { line: number; column: number } | undefined;
    const rel = mark?.line ?? 0;
    const at = lineMap ? (lineMap[Math.min(rel, lineMap.length - 1)] ?? line) : line + rel;
    throw new UserError(`invalid YAML: ${e.reason}`, { file, line: at, col: (mark?.column ?? 0) + 1 });
  }
}
