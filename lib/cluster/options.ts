// The options of init({ cluster }) and their check (a TypeError at init, naming the option), apart from the
// cluster itself so that checking them loads nothing of NATS.
import { readFileSync } from 'node:fs';
import type { Authenticator, ConnectionOptions } from '@nats-io/transport-node';
import { checkResources } from '../model/options.js';

/** `init({ cluster })`: where the NATS servers are and which cluster to join. */
export interface ClusterOptions {
  /** NATS server URL(s), e.g. `nats://10.0.0.5:4222`. */
  servers: string | string[];
  /** The cluster's name: its subjects live under `troupe.<name>`. Letters, digits, `-` and `_`. */
  name: string;
  /** This process's name in nodes() (default `driver-<host>-<pid>`; a node's --name). */
  node?: string;
  /** A member silent this long (ms) is dead: its actors restart elsewhere, its calls fail (default 5000). */
  failureTimeout?: number;
  /** How long (ms) a creation waits for a node that can host it (default 30000). */
  placementTimeout?: number;
  /** What this process's own pool offers to threaded actors that ask for `resources` (default none). */
  resources?: Readonly<Record<string, number>>;
  /** NATS auth, passed to the client: user and password, a token, or a credentials file (NKey/JWT). */
  user?: string;
  pass?: string;
  token?: string;
  credsFile?: string;
  /** TLS, passed to the client (`{ caFile, certFile, keyFile }`). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

const KNOWN = ['servers', 'name', 'node', 'failureTimeout', 'placementTimeout', 'resources', 'user', 'pass', 'token', 'credsFile', 'tls'];

export function checkClusterOptions(o: unknown): asserts o is ClusterOptions {
  const where = 'init: cluster';
  if (o === null || typeof o !== 'object') throw new TypeError(`${where} must be an object`);
  const c = o as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!KNOWN.includes(k)) throw new TypeError(`${where}: unknown option '${k}' (known: ${KNOWN.join(', ')})`);
  const s = c.servers;
  if (!(typeof s === 'string' || (Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'string')))) throw new TypeError(`${where}.servers must be a URL or an array of URLs`);
  if (typeof c.name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(c.name)) throw new TypeError(`${where}.name must be letters, digits, '-' or '_', got ${JSON.stringify(c.name)}`);
  if (c.node !== undefined && (typeof c.node !== 'string' || c.node.length === 0)) throw new TypeError(`${where}.node must be a non-empty string`);
  for (const k of ['failureTimeout', 'placementTimeout']) {
    const v = c[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new TypeError(`${where}.${k} must be a number of milliseconds > 0, got ${String(v)}`);
  }
  if (c.resources !== undefined) checkResources(`${where}.resources`, c.resources);
}

/** The auth and TLS options of `o` as the NATS client takes them (a member's connection and troupe status
 *  alike). `creds` is the client's credsAuthenticator: the client is loaded by the caller, only when used. */
export function authOptions(o: ClusterOptions, creds: (file: Uint8Array) => Authenticator): Partial<ConnectionOptions> {
  return {
    ...(o.user !== undefined ? { user: o.user, pass: o.pass } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.credsFile !== undefined ? { authenticator: creds(readFileSync(o.credsFile)) } : {}),
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
  };
}
