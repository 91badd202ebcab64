import { inspect } from 'node:util';

const REDACTED = '[secret]';

/**
 * Holds a credential and refuses to print it: `String()`, JSON, `util.inspect` and template
 * literals all give `[secret]`. Only `reveal()` hands out the value, at the one place that
 * needs it (the token request, the encryption).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value. Call it only where the value leaves for Halo or the cipher. */
  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
