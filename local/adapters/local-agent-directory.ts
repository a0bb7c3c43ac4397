import { createHmac, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Agent, type AgentRole, agentFromClaims } from '../../shared/domain/agents.js';
import type { AgentDirectory, AgentSession } from '../../shared/ports/agent-directory.js';

interface StoredAgent {
  id: string;
  username: string;
  roles: AgentRole[];
  /** scrypt(password, salt), hex; the salt is stored beside it. */
  passwordHash: string;
  salt: string;
}

interface AgentFile {
  /** HMAC key of the tokens this store signs; generated once, so tokens survive a restart. */
  signingKey: string;
  agents: StoredAgent[];
}

const TOKEN_TTL_SECONDS = 8 * 3600;
const ISSUER = 'oms-local';

const hash = (password: string, salt: string) => scryptSync(password, salt, 32).toString('hex');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The embedded runtime's user store: agents in `<data dir>/agents.json` with scrypt password hashes, and
 * HS256 JWTs shaped like Cognito's ID tokens (`sub`, `cognito:username`, `cognito:groups`), so the same
 * middleware reads both. Only for one machine: the key and the hashes sit in the data dir.
 */
export class LocalAgentDirectory implements AgentDirectory {
  private data: AgentFile;

  constructor(
    private readonly file: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.data = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as AgentFile)
      : { signingKey: randomBytes(32).toString('hex'), agents: [] };
    if (!existsSync(file)) this.save();
  }

  /** Adds an agent, or replaces the password and roles of one with the same username. */
  addAgent(username: string, password: string, roles: readonly AgentRole[]): Agent {
    const salt = randomBytes(16).toString('hex');
    const existing = this.data.agents.find((agent) => agent.username === username);
    const stored: StoredAgent = {
      id: existing?.id ?? randomUUID(),
      username,
      roles: [...roles].sort(),
      passwordHash: hash(password, salt),
      salt,
    };
    this.data.agents = [...this.data.agents.filter((agent) => agent.username !== username), stored];
    this.save();
    return { id: stored.id, username, roles: stored.roles };
  }

  get size(): number {
    return this.data.agents.length;
  }

  async signIn(username: string, password: string): Promise<AgentSession | undefined> {
    const stored = this.data.agents.find((agent) => agent.username === username);
    // Hash even for an unknown user, so the answer takes as long either way.
    const expected = Buffer.from(stored?.passwordHash ?? '0'.repeat(64), 'hex');
    const actual = Buffer.from(hash(password, stored?.salt ?? 'no-such-user'), 'hex');
    if (!stored || !timingSafeEqual(expected, actual)) return undefined;
    const issuedAt = Math.floor(this.clock().getTime() / 1000);
    const claims = {
      iss: ISSUER,
      sub: stored.id,
      'cognito:username': stored.username,
      'cognito:groups': stored.roles,
      token_use: 'id',
      iat: issuedAt,
      exp: issuedAt + TOKEN_TTL_SECONDS,
    };
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
    return {
      token: `${unsigned}.${this.sign(unsigned)}`,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      agent: { id: stored.id, username: stored.username, roles: stored.roles },
    };
  }

  async verify(token: string): Promise<Agent | undefined> {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (claims.iss !== ISSUER || typeof claims.exp !== 'number') return undefined;
    if (claims.exp * 1000 <= this.clock().getTime()) return undefined;
    const agent = agentFromClaims(claims);
    // A deleted agent's token stops working at once; roles come from the token, as on AWS.
    return agent && this.data.agents.some((stored) => stored.id === agent.id) ? agent : undefined;
  }

  private sign(unsigned: string): string {
    return createHmac('sha256', this.data.signingKey).update(unsigned).digest('base64url');
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.data, null, 2), { mode: 0o600 });
  }
}
