/**
 * `npm run docs:events`: writes docs/events.md from the catalogue, and the snapshot of every published event
 * version under shared/events/published/ (new events and versions, additive changes). Run it after changing
 * an event or a rule; the unit tests in tests/unit/events fail until both match the code. A breaking change to
 * a published version is refused: nothing is written and the command fails.
 */
import { writeFileSync } from 'node:fs';
import { eventCatalogueFile, renderEventCatalogue } from './catalogue-doc.js';
import { writePublished } from './published.js';

try {
  const snapshots = writePublished();
  for (const file of snapshots) process.stdout.write(`wrote shared/events/published/${file}\n`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
writeFileSync(eventCatalogueFile, renderEventCatalogue());
process.stdout.write(`wrote ${eventCatalogueFile}\n`);
