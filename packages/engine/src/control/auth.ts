const encoder = new TextEncoder();
const SCHEME = "bearer ";

/**
 * Whether the `Authorization` header carries `Bearer <token>`. The token comparison takes the same time whatever
 * the header holds (it always walks the whole expected token and folds every difference together), so timing
 * tells an attacker nothing about how much of a guess was right.
 *
 * @example
 * ```ts
 * hasBearer(request.headers.get("authorization"), "0123456789abcdef0123"); // true or false
 * ```
 */
export function hasBearer(header: string | null, token: string): boolean {
  // The scheme is public and case-insensitive (RFC 9110); only the credentials are compared in constant time.
  const credentials = header !== null && header.slice(0, SCHEME.length).toLowerCase() === SCHEME ? header.slice(SCHEME.length) : "";
  const given = encoder.encode(credentials);
  const expected = encoder.encode(token);
  let difference = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= (expected[i] as number) ^ (given[i] ?? 0);
  return difference === 0;
}
