/** `ip`: link listing and deletion (cni0, flannel.1 left behind by a reset), addresses, the default route. */
import type { Sim } from '../state.js';
import type { Link } from '../types.js';

function flagsOf(l: Link): string {
  return l.kind === 'loopback' ? '<LOOPBACK,UP,LOWER_UP>' : '<BROADCAST,MULTICAST,UP,LOWER_UP>';
}

function linkLines(links: Link[], oneline: boolean): string {
  return links
    .map((l, i) => {
      const head = `${i + 1}: ${l.name}: ${flagsOf(l)} mtu ${l.mtu} qdisc ${l.kind === 'ether' ? 'fq_codel' : 'noqueue'} state ${l.kind === 'loopback' || l.kind === 'vxlan' ? 'UNKNOWN' : 'UP'} mode DEFAULT group default ${l.kind === 'vxlan' ? '' : 'qlen 1000'}`;
      const tail = `    link/${l.kind === 'loopback' ? 'loopback' : 'ether'} ${l.mac} brd ${l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff'}`;
      return oneline ? `${head}\\${tail}\n` : `${head}\n${tail}\n`;
    })
    .join('');
}

export async function run(sim: Sim): Promise<number> {
  const args = [...sim.argv];
  let oneline = false;
  let family = '';
  while (args[0]?.startsWith('-')) {
    const a = args.shift()!;
    if (a === '-o' || a === '-oneline') oneline = true;
    else if (a === '-4' || a === '-6') family = a;
    else if (a === '-br' || a === '-brief' || a === '-d' || a === '-details') continue;
    else {
      sim.io.err(`Option "${a}" is unknown, try "ip -help".\n`);
      return 255;
    }
  }
  const [obj, verb = 'show', ...rest] = args;
  const dev = rest[0] === 'dev' ? rest[1] : rest[0];
  if (obj === 'link' || obj === 'l') {
    if (verb === 'show' || verb === 'list' || verb === 'ls') {
      const s = await sim.read();
      const links = dev ? s.host.links.filter((l) => l.name === dev) : s.host.links;
      if (dev && links.length === 0) {
        sim.io.err(`Device "${dev}" does not exist.\n`);
        return 1;
      }
      sim.io.out(linkLines(links, oneline));
      return 0;
    }
    if (verb === 'delete' || verb === 'del' || (verb === 'set' && (rest.includes('down') || rest.includes('up')))) {
      return sim.update((s) => {
        if (!dev || !s.host.links.some((l) => l.name === dev)) {
          sim.io.err(`Cannot find device "${dev ?? ''}"\n`);
          return 1;
        }
        if (verb !== 'set') s.host.links = s.host.links.filter((l) => l.name !== dev);
        return 0;
      });
    }
  }
  if ((obj === 'addr' || obj === 'address' || obj === 'a') && (verb === 'show' || verb === 'list')) {
    const s = await sim.read();
    const out: string[] = [];
    s.host.links.forEach((l, i) => {
      const ip =
        l.kind === 'loopback'
          ? '127.0.0.1/8'
          : l.name === 'eth0'
            ? `${s.host.ip}/24`
            : l.name === 'flannel.1'
              ? '10.244.0.0/32'
              : l.name === 'cni0'
                ? '10.244.0.1/24'
                : undefined;
      if (!ip || (dev && l.name !== dev) || family === '-6') return;
      out.push(
        `${i + 1}: ${l.name}    inet ${ip} ${l.kind === 'loopback' ? '' : `brd ${ip.replace(/\.\d+\/\d+$/, '.255')} `}scope ${l.kind === 'loopback' ? 'host' : 'global'} ${l.name}\\       valid_lft forever preferred_lft forever`,
      );
    });
    sim.io.out(out.map((l) => `${l}\n`).join(''));
    return 0;
  }
  if (
    (obj === 'route' || obj === 'r') &&
    (verb === 'show' || verb === 'list') &&
    (rest[0] === 'default' || rest.length === 0)
  ) {
    const s = await sim.read();
    const gw = s.host.ip.replace(/\.\d+$/, '.2');
    sim.io.out(`default via ${gw} dev eth0 proto dhcp src ${s.host.ip} metric 100 \n`);
    return 0;
  }
  sim.io.err(`ip: the simulated node does not model: ip ${sim.argv.join(' ')}\n`);
  return 1;
}
