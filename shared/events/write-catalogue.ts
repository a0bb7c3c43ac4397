/**
 * `npm run docs:events`: writes docs/events.md from the catalogue. Run it after changing an event or a rule;
 * the unit test in tests/unit/events fails until the committed page matches.
 */
import { writeFileSync } from 'node:fs';
import { eventCatalogueFile, renderEventCatalogue } from './catalogue-doc.js';

writeFileSync(eventCatalogueFile, renderEventCatalogue());
process.stdout.write(`wrote ${eventCatalogueFile}\n`);
