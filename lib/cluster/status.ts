// `troupe status`: asks every member of a cluster for a heartbeat, without joining it, and prints them.
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { encodeBeat, readBeat } from './envelope.js';
import { authOptions, type ClusterOptions } from './options.js';
import type { MemberInfo } from './protocol.js';

export async function status(o: ClusterOptions, json: boolean): Promise<string> {
  const nc = await connect({ servers: o.servers, ...authOptions(o, credsAuthenticator) });
  const seen = new Map<string, MemberInfo>();
  const subject = `troupe.${o.name}.hb`;
  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err !== null) return;
      try {
        const b = readBeat(msg.data);
        if (b.t === 'hb') seen.set(b.m.id, b.m);
      } catch {
        // not a heartbeat
      }
    },
  });
  nc.publish(subject, encodeBeat({ t: 'who', id: 'status' }));
  await new Promise((r) => setTimeout(r, 750));
  await nc.close();
  const members = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (json) return `${JSON.stringify(members, null, 2)}\n`;
  const rows = [['NAME', 'ID', 'KIND', 'WORKERS', 'ACTORS', 'STREAMS', 'RESOURCES (free/all)', 'CLASSES', 'FUNCTIONS']];
  for (const m of members) {
    rows.push([m.name, m.id, m.node ? 'node' : 'driver', String(m.workers), String(m.actors), String(m.streams ?? 0), Object.entries(m.resources).map(([k, v]) => `${k}=${m.free?.[k] ?? v}/${v}`).join(',') || '-', String(m.classes.length), String(m.functions?.length ?? 0)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${members.length} member(s) in cluster ${o.name}\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}\n`;
}
