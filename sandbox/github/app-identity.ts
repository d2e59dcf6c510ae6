import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The sandbox GitHub App: a generated RSA key pair, JWT verification as GitHub does it, and the
 * tokens the double accepts (installation tokens it issued, configured personal access tokens).
 */
export type Caller =
  | { kind: 'installation'; installationId: number; token: string; expiresAt: number }
  | { kind: 'user'; login: string; token: string }
  | { kind: 'app'; appId: number; token: string }
  | { kind: 'anonymous' };

export type AuthResult = { ok: true; caller: Caller } | { ok: false; status: 401; message: string };

export const tokenLifetimeMs = 60 * 60 * 1000;
const maxJwtLifetimeS = 10 * 60;
/** GitHub tolerates some clock drift on `iat`; auth-app backdates it by 30 s. */
const clockSkewS = 60;

/** Short, stable, non-reversible token id for logs and per-token state; never the token itself. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

function base64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class AppIdentity {
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly installationTokens = new Map<string, { installationId: number; expiresAt: number }>();
  private readonly personalTokens = new Map<string, string>();

  constructor(
    readonly appId: number,
    readonly slug: string,
    readonly name: string,
    readonly installationId: number,
    private readonly now: () => number,
    keyPair?: { privateKeyPem: string },
  ) {
    // GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY"); auth-app reads both forms.
    this.privateKeyPem =
      keyPair?.privateKeyPem ??
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      }).privateKey;
    this.publicKey = createPublicKey(this.privateKeyPem);
  }

  get botLogin(): string {
    return `${this.slug}[bot]`;
  }

  setPersonalTokens(tokens: { token: string; login: string }[]): void {
    this.personalTokens.clear();
    for (const t of tokens) this.personalTokens.set(t.token, t.login);
  }

  forgetInstallationTokens(): void {
    this.installationTokens.clear();
  }

  issueInstallationToken(installationId = this.installationId): { token: string; expiresAt: number } {
    const bytes = randomBytes(36);
    const token = 'ghs_' + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
    const expiresAt = this.now() + tokenLifetimeMs;
    this.installationTokens.set(token, { installationId, expiresAt });
    return { token, expiresAt };
  }

  /** Reads the Authorization header (`token X`, `bearer X`, or none). */
  authenticate(authorization: string | undefined): AuthResult {
    if (!authorization) return { ok: true, caller: { kind: 'anonymous' } };
    const m = /^(token|bearer)\s+(\S+)$/i.exec(authorization.trim());
    if (!m || !m[2]) return { ok: false, status: 401, message: 'Bad credentials' };
    const token = m[2];
    if (token.split('.').length === 3) return this.verifyJwt(token);
    const inst = this.installationTokens.get(token);
    if (inst) {
      if (inst.expiresAt <= this.now()) return { ok: false, status: 401, message: 'Bad credentials' };
      return {
        ok: true,
        caller: {
          kind: 'installation',
          installationId: inst.installationId,
          token,
          expiresAt: inst.expiresAt,
        },
      };
    }
    const login = this.personalTokens.get(token);
    if (login) return { ok: true, caller: { kind: 'user', login, token } };
    return { ok: false, status: 401, message: 'Bad credentials' };
  }

  /** RS256 signature, `iss` = App id, `exp - iat` at most 10 minutes, not expired. */
  private verifyJwt(jwt: string): AuthResult {
    const fail = (message: string): AuthResult => ({ ok: false, status: 401, message });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    let header: { alg?: string };
    let payload: { iat?: unknown; exp?: unknown; iss?: unknown };
    try {
      header = JSON.parse(base64url(h).toString('utf8')) as typeof header;
      payload = JSON.parse(base64url(p).toString('utf8')) as typeof payload;
    } catch {
      return fail('A JSON web token could not be decoded');
    }
    if (header.alg !== 'RS256') return fail('A JSON web token could not be decoded');
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, base64url(s))) {
      return fail('A JSON web token could not be decoded');
    }
    const nowS = Math.floor(this.now() / 1000);
    if (
      typeof payload.iat !== 'number' ||
      !Number.isInteger(payload.iat) ||
      payload.iat > nowS + clockSkewS
    ) {
      return fail("'Issued at' claim ('iat') must be an Integer representing a time in the past.");
    }
    if (typeof payload.exp !== 'number' || payload.exp <= nowS) {
      return fail(
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
      );
    }
    if (payload.exp - payload.iat > maxJwtLifetimeS) {
      return fail("'Expiration time' claim ('exp') is too far in the future.");
    }
    if (String(payload.iss) !== String(this.appId)) return fail('Integration not found');
    return { ok: true, caller: { kind: 'app', appId: this.appId, token: jwt } };
  }
}
