/**
 * Splits a stream of YAML text, line by line, into the pieces worth parsing one at a
 * time, so that memory stays flat however long the input is:
 * - each document (`---` at the start of a line begins one; the marker line stays
 *   with it, which js-yaml accepts);
 * - inside a document whose root has a block `items:` key (a List: kubectl prints its
 *   entries at column 0, other tools indent them), each entry separately. The entry's
 *   `-` becomes a space, which leaves every column where it was. The rest of the
 *   document (apiVersion, kind, metadata) is kept as one more piece with `items:`
 *   empty, so its errors are still found.
 *
 * Line numbers are those of the whole stream (1-based).
 */

export interface YamlPiece {
  text: string;
  /** Stream line of the piece's first line. */
  line: number;
  /** For the wrapper of a split List: stream line of each of its lines (its lines are not contiguous). */
  lineMap?: number[];
  /** True for the wrapper left over after a List's items were split off. */
  listWrapper?: boolean;
}

const DOC_START = /^---(?:[ \t]|$)/;
const DOC_END = /^\.\.\.(?:[ \t]|$)/;
const ITEMS_KEY = /^items:[ \t]*(?:#.*)?$/;

function leadingSpaces(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 0x20) i++;
  return i;
}

/** `- ...` or a lone `-` at `indent`: a block sequence entry. */
function isEntry(line: string, indent: number): boolean {
  if (line.charCodeAt(indent) !== 0x2d) return false;
  const next = line.charCodeAt(indent + 1);
  return Number.isNaN(next) || next === 0x20 || next === 0x09;
}

export class YamlSplitter {
  private partial = '';
  private lineNo = 0;

  /** Lines of the current document (or of the wrapper, once items are split off). */
  private doc: string[] = [];
  private docLines: number[] = [];
  private split = false;
  private inItems = false;
  /** Column of the entries' `-`, known from the first entry (-1 before it). */
  private itemIndent = -1;
  private item: string[] = [];
  private itemLine = 0;

  push(chunk: string): YamlPiece[] {
    const out: YamlPiece[] = [];
    let text = this.partial + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, out);
      start = nl + 1;
    }
    this.partial = text.slice(start);
    text = '';
    return out;
  }

  end(): YamlPiece[] {
    const out: YamlPiece[] = [];
    if (this.partial !== '') {
      this.line(this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial, out);
      this.partial = '';
    }
    this.finishDoc(out);
    return out;
  }

  private line(line: string, out: YamlPiece[]): void {
    this.lineNo++;
    if (this.lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (DOC_START.test(line)) {
      this.finishDoc(out);
      this.addDocLine(line);
      return;
    }
    if (this.inItems) {
      const indent = leadingSpaces(line);
      const blank = indent === line.length || line[indent] === '#';
      if (this.itemIndent < 0 && !blank && isEntry(line, indent)) this.itemIndent = indent;
      if (!blank && indent === this.itemIndent && isEntry(line, indent)) {
        this.finishItem(out);
        this.split = true;
        this.item.push(`${line.slice(0, indent)} ${line.slice(indent + 1)}`);
        this.itemLine = this.lineNo;
        return;
      }
      // Deeper lines, blank lines and comments belong to the current entry.
      if (blank || (this.itemIndent >= 0 && indent > this.itemIndent)) {
        if (this.item.length > 0) this.item.push(line);
        else this.addDocLine(line);
        return;
      }
      // Anything else (a root key, or entries not in block form): the entries are over.
      this.finishItem(out);
      this.inItems = false;
    }
    this.addDocLine(line);
    if (DOC_END.test(line)) {
      this.finishDoc(out);
      return;
    }
    // A root `items:` key: its block entries are handed out one by one (and `split`
    // is set once one is); flow-style entries stay in the document, expanded after parsing.
    if (ITEMS_KEY.test(line)) {
      this.inItems = true;
      this.itemIndent = -1;
    }
  }

  private addDocLine(line: string): void {
    this.doc.push(line);
    this.docLines.push(this.lineNo);
  }

  private finishItem(out: YamlPiece[]): void {
    if (this.item.length === 0) return;
    out.push({ text: this.item.join('\n'), line: this.itemLine });
    this.item = [];
  }

  private finishDoc(out: YamlPiece[]): void {
    this.finishItem(out);
    this.inItems = false;
    if (this.doc.length > 0) {
      const piece: YamlPiece = { text: this.doc.join('\n'), line: this.docLines[0] };
      if (this.split) {
        piece.lineMap = this.docLines;
        piece.listWrapper = true;
      }
      out.push(piece);
    }
    this.doc = [];
    this.docLines = [];
    this.split = false;
  }
}
