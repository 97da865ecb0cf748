import { netnsOf } from '../../dataplane/endpoints.js';
import { tableToJson } from '../../views/table.js';
import { resolveView, viewTables } from '../../views/netns-views.js';
import type { CommandContext } from '../context.js';
import { drawTable } from '../table.js';
import { whatIfOf } from '../what-if-options.js';
import { writeJson, writeLines } from '../output.js';
import { loadAndBuild } from '../pipeline.js';
import { sendTraffic, type TrafficSpec } from '../traffic.js';

export async function runShow(
  context: CommandContext,
  what: string,
  targetText: string,
  options: { table?: string; traffic: TrafficSpec[] },
): Promise<void> {
  const { io, opts, chalk } = await context();
  const view = resolveView(what);
  const { dataplane } = loadAndBuild(io, chalk, opts.topology, { quietWarnings: true, whatIf: whatIfOf(opts) });
  const ns = netnsOf(dataplane, targetText);
  const traffic = sendTraffic(dataplane, options.traffic);
  const tables = viewTables(view, ns, options.table, traffic.devices.reader(ns));
  if (opts.output === 'json') {
    writeJson(
      io.stdout,
      tables.length === 1
        ? { view, target: ns.displayName, rows: tableToJson(tables[0]!) }
        : { view, target: ns.displayName, tables: tables.map((t) => ({ title: t.title, rows: tableToJson(t) })) },
    );
    return;
  }
  await writeLines(
    io.stdout,
    tables.flatMap((t, i) => [...(i > 0 ? [''] : []), ...drawTable(t, chalk)]),
  );
}
