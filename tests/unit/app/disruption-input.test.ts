import { describe, expect, it } from 'vitest';
import { DisruptionInputSchema } from '../../../shared/app/disruption-input.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseWith } from '../../../shared/domain/validation.js';

const valid = {
  kind: 'weather',
  severity: 'high',
  startsAt: '2026-03-05T00:00:00+01:00',
  endsAt: '2026-03-07T00:00:00Z',
  area: { postalPrefixes: ['100'] },
};

/** The fields a refusal names. */
function refusedFields(body: unknown): string[] {
  try {
    parseWith(DisruptionInputSchema, body);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields.map((field) => field.field);
    throw error;
  }
  throw new Error('accepted');
}

describe('Given a disruption posted to POST /disruptions', () => {
  describe('When it is well formed', () => {
    it('is accepted with its times in UTC and its coordinates rounded', () => {
      expect(parseWith(DisruptionInputSchema, valid)).toMatchObject({
        startsAt: '2026-03-04T23:00:00.000Z',
        endsAt: '2026-03-07T00:00:00.000Z',
      });
      const circle = parseWith(DisruptionInputSchema, {
        ...valid,
        kind: 'carrier-outage',
        carriers: ['SIMPOST'],
        area: { center: { lat: 40.123456789, lon: 5e-324 }, radiusKm: 25 },
      });
      expect(circle.area).toEqual({ center: { lat: 40.1234568, lon: 0 }, radiusKm: 25 });
    });
  });

  describe('When it is not', () => {
    it.each([
      ['an end before the start', { ...valid, endsAt: '2026-03-04T00:00:00Z' }, 'endsAt'],
      ['an end equal to the start', { ...valid, endsAt: valid.startsAt }, 'endsAt'],
      ['a window longer than 31 days', { ...valid, endsAt: '2026-04-30T00:00:00Z' }, 'endsAt'],
      ['a time without a zone', { ...valid, startsAt: '2026-03-05T00:00:00' }, 'startsAt'],
      ['an empty area', { ...valid, area: {} }, 'area'],
      ['no prefix', { ...valid, area: { postalPrefixes: [] } }, 'area.postalPrefixes'],
      ['an empty prefix', { ...valid, area: { postalPrefixes: [''] } }, 'area.postalPrefixes[0]'],
      [
        'both forms of area',
        { ...valid, area: { postalPrefixes: ['1'], center: { lat: 0, lon: 0 }, radiusKm: 1 } },
        'area',
      ],
      ['a radius of 0', { ...valid, area: { center: { lat: 0, lon: 0 }, radiusKm: 0 } }, 'area.radiusKm'],
      [
        'a negative radius',
        { ...valid, area: { center: { lat: 0, lon: 0 }, radiusKm: -5 } },
        'area.radiusKm',
      ],
      [
        'a radius too small to store',
        { ...valid, area: { center: { lat: 0, lon: 0 }, radiusKm: 1e-200 } },
        'area.radiusKm',
      ],
      ['a radius without a centre', { ...valid, area: { radiusKm: 10 } }, 'area.center'],
      [
        'a latitude beyond 90',
        { ...valid, area: { center: { lat: 91, lon: 0 }, radiusKm: 1 } },
        'area.center.lat',
      ],
      ['an unknown carrier', { ...valid, kind: 'carrier-outage', carriers: ['NOPE'] }, 'carriers[0]'],
      ['a carrier outage without carriers', { ...valid, kind: 'carrier-outage' }, 'carriers'],
      ['weather naming carriers', { ...valid, carriers: ['SIMPOST'] }, 'carriers'],
      ['an unknown severity', { ...valid, severity: 'apocalyptic' }, 'severity'],
      ['an unknown kind', { ...valid, kind: 'volcano' }, 'kind'],
      ['a bad location id', { ...valid, locations: ['no such/location'] }, 'locations[0]'],
      ['a bad id', { ...valid, id: 'has#hash' }, 'id'],
      ['an unknown field', { ...valid, extra: 1 }, '(body)'],
    ])('refuses %s, naming the field', (_, body, field) => {
      expect(refusedFields(body)).toContain(field);
    });
  });
});
