import fc from 'fast-check';

/**
 * The fast-check settings of the fuzzing suites: a fixed seed, so a failure replays.
 * `FUZZ_SEED` and `FUZZ_RUNS` explore further (a failure prints the seed to replay it).
 */
export const FUZZ = {
  seed: Number(process.env.FUZZ_SEED ?? 20_260_301),
  numRuns: Number(process.env.FUZZ_RUNS ?? 80),
} as const;

/** A lone UTF-16 surrogate: not valid Unicode, survives JSON, breaks naive encoders. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Odd but printable: control characters, bidi overrides, zero-width, quotes, markup. */
const oddCharacter = fc.constantFrom(
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\uffff',
  '"',
  "'",
  '`',
  '<',
  '>',
  '&',
  '\\',
  '%',
  '\r\n',
  '*',
  '_',
  '~',
  '@',
);

/** Strings as an attacker types them: any code point, lone surrogates, odd characters. */
export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.oneof(loneSurrogate, oddCharacter, fc.string({ minLength: 1, maxLength: 1 })),
    maxLength: 40,
  }),
  fc.constantFrom('', ' ', '\n', 'null', 'undefined', '[]', '{}', '0', '-1', 'NaN'),
);

/** Huge strings: past every field limit, well under the body limits. */
export const hugeString = fc
  .tuple(fc.integer({ min: 2_001, max: 60_000 }), fc.constantFrom('a', 'é', '💥', '\u0000'))
  .map(([n, c]) => c.repeat(n));

/** Any string a form field or a command could carry. */
export const anyText = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 1, arbitrary: hugeString },
);

/** JSON values, nested a little; deep nesting has its own explicit cases. */
export const anyJson = fc.jsonValue({ maxDepth: 6 });

/** `[[[…]]]` nested `depth` times: JSON that a recursive walker would overflow on. */
export function deeplyNested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Every path to a value inside a JSON-like object, skipping keys that hold URLs. */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): PathKey[][] {
  if (!value || typeof value !== 'object') return [];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([key, child]) => {
    if (typeof key === 'string' && /url/i.test(key)) return [];
    const path = [...prefix, key];
    return [path, ...pathsOf(child, path)];
  });
}

type PathKey = string | number;

/** A deep copy of `value` with the value at `path` replaced, or removed when given `REMOVE`. */
export function mutate(value: unknown, path: PathKey[], replacement: unknown | typeof REMOVE) {
  const copy = structuredClone(value) as Record<PathKey, unknown>;
  let node: Record<PathKey, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<PathKey, unknown>;
  const last = path.at(-1)!;
  if (replacement === REMOVE) delete node[last];
  else node[last] = replacement;
  return copy;
}

/** Passed to `mutate` to remove a key instead of replacing its value. */
export const REMOVE = Symbol('remove');

/**
 * A mutation of one of `bases`: one value somewhere inside replaced with any JSON value, or
 * removed.
 */
export function mutationOf(bases: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom(...bases),
      fc.nat(),
      fc.oneof(anyJson, anyText, fc.constant(REMOVE), fc.constant(null)),
    )
    .map(([base, index, replacement]) => {
      const paths = pathsOf(base);
      if (paths.length === 0) return base;
      return mutate(base, paths[index % paths.length]!, replacement);
    });
}
