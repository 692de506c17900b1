/**
 * The YAML schema manifests are read with. kubectl turns YAML into JSON with
 * sigs.k8s.io/yaml, i.e. go-yaml v2, which follows YAML 1.1 for booleans: `yes`,
 * `no`, `on`, `off` (any case variant it knows) are booleans, so `privileged: yes`
 * really does make a privileged container. js-yaml's core schema is YAML 1.2, where
 * they are strings, so the 1.1 spellings are added here. Timestamps stay strings (the
 * API decodes them from strings anyway), and merge keys (`<<`) work as in go-yaml.
 */
import { CORE_SCHEMA, Type } from 'js-yaml';

// go-yaml v2's resolve table. The type replaces js-yaml's own bool type (same tag),
// so it lists the YAML 1.2 spellings too.
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

const yaml11Bool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (YAML11_TRUE.has(data) || YAML11_FALSE.has(data)),
  construct: (data: string) => YAML11_TRUE.has(data),
});

/** `<<` merge keys; js-yaml's loader recognises them by this tag. */
const merge = new Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: string | null) => data === '<<' || data === null,
});

export const MANIFEST_SCHEMA = CORE_SCHEMA.extend({ implicit: [yaml11Bool, merge] });
