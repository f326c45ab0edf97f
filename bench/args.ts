/** A benchmark's whole-number option (`--people 20000`), or its default; anything else is refused with a message. */
export function numberArg(name: string, fallback: number, args: readonly string[] = process.argv.slice(2)): number {
  const i = args.indexOf(name);
  const n = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
}
