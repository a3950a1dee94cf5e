import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A value that must never be printed: tokens, client secrets, passwords, API keys.
 * `toString`, `toJSON` and `util.inspect` all print `[redacted]`, so logging or
 * serialising one by accident is impossible rather than merely unlikely (STYLE habit 9).
 * The only way to the value is the explicit {@link Secret.reveal}.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The wrapped value. Call only where the secret is actually used (crypto, HTTP to a provider). */
  reveal(): T {
    return this.#value;
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

  get [Symbol.toStringTag](): string {
    return 'Secret';
  }
}

export function secret<T>(value: T): Secret<T> {
  return new Secret(value);
}
