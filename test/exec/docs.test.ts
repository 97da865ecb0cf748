/** docs/commands.md must list every emulated form the dispatcher accepts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SUPPORTED_COMMANDS } from '../../src/exec/commands.js';

it('docs/commands.md names every supported tool', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'commands.md'), 'utf8');
  for (const form of SUPPORTED_COMMANDS) expect(doc, form.usage).toContain(`\`${form.tool}`);
});
