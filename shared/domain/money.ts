import { UnprocessableError, ValidationError } from './errors.js';

/**
 * ISO 4217 minor-unit exponents. Currencies not listed here are refused rather than guessed.
 * Source: ISO 4217 amendment list (2024); funds codes and precious metals are left out on purpose.
 */
const EXPONENTS: Record<string, number> = {
  AED: 2,
  ARS: 2,
  AUD: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DKK: 2,
  EGP: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PEN: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  QAR: 2,
  RON: 2,
  RUB: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  VND: 0,
  XAF: 0,
  XOF: 0,
  ZAR: 2,
};

export const isKnownCurrency = (currency: string): boolean => currency in EXPONENTS;

export function currencyExponent(currency: string): number {
  const exponent = EXPONENTS[currency];
  if (exponent === undefined) {
    throw new UnprocessableError(`Unknown or unsupported currency '${currency}'`, { currency });
  }
  return exponent;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Converts a decimal amount as the channels send it ("12.30", "1200", 12.3) into integer minor units,
 * exactly: the digits are parsed as text, never through floating point. More decimals than the currency
 * has are accepted only when the extra digits are zeros ("10.500" USD), otherwise refused.
 */
export function toMinorUnits(amount: string | number, currency: string, field = 'amount'): number {
  const exponent = currencyExponent(currency);
  const text = typeof amount === 'number' ? numberToPlainString(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new ValidationError(`${field} must be a decimal amount`, [
      { field, message: `not a decimal: '${text}'` },
    ]);
  }
  const [, sign, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    throw new ValidationError(`${field} has more decimals than ${currency} allows (${exponent})`, [
      { field, message: `${currency} has ${exponent} decimal places` },
    ]);
  }
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(significant.padEnd(exponent, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ValidationError(`${field} is too large`, [{ field, message: 'amount out of range' }]);
  }
  return Number(sign ? -minor : minor);
}

/** Formats integer minor units as a decimal string with the currency's exponent ("12.30", "1200", "1.005"). */
export function formatMinorUnits(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor))
    throw new UnprocessableError(`${minor} is not an integer amount of minor units`);
  const exponent = currencyExponent(currency);
  const negative = minor < 0;
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toString();
  // Exponent notation only appears for magnitudes no price has (below 1e-6 or above 1e21); returning it
  // unchanged makes the decimal check refuse it instead of rounding a tiny amount to zero.
  return text;
}
