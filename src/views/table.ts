/** A friendly view is data: a title, column names and rows of cells. The CLI draws it (cli-table3) or prints it as JSON. */
export interface ViewTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table (explanations, counts). */
  readonly notes?: readonly string[];
}

/** Rows as objects keyed by column name, for `-o json`. */
export function tableToJson(table: ViewTable): Record<string, string>[] {
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? ''])));
}
