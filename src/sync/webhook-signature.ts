import crypto from 'node:crypto';

/**
 * Verifies `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`: HMAC-SHA256 of the raw body with the
 * subscription's secret. Several values appear while a secret is being rotated; any match is
 * enough. Compared in constant time.
 */
export function verifyPagerDutySignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  if (!header) return false;
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  let matched = false;
  for (const part of header.split(',')) {
    const [version, hex] = part.trim().split('=');
    if (version !== 'v1' || !hex || !/^[0-9a-f]{64}$/i.test(hex)) continue;
    // Every value is compared, so timing does not tell which one matched.
    if (crypto.timingSafeEqual(Buffer.from(hex, 'hex'), expected)) matched = true;
  }
  return matched;
}

/** The header value for a body, as PagerDuty computes it (for tests and the simulator). */
export function signPagerDutyBody(rawBody: Buffer | string, secret: string): string {
  return `v1=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
