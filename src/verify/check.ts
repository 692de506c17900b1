/** One thing verify checked: what, whether it holds, and what it found. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
