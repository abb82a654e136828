// The outcome of reading a setting a person wrote (environment variable or API field): the value, or
// a sentence saying what is wrong with it, so configuration and the API report the same fault.
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
