import type { Command } from 'commander';
import { netnsOf } from '../../dataplane/endpoints.js';
import { tableToJson } from '../../views/table.js';
import { resolveView, VIEW_NAMES, viewTables } from '../../views/netns-views.js';
import type { CommandContext } from '../context.js';
import { drawTable } from '../table.js';
import { whatIfOf } from '../what-if-options.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { collectTraffic, sendTraffic, TRAFFIC_HELP, type TrafficSpec } from '../traffic.js';

export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description(`friendly views of a node's or pod's state: ${VIEW_NAMES.join(', ')}`)
    .argument('<what>', 'the view: routes, links, addresses, neighbours, fdb, bridges, stats, sysctls, iptables')
    .argument('<target>', 'a node (node-02) or pod (pod-a, default/pod-a)')
    .option('-t, --table <table>', 'iptables: only this table (filter, nat, mangle, raw)')
    .option('--traffic <flow>', TRAFFIC_HELP, collectTraffic, [])
    .action(async (what: string, targetText: string, options: { table?: string; traffic: TrafficSpec[] }) => {
      const { io, opts, chalk } = context();
      const view = resolveView(what);
      const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
      const ns = netnsOf(dataplane, targetText);
      sendTraffic(dataplane, options.traffic);
      const tables = viewTables(view, ns, options.table);
      if (opts.output === 'json') {
        writeJson(io.stdout, tables.length === 1 ? { view, target: ns.displayName, rows: tableToJson(tables[0]!) } : { view, target: ns.displayName, tables: tables.map((t) => ({ title: t.title, rows: tableToJson(t) })) });
        return;
      }
      await writeLines(io.stdout, tables.flatMap((t, i) => [...(i > 0 ? [''] : []), ...drawTable(t, chalk)]));
    });
}
