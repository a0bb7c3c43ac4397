import type { AuditSettings } from '../domain/freight-audit.js';

/**
 * Freight audit settings (docs/freight-audit.md). The tolerance follows common audit practice: small
 * differences (rounding, a re-weigh of a pound) are not worth a dispute, so a line is flagged only when it
 * exceeds the rated amount by more than max($2, 2 %).
 */
export const freightAuditSettings: AuditSettings = {
  tolerance: { absoluteMajor: 2, percent: 2 },
  accessorials: {
    synonyms: {
      LIFTGATE: 'liftgate',
      LIFT: 'liftgate',
      LGD: 'liftgate',
      LFTD: 'liftgate',
      'LIFTGATE-DELIVERY': 'liftgate',
      RESIDENTIAL: 'residential',
      RES: 'residential',
      RESI: 'residential',
      RSD: 'residential',
      'RESIDENTIAL-DELIVERY': 'residential',
      INSIDE: 'inside-delivery',
      IDL: 'inside-delivery',
      INS: 'inside-delivery',
      'INSIDE-DELIVERY': 'inside-delivery',
      APPT: 'appointment',
      APT: 'appointment',
      NOTIFY: 'appointment',
      LTD: 'limited-access',
      'LIMITED-ACCESS': 'limited-access',
      HAZ: 'hazmat',
      HAZMAT: 'hazmat',
      FUEL: 'fuel',
      FSC: 'fuel',
      'FUEL-SURCHARGE': 'fuel',
    },
    alwaysAllowed: ['fuel'],
  },
  maxRows: 2000,
};
