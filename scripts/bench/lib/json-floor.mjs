// The floor under `policy check` on a JSON List: read the file and JSON.parse each item,
// nothing else. Items are cut where kubectl's layout ends them (a `}` after a newline and
// exactly 8 spaces), which only this bench's own input can promise; a real reader must
// find them itself. Searching for the one byte `}` is far faster than for the sequence.
//
//   node json-floor.mjs FILE N    (exits 3 unless it parsed exactly N items)
import { readFileSync } from 'node:fs';

const [file, expected] = process.argv.slice(2);
const buf = readFileSync(file);
const CLOSE = 0x7d;
const closesItem = (q) => {
  if (buf[q - 9] !== 0x0a) return false;
  for (let k = q - 8; k < q; k++) if (buf[k] !== 0x20) return false;
  return true;
};
let start = buf.indexOf('"items": [\n') + '"items": [\n'.length;
let n = 0;
for (let q = buf.indexOf(CLOSE, start); q >= 0; q = buf.indexOf(CLOSE, q + 1)) {
  if (!closesItem(q)) continue;
  JSON.parse(buf.toString('utf8', start, q + 1));
  n++;
  start = q + 3; // past "},\n"
}
if (n !== Number(expected)) {
  console.error(`json-floor: parsed ${n} items, expected ${expected}`);
  process.exit(3);
}
