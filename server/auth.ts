// Bearer tokens, each naming a tenant. Without tokens every caller is the tenant "default".
import { createHash } from 'node:crypto';
import { fail } from '../core/errors.js';

export const DEFAULT_TENANT = 'default';

/** `token:tenant` entries separated by commas or newlines (GRADD_TOKENS, or a --tokens file); `#` starts a comment line. */
export function parseTokens(text: string, where: string): Map<string, string> {
  const tokens = new Map<string, string>();
  text.split(/[\n,]/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).forEach((entry, i) => {
    const at = entry.lastIndexOf(':'), token = entry.slice(0, at), tenant = entry.slice(at + 1);
    if (at <= 0 || !tenant || /\s/.test(token)) fail('BAD_ARGUMENT', `${where}: entry ${i + 1} is not token:tenant`);
    tokens.set(token, tenant);
  });
  if (!tokens.size) fail('BAD_ARGUMENT', `${where} holds no token:tenant entry`);
  return tokens;
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

export class Auth {
  // Looked up by digest: comparing digests leaks nothing useful about a token through timing.
  private readonly byDigest: Map<string, string> | null;

  constructor(tokens: Map<string, string> | null) {
    this.byDigest = tokens && new Map([...tokens].map(([t, tenant]) => [digest(t), tenant]));
  }

  get enabled(): boolean { return this.byDigest !== null; }

  /** The tenant of an `Authorization` header or metadata value. */
  tenant(authorization: string | undefined): string {
    if (!this.byDigest) return DEFAULT_TENANT;
    if (!authorization) fail('UNAUTHENTICATED', 'this server needs a token: send "Authorization: Bearer <token>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) fail('UNAUTHENTICATED', 'the Authorization value must be "Bearer <token>"');
    const tenant = this.byDigest.get(digest(m[1]));
    if (tenant === undefined) fail('UNAUTHENTICATED', 'the token is not valid');
    return tenant;
  }
}
